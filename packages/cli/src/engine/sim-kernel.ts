import { createKernel, KernelError, type KernelFacade, type MachineConfigInput, type VmSysctlInput } from '@mmsim/core';
import { UsageError } from '../cli-error';

/** The kernel instance the scenario engine and the benchmarks drive. */
export type SimKernel = KernelFacade;

export interface BootOptions {
  machine: MachineConfigInput;
  sysctl?: VmSysctlInput;
  seed: number;
  /** Named in error messages ("scenario "default""). */
  source?: string;
}

/**
 * Boots a private kernel with createKernel. A configuration the kernel refuses (EINVAL at boot:
 * memory not a multiple of 4 MiB, a bad distance matrix, ...) is the user's mistake, so it becomes
 * a UsageError with the kernel's explanation.
 */
export function bootKernel(opts: BootOptions): SimKernel {
  try {
    return createKernel({ machine: opts.machine, sysctl: opts.sysctl ?? {}, seed: opts.seed });
  } catch (e) {
    if (e instanceof KernelError && e.code === 'EINVAL') throw new UsageError(`${opts.source ?? 'machine'}: ${e.message}`);
    throw e;
  }
}
