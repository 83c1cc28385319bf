import { z } from 'zod';
import { KernelError } from '../errors';
import { MachineConfigSchema, VmSysctlSchema } from '../zone/machine-config';
import { type AnyDriverDefinition, isDriverDefinition } from '../plugin/define-driver';
import { formatIssues } from './config-errors';

const DriverDefinitionSchema = z.custom<AnyDriverDefinition>(isDriverDefinition, {
  message: 'expected a driver definition made with defineDriver()',
});
const DriverReferenceSchema = z.union([z.string().min(1, 'a module name or path'), DriverDefinitionSchema]);

/**
 * A driver to load at boot: a definition, a module (package name or path, optionally
 * `module#driverName` to pick one of several), or either of those with options.
 */
export const DriverEntrySchema = z.union([
  DriverReferenceSchema,
  z.strictObject({
    driver: DriverReferenceSchema,
    /** Which driver of a module exporting several (`drivers: { name: def }`). */
    name: z.string().min(1).optional(),
    /** The driver's options, validated by its own optionsSchema. */
    options: z.unknown().optional(),
  }),
]);
export type DriverEntry = z.output<typeof DriverEntrySchema>;

/** createKernel()'s configuration. Unknown keys are errors, never silently ignored. */
export const KernelConfigSchema = z.strictObject({
  /** The simulated machine (nodes, layout, zones). */
  machine: MachineConfigSchema,
  /** vm.* sysctls at boot. */
  sysctl: VmSysctlSchema.prefault({}),
  /** /sys/kernel/mm/transparent_hugepage/enabled (default "madvise", as most distributions ship). */
  thp: z.enum(['always', 'madvise', 'never']).default('madvise'),
  /** Seed of the kernel's random source: the same seed replays the same run. */
  seed: z.union([z.number().int().refine(Number.isSafeInteger, 'a safe integer'), z.string().min(1)]).default(1),
  /** Drivers loaded at boot, in order. */
  drivers: z.array(DriverEntrySchema).default([]),
});
export type KernelConfigInput = z.input<typeof KernelConfigSchema>;
export type KernelConfig = z.output<typeof KernelConfigSchema>;

/** Validates a kernel config, failing with KernelError EINVAL that lists every bad field. */
export function parseKernelConfig(input: unknown): KernelConfig {
  const result = KernelConfigSchema.safeParse(input);
  if (result.success) return result.data;
  throw new KernelError('EINVAL', `invalid kernel config:\n${formatIssues(result.error.issues)}`);
}
