import { type Kernel, type KernelConfigInput, createKernel } from '@mmsim/core';
import { type DeepPartial, deepMerge } from './deep-merge';

/**
 * The default test machine: one node, 64 MiB (16384 frames), flat layout, one CPU. Small enough
 * that booting takes about a millisecond, big enough for order-10 blocks and several pageblocks.
 */
export const TEST_KERNEL_DEFAULTS: KernelConfigInput = {
  machine: { nodes: [{ memory: '64MiB', cpus: 1 }], layout: 'flat' },
  seed: 1,
};

/** Overrides accepted by {@link createTestKernel}: any part of the kernel config. */
export type TestKernelOverrides = DeepPartial<KernelConfigInput>;

/**
 * A private, seeded kernel for a unit test. Overrides are deep-merged into the defaults
 * (`{ machine: { nodes: [{ memory: '128MiB' }] } }` replaces the node list, keeps the flat layout).
 * Each call builds a fresh kernel with its own container: tests never share state. Dispose it in
 * afterEach (`await kernel.dispose()`) when drivers hold resources.
 */
export function createTestKernel(overrides?: TestKernelOverrides): Kernel {
  return createKernel(deepMerge<KernelConfigInput>(TEST_KERNEL_DEFAULTS, overrides));
}
