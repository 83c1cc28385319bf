import type { AnyDriverDefinition, Kernel } from '@mmsim/core';
import type { TestKernelOverrides } from '../create-test-kernel';

/**
 * How DriverTester drives one movable_operations driver: the driver plugin plus the few hooks
 * only its author can write (the typescript-eslint RuleTester equivalent of `code` + `options`).
 */
export interface DriverHarness {
  /** The driver plugin under test (loaded with `kernel.loadDriver(driver, options)`). */
  driver: AnyDriverDefinition;
  /** Options passed to the driver's optionsSchema. */
  options?: unknown;
  /** Kernel config overrides, deep-merged into the tester's two-node test machine. */
  kernel?: TestKernelOverrides;
  /** Creates `n` movable pages through the driver's own API and returns their pfns. */
  populate(kernel: Kernel, n: number): number[];
  /** The driver's own integrity check; throws on corruption. Run after every step. */
  verify?(kernel: Kernel): void;
  /** Makes migrate_page() return -EAGAIN until the returned release() is called. */
  contend?(kernel: Kernel): () => void;
  /** Frees the page at `pfn` through the driver's API (clearing movability, D5), even if isolated. */
  release?(kernel: Kernel, pfn: number): void;
  /** What migrate_page() does with MIGRATE_SYNC_NO_COPY (D6): 'einval' (default) or 'migrates'. */
  noCopy?: 'einval' | 'migrates';
}

/** Where in the invalid scenario a violation is expected. */
export type ScenarioPhase = 'setup' | 'isolate' | 'putback' | 'migrate' | 'free';

/** What `runInvalid` expects: the ContractViolation's rule id (kernel.md §4) and optionally where. */
export interface InvalidExpectation {
  rule: string;
  during?: ScenarioPhase;
}

/** Tuning of the generated suite. */
export interface DriverTesterOptions {
  /** Kernel seed of every test (the interleaving test draws from its `driver-tester` stream). */
  seed?: number | string;
  /** Pages per test (default 8). */
  pages?: number;
  /** Steps of the random interleaving (default 120). */
  steps?: number;
}

/** The test-framework functions the tester generates tests with (jest, vitest and mocha all fit). */
export type DescribeFn = (name: string, fn: () => void) => void;
export type ItFn = (name: string, fn: () => void | Promise<void>) => void;
