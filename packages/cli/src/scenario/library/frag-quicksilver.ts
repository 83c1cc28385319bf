import type { LibraryScenario } from './types';
import { machineOf } from './types';

/**
 * experiments.md W7, rice-systems/quicksilver Frag/frag_background.c (Frag-100). The fragmenter
 * faults THPs over free memory and unmaps all but the last 64 KiB (16 pages) of each 2 MiB, so
 * every former superpage keeps 16 movable pages. The original loops re-reading buddyinfo until no
 * free order-9/10 block remains; here the phase repeats (up to 8 rounds, each over 95% of the
 * then-free memory) until no free block of order 9 or above is left. Each round maps a new region
 * under the same name; earlier rounds' 64 KiB tails stay mapped. The benchmark the fragmenter
 * runs alongside is not part of the scenario.
 */
export const fragQuicksilver: LibraryScenario = {
  name: 'frag-quicksilver',
  description: 'fault THPs, keep only the last 64 KiB of each 2 MiB, repeat until no free order-9 block remains',
  provenance: 'experiments.md W7: Quicksilver Frag-100 (rice-systems/quicksilver Frag/frag_background.c)',
  defaults: { ramMiB: 1024, seed: 1 },
  build(opts = {}) {
    const { ramMiB, seed } = { ...this.defaults, ...opts };
    return {
      name: 'frag-quicksilver',
      description: this.description,
      seed,
      machine: machineOf(ramMiB),
      workload: {
        phases: [
          {
            name: 'fragment',
            repeat: { max: 8, until: 'no-free-order9' },
            steps: [
              { kind: 'mmap', region: 'frag', size: { fraction: 0.95, of: 'MemFree' }, thp: 'hugepage' },
              { kind: 'fault', region: 'frag' },
              { kind: 'munmap', region: 'frag', chunk: { mib: 2 }, lengthKiB: 2048 - 64 },
            ],
          },
        ],
      },
    };
  },
};
