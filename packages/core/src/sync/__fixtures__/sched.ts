import { ExecutionContext } from '../../kernel/current';
import { PageFrames } from '../../mem/page-frames';
import { KernelRandom } from '../../random/kernel-random';
import { SimulatedClock } from '../../time/clock';
import { PageLocks } from '../page-lock';
import { Scheduler } from '../scheduler';

/** A scheduler on its own clock, context and seeded stream, plus page locks over a small memmap. */
export function makeSched(seed: number | string = 1, nrFrames = 64) {
  const ctx = new ExecutionContext();
  const clock = new SimulatedClock();
  const sched = new Scheduler(ctx, clock, new KernelRandom(seed).stream('sched'));
  const frames = new PageFrames(nrFrames);
  const locks = new PageLocks(frames, sched);
  return { ctx, clock, sched, frames, locks };
}
