import type { LibraryScenario } from './types';
import { machineOf } from './types';

/**
 * experiments.md W3, mmtests thpscale. Simplifications: one thread (no thread sweep, no barrier,
 * no NUMA locality), and the THP check is the PMD entry of the first page after each 2 MiB fault
 * instead of mincore at +64 pages. Sizes as in thpscale: anon = 0.8·MemTotal, second = anon/2,
 * file = anon/4.
 */
export const thpscale: LibraryScenario = {
  name: 'thpscale',
  description: 'fault 80% of RAM as THP, punch out the first 1 MiB of every 2 MiB, fill holes with page cache, then fault a second THP area 2 MiB at a time',
  provenance: 'experiments.md W3: mmtests thpscale/thpcompact (Gorman 2019-2025); one thread',
  defaults: { ramMiB: 1024, seed: 1 },
  build(opts = {}) {
    const { ramMiB, seed } = { ...this.defaults, ...opts };
    return {
      name: 'thpscale',
      description: this.description,
      seed,
      machine: machineOf(ramMiB),
      workload: {
        phases: [
          {
            name: 'setup',
            steps: [
              { kind: 'mmap', region: 'anon', size: { fraction: 0.8, of: 'MemTotal' }, thp: 'hugepage' },
              { kind: 'fault', region: 'anon' },
              { kind: 'munmap', region: 'anon', chunk: { mib: 2 }, lengthKiB: 1024 },
              { kind: 'mmap', region: 'second', size: { fraction: 0.4, of: 'MemTotal' }, thp: 'hugepage' },
              { kind: 'mmap', region: 'file', size: { fraction: 0.2, of: 'MemTotal' }, backing: 'file' },
              { kind: 'fault', region: 'file', write: false },
            ],
          },
          { name: 'fault-second', steps: [{ kind: 'fault', region: 'second' }] },
        ],
      },
    };
  },
};
