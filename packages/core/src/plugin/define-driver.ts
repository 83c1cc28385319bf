import type { z } from 'zod';
import { KernelError } from '../errors';
import type { DriverContext } from './driver-context';

/** Who a driver is: shown in errors, /proc-style listings and the kernel log. */
export interface DriverMeta {
  /** Unique within a kernel; kebab-case by convention ("zsmalloc", "virtio-balloon"). */
  readonly name: string;
  /** The plugin's own version (semver). */
  readonly version: string;
  /** The kernel source the driver models, e.g. "mm/zsmalloc.c" or "drivers/virtio/virtio_balloon.c". */
  readonly kernelRef: string;
}

/**
 * A driver plugin. `register` runs once per kernel with options already validated by
 * `optionsSchema`; it must be synchronous, and everything it does through `ctx` is undone if it
 * throws, so a broken plugin never leaves a half-registered driver behind.
 */
export interface DriverDefinition<Schema extends z.ZodType = z.ZodType> {
  readonly meta: DriverMeta;
  readonly optionsSchema: Schema;
  register(ctx: DriverContext<z.output<Schema>>): void;
}

/** Any driver definition, whatever its options type (for lists and registries). */
// `any` keeps DriverDefinition<Specific> assignable despite register's contravariant options.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyDriverDefinition = DriverDefinition<any>;

/**
 * Declares a driver plugin (typescript-eslint's `createRule` style): the options type of
 * `ctx.options` is inferred from `optionsSchema`, and the metadata is checked once, here, so a
 * malformed plugin fails where it is written rather than where it is loaded.
 */
export function defineDriver<Schema extends z.ZodType>(definition: DriverDefinition<Schema>): DriverDefinition<Schema> {
  const { meta } = definition;
  const where = `defineDriver(${JSON.stringify(meta?.name ?? '?')})`;
  if (!meta || typeof meta.name !== 'string' || !/^[a-z0-9][a-z0-9._-]*$/.test(meta.name)) {
    throw new KernelError('EINVAL', `${where}: meta.name must be a non-empty lower-case name such as "zsmalloc" or "virtio-balloon"`);
  }
  if (typeof meta.version !== 'string' || meta.version.length === 0) {
    throw new KernelError('EINVAL', `${where}: meta.version must be a non-empty version string such as "1.0.0"`);
  }
  if (typeof meta.kernelRef !== 'string' || meta.kernelRef.length === 0) {
    throw new KernelError('EINVAL', `${where}: meta.kernelRef must name the kernel source the driver models, such as "mm/zsmalloc.c"`);
  }
  if (!definition.optionsSchema || typeof (definition.optionsSchema as { safeParse?: unknown }).safeParse !== 'function') {
    throw new KernelError('EINVAL', `${where}: optionsSchema must be a zod schema (use z.strictObject({}) for a driver without options)`);
  }
  if (typeof definition.register !== 'function') {
    throw new KernelError('EINVAL', `${where}: register(ctx) must be a function`);
  }
  return Object.freeze({ ...definition, meta: Object.freeze({ ...meta }) });
}

/** Whether a value looks like a driver definition (a module export, a config entry). */
export function isDriverDefinition(value: unknown): value is AnyDriverDefinition {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<AnyDriverDefinition>;
  return typeof v.meta === 'object' && v.meta !== null && typeof v.meta.name === 'string' && typeof v.register === 'function';
}
