import type { LibraryScenario } from './types';
import { machineOf } from './types';

/**
 * experiments.md W1, Gorman's stress-highalloc (mmtests vmr/bin/bench-stresshighalloc.sh and
 * stap-scripts/highalloc.stp). Simplifications, at simulated-RAM scale:
 * - the 7 kernel builds are one churn of short-lived anon, longer-lived page cache (both movable),
 *   reclaimable slab and unmovable kernel memory, ~150 requests per MiB of RAM. The movable
 *   classes are real order-0 page-cache folios on the file LRU (`backing: page-cache`), so
 *   compaction migrates them and reclaim may drop them; the builds' anonymous memory is modelled
 *   as clean page cache too (movable and reclaimable, but dropped rather than swapped);
 * - the builds are frozen while a pass runs (the churn does not interleave with the attempts);
 * - each pass is `0.95 · MemTotal / 2 MiB` order-9 GFP_HIGHUSER_MOVABLE attempts spaced by
 *   ms_delay = 125 ms (16 MB/s), held until the pass ends, then freed;
 * - pass 3 "at rest" skips writing and reading back a MemTotal-sized file and drop_caches (the
 *   builds' page cache is freed with them instead), but does set min_free_kbytes = 1024.
 */
export const stressHighalloc: LibraryScenario = {
  name: 'stress-highalloc',
  description: 'build-like churn, then three passes of order-9 attempts (95% of RAM): under load, after 5 s, and at rest',
  provenance: 'experiments.md W1: Gorman 2005, mmtests bench-stresshighalloc.sh (stress-highalloc-performance, 361ce3ce^)',
  defaults: { ramMiB: 1024, seed: 1 },
  build(opts = {}) {
    const { ramMiB, seed } = { ...this.defaults, ...opts };
    const count = Math.max(1, Math.floor((0.95 * ramMiB) / 2));
    const pass = (label: string) => ({ kind: 'high-order-attempts' as const, label, orders: [9], count, gfp: 'GFP_HIGHUSER_MOVABLE', intervalUs: 125_000 });
    return {
      name: 'stress-highalloc',
      description: this.description,
      seed,
      machine: machineOf(ramMiB),
      // Three minutes of simulated rest: a sample every 5 s keeps the timeseries short.
      sampleIntervalMs: 5_000,
      workload: {
        phases: [
          {
            name: 'build-load',
            steps: [
              {
                kind: 'churn',
                allocations: ramMiB * 150,
                intervalUs: 20,
                mix: [
                  { class: 'anon', gfp: 'GFP_HIGHUSER_MOVABLE', weight: 50, orders: [{ order: 0, weight: 1 }], lifetime: { dist: 'exponential', meanMs: 400 }, backing: 'page-cache' as const },
                  { class: 'pagecache', gfp: 'GFP_HIGHUSER_MOVABLE', weight: 38, orders: [{ order: 0, weight: 1 }], lifetime: { dist: 'exponential', meanMs: 3_000 }, backing: 'page-cache' as const },
                  { class: 'slab', gfp: 'GFP_KERNEL|__GFP_RECLAIMABLE', weight: 8, orders: [{ order: 0, weight: 90 }, { order: 1, weight: 10 }], lifetime: { dist: 'exponential', meanMs: 8_000 } },
                  { class: 'kernel', gfp: 'GFP_KERNEL', weight: 4, orders: [{ order: 0, weight: 90 }, { order: 1, weight: 6 }, { order: 3, weight: 4 }], lifetime: { dist: 'exponential', meanMs: 30_000 } },
                ],
              },
              { kind: 'drain' },
            ],
          },
          { name: 'pass1', steps: [pass('pass1')] },
          { name: 'pass2', steps: [{ kind: 'advance', ms: 5_000 }, pass('pass2')] },
          {
            name: 'pass3-at-rest',
            steps: [
              { kind: 'advance', ms: 180_000 },
              { kind: 'free-all' },
              { kind: 'drain' },
              { kind: 'sysctl', name: 'min_free_kbytes', value: 1024 },
              pass('pass3'),
            ],
          },
        ],
      },
    };
  },
};
