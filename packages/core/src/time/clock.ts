import { KernelError } from '../errors';

/** A timer handle returned by {@link IClock.setTimeout}. */
export type TimerId = number;

/**
 * The kernel's notion of time. mmsim never reads the host clock in the core: a simulated clock
 * drives kcompactd, proactive compaction, DMA completion and the balloon host, so every run is
 * replayable. Time is in nanoseconds since boot (ktime_get_ns), as a safe integer.
 */
export interface IClock {
  /** ktime_get_ns() */
  now(): number;
  /** Calls `fn` once at now() + delayNs. Timers due at the same time fire in creation order. */
  setTimeout(fn: () => void, delayNs: number): TimerId;
  clearTimeout(id: TimerId): void;
}

interface Timer {
  id: TimerId;
  due: number;
  fn: () => void;
}

export const NSEC_PER_USEC = 1_000;
export const NSEC_PER_MSEC = 1_000_000;
export const NSEC_PER_SEC = 1_000_000_000;

/**
 * A deterministic clock that only moves when told to (xstate's SimulatedClock model): `advance`
 * fires due timers in deadline order, then creation order; it refuses to go back in time.
 */
export class SimulatedClock implements IClock {
  private current = 0;
  private nextId = 1;
  private timers: Timer[] = [];

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, delayNs: number): TimerId {
    if (!Number.isFinite(delayNs) || delayNs < 0) {
      throw new KernelError('EINVAL', `timer delay must be a non-negative number of nanoseconds, got ${delayNs}`);
    }
    const timer = { id: this.nextId++, due: this.current + Math.ceil(delayNs), fn };
    // Keep sorted by (due, id): insert after every timer due at or before this one.
    let i = this.timers.length;
    while (i > 0 && this.timers[i - 1]!.due > timer.due) i--;
    this.timers.splice(i, 0, timer);
    return timer.id;
  }

  clearTimeout(id: TimerId): void {
    const i = this.timers.findIndex((t) => t.id === id);
    if (i >= 0) this.timers.splice(i, 1);
  }

  /** Moves time forward by `ns`, firing every timer that falls due on the way. */
  advance(ns: number): void {
    if (!Number.isFinite(ns) || ns < 0) {
      throw new KernelError('EINVAL', `cannot advance the clock by ${ns} ns: time only moves forward`);
    }
    this.advanceTo(this.current + ns);
  }

  /** Moves time forward to `at` (absolute ns since boot), firing due timers in order. */
  advanceTo(at: number): void {
    if (at < this.current) {
      throw new KernelError('EINVAL', `cannot move the clock back from ${this.current} ns to ${at} ns`);
    }
    while (this.timers.length && this.timers[0]!.due <= at) {
      const t = this.timers.shift()!;
      this.current = t.due;
      t.fn();
    }
    this.current = at;
  }

  /** Deadline of the earliest pending timer, or undefined. */
  nextDue(): number | undefined {
    return this.timers[0]?.due;
  }

  get pendingTimers(): number {
    return this.timers.length;
  }
}
