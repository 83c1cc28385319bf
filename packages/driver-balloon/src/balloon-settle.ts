import { type Kernel, NSEC_PER_SEC } from '@mmsim/core';
import { IBalloon } from './balloon-driver';

/**
 * Advances the kernel's simulated clock, timer by timer, until the balloon is idle (its worker
 * reached the target or gave up for now) or `budgetNs` of simulated time has passed. Returns
 * whether the balloon is idle. Other subsystems' timers fire on the way, as time passes for them
 * too. With an unreachable target (out of memory) the worker retries every 200 ms, so the budget
 * bounds the call.
 */
export function settleBalloon(kernel: Kernel, budgetNs = 10 * NSEC_PER_SEC): boolean {
  const balloon = kernel.resolve(IBalloon);
  const clock = kernel.clock;
  const end = clock.now() + budgetNs;
  for (;;) {
    clock.advance(0); // timers due now, including ones they queue for now
    if (balloon.idle) return true;
    const due = clock.nextDue();
    if (due === undefined || due > end) {
      clock.advanceTo(Math.max(end, clock.now()));
      return balloon.idle;
    }
    clock.advanceTo(due);
  }
}
