import type { ScenarioInput } from './schema';

/**
 * The scenario `mmsim run` uses without a file: a 4 GiB two-node x86_64 machine aged by a mixed
 * workload, then probed with high-order allocations (stress-highalloc style, experiments.md W1).
 *
 * Why this shape: short-lived movable memory (anon/page cache) keeps most of RAM busy and turns
 * over quickly, while long-lived unmovable (GFP_KERNEL) and reclaimable (slab) allocations arrive
 * scattered in time. When their own pageblocks run out they fall back into movable pageblocks
 * (mm_page_alloc_extfrag events, pageblock stealing), and because they outlive the movable pages
 * around them they pin those pageblocks: afterwards plenty of memory is free, but little of it in
 * aligned order-9/10 blocks, so high-order attempts fail while low orders still succeed.
 */
export const DEFAULT_SCENARIO: ScenarioInput = {
  name: 'default',
  description:
    '4 GiB, 2 nodes: fill most of memory with short-lived movable and long-lived scattered unmovable/reclaimable allocations, then try orders 1..10 (GFP_KERNEL) and THP-like order-9 allocations.',
  seed: 1,
  machine: { nodes: [{ memory: '2GiB' }, { memory: '2GiB' }] },
  workload: {
    phases: [
      {
        name: 'age',
        steps: [
          {
            kind: 'churn',
            allocations: 1_200_000,
            intervalUs: 2,
            placement: 'interleave',
            mix: [
              {
                class: 'movable',
                gfp: 'GFP_HIGHUSER_MOVABLE',
                weight: 88,
                orders: [{ order: 0, weight: 90 }, { order: 2, weight: 6 }, { order: 4, weight: 3 }, { order: 9, weight: 0.05 }],
                lifetime: { dist: 'exponential', meanMs: 1_300 },
              },
              {
                class: 'unmovable',
                gfp: 'GFP_KERNEL',
                weight: 7,
                orders: [{ order: 0, weight: 85 }, { order: 1, weight: 8 }, { order: 2, weight: 4 }, { order: 3, weight: 3 }],
                lifetime: { dist: 'exponential', meanMs: 20_000 },
              },
              {
                class: 'reclaimable',
                gfp: 'GFP_KERNEL|__GFP_RECLAIMABLE',
                weight: 5,
                orders: [{ order: 0, weight: 95 }, { order: 1, weight: 5 }],
                lifetime: { dist: 'exponential', meanMs: 6_000 },
              },
            ],
          },
          // Let the youngest movable memory go, as a workload winding down would.
          { kind: 'advance', ms: 200 },
          { kind: 'drain' },
        ],
      },
      {
        name: 'high-order',
        steps: [
          { kind: 'high-order-attempts', label: 'GFP_KERNEL', orders: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], count: 32, gfp: 'GFP_KERNEL|__GFP_NOWARN' },
          { kind: 'high-order-attempts', label: 'THP', orders: [9], count: 128, gfp: 'GFP_TRANSHUGE_LIGHT' },
        ],
      },
    ],
  },
};
