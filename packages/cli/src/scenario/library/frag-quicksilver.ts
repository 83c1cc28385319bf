import type { StepInput } from '../schema';
import type { LibraryScenario } from './types';
import { machineOf } from './types';

/**
 * experiments.md W7, rice-systems/quicksilver Frag/frag_background.c (Frag-100). The fragmenter
 * faults THPs over free memory and unmaps all but the last 64 KiB (16 pages) of each 2 MiB, so
 * every former superpage keeps 16 movable pages. The original loops re-reading buddyinfo until no
 * free order-9/10 block remains; here a fixed number of rounds, each over 95% of the then-free
 * memory, does that at any RAM size (the scenario's tests check the end state). The benchmark the
 * fragmenter runs alongside is not part of the scenario.
 */
export const fragQuicksilver: LibraryScenario = {
  name: 'frag-quicksilver',
  description: 'fault THPs, keep only the last 64 KiB of each 2 MiB, repeat until no free order-9 block remains',
  provenance: 'experiments.md W7: Quicksilver Frag-100 (rice-systems/quicksilver Frag/frag_background.c)',
  defaults: { ramMiB: 1024, seed: 1 },
  build(opts = {}) {
    const { ramMiB, seed } = { ...this.defaults, ...opts };
    const round = (i: number): StepInput[] => [
      { kind: 'mmap', region: `r${i}`, size: { fraction: 0.95, of: 'MemFree' }, thp: 'hugepage' },
      { kind: 'fault', region: `r${i}` },
      { kind: 'munmap', region: `r${i}`, chunk: { mib: 2 }, lengthKiB: 2048 - 64 },
    ];
    return {
      name: 'frag-quicksilver',
      description: this.description,
      seed,
      machine: machineOf(ramMiB),
      workload: { phases: [1, 2, 3].map((i) => ({ name: `round${i}`, steps: round(i) })) },
    };
  },
};
