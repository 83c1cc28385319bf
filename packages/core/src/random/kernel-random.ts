import { xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import { KernelError } from '../errors';
import { RandomStream } from './random-stream';
import { hash128 } from './seed-hash';

/** A kernel seed: a number or a string. 1 and "1" are the same seed (the CLI passes strings). */
export type Seed = number | string;

/**
 * The one seeded random source of a kernel instance, split into named streams. A stream's state
 * is derived by hashing (seed, name), so adding a stream, creating streams in another order, or
 * drawing from one stream never changes another's sequence: runs stay replayable when a scenario
 * gains a new random consumer.
 */
export class KernelRandom {
  private readonly streams = new Map<string, RandomStream>();

  constructor(readonly seed: Seed) {
    if (typeof seed === 'number' ? !Number.isFinite(seed) : typeof seed !== 'string') {
      throw new KernelError('EINVAL', `a random seed must be a finite number or a string, got ${String(seed)}`);
    }
  }

  /** The stream called `name`; the same object on every call for this kernel. */
  stream(name: string): RandomStream {
    let s = this.streams.get(name);
    if (!s) {
      s = new RandomStream(name, KernelRandom.generator(this.seed, name));
      this.streams.set(name, s);
    }
    return s;
  }

  /** A fresh stream that starts at the beginning of (seed, name), independent of any cached one. */
  fork(name: string): RandomStream {
    return new RandomStream(name, KernelRandom.generator(this.seed, name));
  }

  private static generator(seed: Seed, name: string) {
    const state = hash128(`${String(seed)}\u0000${name}`);
    // xoroshiro128+ must not start from the all-zero state.
    if (state.every((w) => w === 0)) state[0] = 1;
    return xoroshiro128plusFromState(state);
  }
}
