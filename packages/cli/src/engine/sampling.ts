import { NSEC_PER_MSEC, type RandomStream } from '@mmsim/core';
import type { Lifetime } from '../scenario/schema';

/**
 * A weighted choice among `n` items by cumulative weights: one float per draw and a short linear
 * scan (tables here have a handful of entries, where a scan beats a binary search).
 */
export class WeightedTable {
  private readonly cumulative: Float64Array;
  private readonly total: number;

  constructor(weights: readonly number[]) {
    this.cumulative = new Float64Array(weights.length);
    let sum = 0;
    weights.forEach((w, i) => (this.cumulative[i] = sum += w));
    this.total = sum;
  }

  /** Index of the drawn item. */
  draw(rng: RandomStream): number {
    const x = rng.float() * this.total;
    const c = this.cumulative;
    for (let i = 0; i < c.length - 1; i++) if (x < c[i]!) return i;
    return c.length - 1;
  }
}

/** Draws a lifetime in whole simulated nanoseconds; Infinity for allocations that never expire. */
export function drawLifetimeNs(lifetime: Lifetime, rng: RandomStream): number {
  switch (lifetime.dist) {
    case 'forever':
      return Infinity;
    case 'fixed':
      return Math.round(lifetime.ms * NSEC_PER_MSEC);
    case 'uniform':
      return Math.round((lifetime.minMs + rng.float() * (lifetime.maxMs - lifetime.minMs)) * NSEC_PER_MSEC);
    case 'exponential':
      // Inverse transform; 1 - u lies in (0, 1], so the logarithm is finite.
      return Math.round(-Math.log(1 - rng.float()) * lifetime.meanMs * NSEC_PER_MSEC);
  }
}
