import type { LibraryScenario } from './types';
import { machineOf } from './types';

/**
 * experiments.md W13 (Contiguitas-style pinned/unmovable scatter). A long-running mix where 0.5%
 * of allocations are long-lived unmovable kernel memory, then a base-page anonymous working set
 * of which 0.5% is pinned FOLL_LONGTERM (DMA buffers) and the rest unmapped, then compaction and
 * THP-like order-9 attempts for every 2 MiB of RAM. Simplifications: one mix and one seed per run (the
 * "how many servers have S_9 = 0" question is a sweep over seeds) and the default placement
 * policy only.
 */
export const pinnedScatter: LibraryScenario = {
  name: 'pinned-scatter',
  description: '0.5% long-lived unmovable allocations and 0.5% FOLL_LONGTERM pins scattered over RAM, then compaction and order-9 attempts',
  provenance: 'experiments.md W13: Contiguitas-style pinned/unmovable scatter (M9, M5)',
  defaults: { ramMiB: 1024, seed: 1 },
  build(opts = {}) {
    const { ramMiB, seed } = { ...this.defaults, ...opts };
    return {
      name: 'pinned-scatter',
      description: this.description,
      seed,
      machine: machineOf(ramMiB),
      workload: {
        phases: [
          {
            name: 'mix',
            steps: [
              {
                kind: 'churn',
                allocations: ramMiB * 100,
                intervalUs: 10,
                mix: [
                  { class: 'movable', gfp: 'GFP_HIGHUSER_MOVABLE', weight: 99.5, orders: [{ order: 0, weight: 1 }], lifetime: { dist: 'exponential', meanMs: 500 } },
                  { class: 'unmovable', gfp: 'GFP_KERNEL', weight: 0.5, orders: [{ order: 0, weight: 1 }], lifetime: { dist: 'forever' } },
                ],
              },
              { kind: 'mmap', region: 'dma', size: { fraction: 0.6, of: 'MemFree' }, thp: 'nohugepage' },
              { kind: 'fault', region: 'dma' },
              { kind: 'pin', region: 'dma', fraction: 0.005 },
              { kind: 'munmap', region: 'dma' },
            ],
          },
          {
            name: 'probe',
            steps: [
              { kind: 'free-all', classes: ['movable'] },
              { kind: 'drain' },
              { kind: 'compact' },
              { kind: 'high-order-attempts', label: 'THP', orders: [9], count: Math.max(1, Math.floor(ramMiB / 2)), gfp: 'GFP_TRANSHUGE_LIGHT' },
            ],
          },
        ],
      },
    };
  },
};
