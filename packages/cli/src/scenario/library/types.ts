import type { ScenarioInput } from '../schema';

/** Knobs every built-in scenario takes; sizes inside a scenario are fractions of this RAM. */
export interface LibraryOptions {
  /** Simulated RAM in MiB (a multiple of 4). */
  ramMiB: number;
  seed: number;
}

export interface LibraryScenario {
  name: string;
  /** One line for `mmsim scenarios`. */
  description: string;
  /** Where the workload comes from (experiments.md §3 entry and its source). */
  provenance: string;
  defaults: LibraryOptions;
  build(opts?: Partial<LibraryOptions>): ScenarioInput;
}

/** A one-node machine of `ramMiB` (x86_64 layout: DMA, DMA32 and, above 4 GiB, Normal). */
export function machineOf(ramMiB: number): ScenarioInput['machine'] {
  return { nodes: [{ memory: `${ramMiB}MiB` }] };
}
