import type { LibraryScenario } from './types';
import { machineOf } from './types';

/**
 * experiments.md W8, LLFree eval/src/bin/frag.rs. Simplifications: one allocating context instead
 * of T threads (so "split evenly across threads" is moot); "until exhausted" is until the first
 * order-0 failure (the allocator stops at the min watermark); each later iteration frees a random
 * 10% of the frames held and allocates 5% of MemTotal (≈ the 10% just freed when half of RAM is
 * held) instead of re-allocating exactly the freed count.
 */
export const fragLlfree: LibraryScenario = {
  name: 'frag-llfree',
  description: 'allocate every order-0 frame, free a random half, then 7 rounds of freeing and re-allocating ~10%',
  provenance: 'experiments.md W8: LLFree frag (eval/src/bin/frag.rs, 8 iterations, free = 50%)',
  defaults: { ramMiB: 1024, seed: 1 },
  build(opts = {}) {
    const { ramMiB, seed } = { ...this.defaults, ...opts };
    const gfp = 'GFP_HIGHUSER_MOVABLE|__GFP_NORETRY|__GFP_NOWARN';
    const iterations = Array.from({ length: 7 }, (_, i) => ({
      name: `iteration${i + 2}`,
      steps: [
        { kind: 'free' as const, pool: 'frames', pick: 'random' as const, fraction: 0.1 },
        { kind: 'alloc' as const, pool: 'frames', gfp, size: { fraction: 0.05, of: 'MemTotal' as const } },
      ],
    }));
    return {
      name: 'frag-llfree',
      description: this.description,
      seed,
      machine: machineOf(ramMiB),
      workload: {
        phases: [
          {
            name: 'iteration1',
            steps: [
              { kind: 'alloc', pool: 'frames', gfp, size: { fraction: 1, of: 'MemFree' } },
              { kind: 'free', pool: 'frames', pick: 'random', fraction: 0.5 },
            ],
          },
          ...iterations,
        ],
      },
    };
  },
};
