import type { LibraryScenario } from './types';
import { machineOf } from './types';

/** The micro-test's machine: 512 MiB, 131,072 pages. */
const PAGES = 131_072;

/**
 * experiments.md W9, the micro-test of commit 5ceb9ce6fe94 (mm: page_alloc: ... unmovable
 * pageblocks). Page counts are the commit's fractions of a 512 MiB machine: 120,000 kernel pages
 * (stopping early at the first failure: boot reservations and watermarks leave less than that
 * free), every second one freed, 60,000 user pages (a process's anonymous memory, faulted in
 * base pages, so compaction can migrate them as in the kernel), the rest of the kernel pages
 * freed, then 100 order-9 GFP_KERNEL attempts.
 */
export const unmovableInterleave: LibraryScenario = {
  name: 'unmovable-interleave',
  description: 'fill RAM with kernel pages, free every second one, fill the holes with user pages, free the kernel pages, try 100 order-9 kernel allocations',
  provenance: 'experiments.md W9: commit 5ceb9ce6fe94 micro-test (512 MiB, 131,072 pages)',
  defaults: { ramMiB: 512, seed: 1 },
  build(opts = {}) {
    const { ramMiB, seed } = { ...this.defaults, ...opts };
    return {
      name: 'unmovable-interleave',
      description: this.description,
      seed,
      machine: machineOf(ramMiB),
      workload: {
        phases: [
          { name: 'kernel', steps: [{ kind: 'alloc', pool: 'kernel', gfp: 'GFP_KERNEL|__GFP_NORETRY|__GFP_NOWARN', size: { fraction: 120_000 / PAGES, of: 'MemTotal' } }] },
          {
            name: 'interleave',
            steps: [
              { kind: 'free', pool: 'kernel', pick: 'every-other' },
              // User pages are a process's anonymous memory (LRU, mapped): compaction can move them.
              { kind: 'mmap', region: 'user', size: { fraction: 60_000 / PAGES, of: 'MemTotal' }, thp: 'nohugepage' },
              { kind: 'fault', region: 'user' },
              { kind: 'free', pool: 'kernel', pick: 'all' },
              { kind: 'drain' },
            ],
          },
          { name: 'order9', steps: [{ kind: 'high-order-attempts', label: 'GFP_KERNEL', orders: [9], count: 100, gfp: 'GFP_KERNEL|__GFP_NOWARN' }] },
        ],
      },
    };
  },
};
