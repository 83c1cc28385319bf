import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { KernelError } from '../errors';

/**
 * One named, independent sequence of random numbers (a workload's sizes, a driver's choices).
 * Wraps a pure-rand generator; every draw advances only this stream.
 */
export class RandomStream {
  constructor(readonly name: string, private readonly rng: RandomGenerator) {}

  /** A uniformly distributed integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || min > max) {
      throw new KernelError('EINVAL', `random stream "${this.name}": int(min, max) needs integers with min <= max, got (${min}, ${max})`);
    }
    return uniformInt(this.rng, min, max);
  }

  /** A uniformly distributed float in [0, 1) with 53 random bits. */
  float(): number {
    return uniformFloat64(this.rng);
  }

  /** true with probability p (0 ≤ p ≤ 1). */
  bool(p = 0.5): boolean {
    if (!(p >= 0 && p <= 1)) {
      throw new KernelError('EINVAL', `random stream "${this.name}": bool(p) needs a probability in [0, 1], got ${p}`);
    }
    return this.float() < p;
  }

  /** A uniformly chosen element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) {
      throw new KernelError('EINVAL', `random stream "${this.name}": cannot pick from an empty array`);
    }
    return items[this.int(0, items.length - 1)]!;
  }

  /** Fisher–Yates shuffle, in place; returns the same array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      const t = items[i]!;
      items[i] = items[j]!;
      items[j] = t;
    }
    return items;
  }
}
