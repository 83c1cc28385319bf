import { formatIssues } from '../kernel/config-errors';
import type { KernelServices } from '../kernel/kernel-services';
import { KernelError } from '../errors';
import type { AnyDriverDefinition } from './define-driver';
import type { DriverRegistry, LoadedDriver } from './driver-registry';
import { DriverSession, type ProviderLookup, describeToken } from './driver-session';
import { kernelErrorWithCause, messageOf } from './error-with-cause';

/**
 * Loads one driver into a kernel, all or nothing (the kernel's module init: a failing init leaves
 * no trace). Order: duplicate check, option validation, then `register(ctx)` against a journaling
 * context; the driver joins the registry only once register has returned.
 */
export function loadDriver(
  kernel: KernelServices,
  registry: DriverRegistry,
  definition: AnyDriverDefinition,
  rawOptions: unknown,
): LoadedDriver {
  const { meta } = definition;
  const existing = registry.get(meta.name);
  if (existing) {
    throw new KernelError(
      'EEXIST',
      `driver "${meta.name}" (version ${meta.version}, ${meta.kernelRef}) cannot be loaded: a driver named "${meta.name}" ` +
        `(version ${existing.meta.version}, ${existing.meta.kernelRef}) is already loaded; driver names must be unique`,
    );
  }
  const parsed = definition.optionsSchema.safeParse(rawOptions ?? {});
  if (!parsed.success) {
    throw new KernelError('EINVAL', `driver "${meta.name}": invalid options:\n${formatIssues(parsed.error.issues, 'options')}`);
  }
  const providers: ProviderLookup = {
    ownerOf(token) {
      if (kernel.container.isRegistered(token, true)) return 'the kernel';
      const name = registry.providerOf(token);
      return name === undefined ? undefined : `driver "${name}"`;
    },
    driverContainerOf: (token) => registry.containerFor(token),
  };
  const session = new DriverSession<unknown>(meta, parsed.data, kernel, providers);
  try {
    const returned: unknown = definition.register(session);
    if (returned !== undefined && typeof (returned as { then?: unknown }).then === 'function') {
      throw new KernelError('EINVAL', 'register(ctx) returned a Promise; registration must be synchronous so that a failure can be undone');
    }
  } catch (cause) {
    const rollbackErrors = session.rollback();
    const also = rollbackErrors.length ? ` (and ${rollbackErrors.length} onDispose callback(s) failed during rollback: ${rollbackErrors.map(messageOf).join('; ')})` : '';
    kernel.printk.log('err', `mmsim: driver ${meta.name}: register failed: ${messageOf(cause)}`);
    const code = cause instanceof KernelError ? cause.code : 'EINVAL';
    throw kernelErrorWithCause(code, `driver "${meta.name}" failed to register, the kernel is unchanged: ${messageOf(cause)}${also}`, cause);
  }
  session.commit();
  registry.add(session as DriverSession<unknown>);
  const provided = [...session.provided].map(describeToken);
  kernel.printk.log(
    'info',
    `mmsim: driver ${meta.name} ${meta.version} registered (${session.stats.pagesAllocated} pages, ${session.stats.registrations} registrations${provided.length ? `; provides ${provided.join(', ')}` : ''})`,
  );
  return registry.get(meta.name)!;
}
