import type { LibraryScenario } from './types';
import { machineOf } from './types';

/**
 * experiments.md W12, Joonsoo Kim's low-memory test: 512 MiB with zram swap and `make -j12`.
 * Simplifications: the build is a churn of kernel (unmovable), slab (reclaimable) and short-lived
 * movable allocations, interleaved with four anonymous areas of 0.3·MemTotal each (1.2·MemTotal
 * in all, like the compilers' heaps) written with ~4:1 compressible data, so reclaim has to swap
 * anon pages out; zram (priority 10, disksize = MemTotal) takes them into zsmalloc, whose pages
 * are movable and compete with the build for pageblocks. The churn's live set is about a tenth of
 * RAM (50,000 requests/s × mean lifetime, lifetimes scaled with RAM) and what is live at the end
 * of a round stays while the next area is faulted, as a build's kernel objects outlive its
 * compilers' pages. The last phase reads mm_stat and the pool's class totals (M21); M8, the
 * mixed movable pageblocks, is in the metrics.
 */
export const zramPressure: LibraryScenario = {
  name: 'zram-pressure',
  description: 'zram swap on a small machine, a build-like churn and 120% of RAM in anonymous memory, so reclaim swaps into zsmalloc',
  provenance: 'experiments.md W12: Joonsoo Kim, low-memory zram build (512 MB, zram swap, make -j12; ≈54% of movable pageblocks mixed)',
  defaults: { ramMiB: 512, seed: 1 },
  build(opts = {}) {
    const { ramMiB, seed } = { ...this.defaults, ...opts };
    const churn = {
      kind: 'churn' as const,
      allocations: ramMiB * 60,
      intervalUs: 20,
      mix: [
        { class: 'movable', gfp: 'GFP_HIGHUSER_MOVABLE', weight: 60, orders: [{ order: 0, weight: 95 }, { order: 2, weight: 5 }], lifetime: { dist: 'exponential' as const, meanMs: 0.3 * ramMiB } },
        { class: 'slab', gfp: 'GFP_KERNEL|__GFP_RECLAIMABLE', weight: 25, orders: [{ order: 0, weight: 90 }, { order: 1, weight: 10 }], lifetime: { dist: 'exponential' as const, meanMs: 0.8 * ramMiB } },
        { class: 'kernel', gfp: 'GFP_KERNEL', weight: 15, orders: [{ order: 0, weight: 90 }, { order: 1, weight: 6 }, { order: 3, weight: 4 }], lifetime: { dist: 'exponential' as const, meanMs: 0.5 * ramMiB } },
      ],
    };
    const rounds = [1, 2, 3, 4].map((i) => ({
      name: `build${i}`,
      steps: [
        churn,
        { kind: 'mmap' as const, region: `heap${i}`, size: { fraction: 0.3, of: 'MemTotal' as const }, thp: 'nohugepage' as const },
        { kind: 'fault' as const, region: `heap${i}`, data: 'text' as const, paceUs: 20 },
      ],
    }));
    return {
      name: 'zram-pressure',
      description: this.description,
      seed,
      machine: machineOf(ramMiB),
      // kswapd wakes 2% of RAM above min, so its swap-out (zs_malloc without direct reclaim) finds pages.
      sysctl: { watermark_scale_factor: 200 },
      workload: {
        phases: [
          { name: 'zram', steps: [{ kind: 'zram-swap', disksize: { fraction: 1, of: 'MemTotal' }, priority: 10 }] },
          ...rounds,
          { name: 'stat', steps: [{ kind: 'zram-stat' }] },
        ],
      },
    };
  },
};
