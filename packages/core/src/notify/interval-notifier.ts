import { Errno, KernelError } from '../errors';
import { waitOn, type Wait } from '../sync/task';
import type { MmuNotifierRange } from './mmu-notifier-range';
import type { MmuNotifierSubscriptions } from './mmu-notifier';

/** include/linux/mmu_notifier.h: struct mmu_interval_notifier_ops */
export interface MmuIntervalNotifierOps {
  /**
   * Called for every invalidation overlapping the interval. Must take the driver lock, call
   * `mni.setSeq(curSeq)` and return true; may return false only for a non-blockable range whose
   * lock is busy (H6). A driver skips its own MIGRATE ranges (`range.owner === self`).
   */
  invalidate(mni: MmuIntervalNotifier, range: MmuNotifierRange, curSeq: number): boolean;
}

/**
 * include/linux/mmu_notifier.h: struct mmu_interval_notifier — a driver's subscription to
 * invalidations of [start, last] of one mm, with the collision-retry sequence protocol
 * (read_begin / read_retry / set_seq, kernel.md F66).
 */
export class MmuIntervalNotifier {
  /** interval_sub->invalidate_seq (always odd). */
  invalidateSeq: number;
  /** @internal in the interval tree (not only on the deferred list) */
  inTree = false;
  /** @internal on the deferred list, waiting for the final invalidate_range_end */
  deferred = false;
  /** Removed by the driver; no further invalidate callbacks. */
  removed = false;

  constructor(
    private readonly subs: MmuNotifierSubscriptions,
    /** interval_tree.start (bytes) */
    readonly start: number,
    /** interval_tree.last — inclusive, as the kernel's interval tree stores it. */
    readonly last: number,
    readonly ops: MmuIntervalNotifierOps,
    seq: number,
  ) {
    this.invalidateSeq = seq;
  }

  /** Exclusive end of the interval (start + length). */
  get end(): number {
    return this.last + 1;
  }

  /**
   * mm/mmu_notifier.c: mmu_interval_read_begin() without sleeping: the sequence to pass to
   * readRetry(), or -EAGAIN while an invalidation that collides with this interval is running
   * (the kernel sleeps there; inside a task use `yield* mni.readBeginWait()`).
   */
  readBegin(): number {
    this.checkLive('mmu_interval_read_begin');
    const seq = this.invalidateSeq;
    return seq === this.subs.seq ? -Errno.EAGAIN : seq;
  }

  /** mm/mmu_notifier.c: mmu_interval_read_begin() — sleeps on the mm's wait queue until the colliding invalidation ends. */
  *readBeginWait(): Generator<Wait, number, unknown> {
    this.checkLive('mmu_interval_read_begin');
    const seq = this.invalidateSeq;
    if (seq === this.subs.seq) {
      while (this.subs.seq === seq) yield waitOn(this.subs.wq);
    }
    return seq;
  }

  /**
   * include/linux/mmu_notifier.h: mmu_interval_read_retry() — true if an invalidation ran since
   * readBegin() returned `seq`. Check it under the driver lock used in invalidate (H7).
   */
  readRetry(seq: number): boolean {
    return this.invalidateSeq !== seq;
  }

  /** include/linux/mmu_notifier.h: mmu_interval_check_retry() — the lockless hint. */
  checkRetry(seq: number): boolean {
    return this.invalidateSeq !== seq;
  }

  /**
   * include/linux/mmu_notifier.h: mmu_interval_set_seq() — from invalidate(), under the driver
   * lock, with the curSeq it was given (always odd).
   */
  setSeq(curSeq: number): void {
    if (!Number.isSafeInteger(curSeq) || (curSeq & 1) === 0) {
      throw new KernelError('EINVAL', `mmu_interval_set_seq() needs the odd cur_seq passed to invalidate(), got ${curSeq}`);
    }
    this.invalidateSeq = curSeq;
  }

  /**
   * mm/mmu_notifier.c: mmu_interval_notifier_remove(). During an invalidation the tree update is
   * deferred to the final invalidate_range_end (the kernel sleeps until then); mmsim returns at
   * once and guarantees no further invalidate() calls on this notifier.
   */
  remove(): void {
    this.checkLive('mmu_interval_notifier_remove');
    this.subs.removeInterval(this);
  }

  private checkLive(what: string): void {
    if (this.removed) throw new KernelError('EINVAL', `${what}() on an interval notifier that was removed; insert a new one`);
  }
}
