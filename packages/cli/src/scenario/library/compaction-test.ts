import type { LibraryScenario } from './types';
import { machineOf } from './types';

/**
 * experiments.md W2, tools/testing/selftests/mm/compaction_test.c. Simplifications: one
 * MAP_LOCKED mapping of 0.8·MemFree instead of a list of separate 100 MB mappings, and chunks of
 * RAM/40 (2 MiB multiples; 100 MB on a 4 GiB machine) so a small machine still has many. Every
 * other chunk is unmapped, then nr_hugepages = 100000; the step reports the test's verdict:
 * int(0.8·MemFree / (nr_hugepages · 2 MiB)) ≤ 3 — C integer division, so in effect the exact
 * ratio must stay below 4 (the header's "1/4 of RAM"; the comment at the check says 1/3).
 */
export const compactionTest: LibraryScenario = {
  name: 'compaction-test',
  description: 'mlock 80% of MemFree, unmap every other chunk, ask for 100000 huge pages; pass if int(0.8·MemFree / huge memory) ≤ 3',
  provenance: 'experiments.md W2: kselftest mm/compaction_test.c (check_compaction); exercises compact_unevictable_allowed',
  defaults: { ramMiB: 1024, seed: 1 },
  build(opts = {}) {
    const { ramMiB, seed } = { ...this.defaults, ...opts };
    const chunkMiB = Math.max(2, 2 * Math.round(ramMiB / 80));
    return {
      name: 'compaction-test',
      description: this.description,
      seed,
      machine: machineOf(ramMiB),
      workload: {
        phases: [
          {
            name: 'fragment',
            steps: [
              { kind: 'hugepages', count: 0 },
              { kind: 'mmap', region: 'locked', size: { fraction: 0.8, of: 'MemFree' }, locked: true },
              { kind: 'munmap', region: 'locked', chunk: { mib: chunkMiB }, every: 2, startAt: 1 },
            ],
          },
          { name: 'hugepages', steps: [{ kind: 'hugepages', count: 100_000, passRule: 'compaction_test' }] },
        ],
      },
    };
  },
};
