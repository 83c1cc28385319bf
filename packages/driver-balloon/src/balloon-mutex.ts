import type { IClock } from '@mmsim/core';

/**
 * vb->balloon_lock (drivers/virtio/virtio_balloon.c), a struct mutex on the simulated clock.
 * `trylock()` is mutex_trylock() (what virtballoon_migratepage uses, so migration returns
 * -EAGAIN instead of sleeping). `lock(fn)` is mutex_lock(): `fn` runs now if the mutex is free,
 * otherwise when the holder unlocks (in a timer at the same simulated instant, FIFO order).
 */
export class BalloonMutex {
  private held = false;
  private readonly waiters: (() => void)[] = [];

  constructor(private readonly clock: IClock) {}

  get isLocked(): boolean {
    return this.held;
  }

  /** Tasks sleeping in mutex_lock(). */
  get nrWaiters(): number {
    return this.waiters.length;
  }

  /** mutex_trylock(): true if taken. */
  trylock(): boolean {
    if (this.held) return false;
    this.held = true;
    return true;
  }

  /** mutex_lock(): runs `fn` holding the mutex, now or after the current holder unlocks. */
  lock(fn: () => void): void {
    if (this.trylock()) fn();
    else this.waiters.push(fn);
  }

  /** mutex_unlock(): hands the mutex to the first waiter, if any (it runs at the same instant). */
  unlock(): void {
    if (!this.held) throw new Error('balloon: mutex_unlock() of an unlocked balloon_lock');
    const next = this.waiters.shift();
    if (!next) {
      this.held = false;
      return;
    }
    // Ownership passes directly to the waiter, as the kernel's mutex handoff does.
    this.clock.setTimeout(next, 0);
  }
}
