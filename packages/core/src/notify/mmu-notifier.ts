import { ContractViolation, Errno, KernelError } from '../errors';
import { WaitQueueHead } from '../sync/wait-queue';
import { MmuIntervalNotifier, type MmuIntervalNotifierOps } from './interval-notifier';
import {
  MMU_NOTIFIER_RANGE_BLOCKABLE, MMU_NOTIFIER_RANGE_END_ALL, MmuNotifyEvent, checkRange,
  mmuNotifierRangeBlockable, type MmuNotifierRange,
} from './mmu-notifier-range';

/** include/linux/mmu_notifier.h: struct mmu_notifier_ops (the parts mmsim models). */
export interface MmuNotifierOps {
  /** 0/true = done; false or -EAGAIN = cannot without blocking (non-blockable ranges only). */
  invalidateRangeStart?(range: MmuNotifierRange): boolean | number | void;
  invalidateRangeEnd?(range: MmuNotifierRange): void;
  /** The mm is being torn down (exit_mmap) or the subscription unregistered. */
  release?(): void;
}

/** include/linux/mmu_notifier.h: struct mmu_notifier — a legacy (hlist) subscription. */
export class MmuNotifier {
  registered = true;
  constructor(private readonly subs: MmuNotifierSubscriptions, readonly ops: MmuNotifierOps) {}

  /** mm/mmu_notifier.c: mmu_notifier_unregister() — calls ->release if still registered. */
  unregister(): void {
    if (!this.registered) return;
    this.ops.release?.();
    this.subs.unlink(this);
  }
}

/**
 * mm/mmu_notifier.c: struct mmu_notifier_subscriptions — the notifiers of one mm: legacy
 * subscribers (called newest first, hlist_add_head) and interval notifiers in an interval tree
 * ordered by start, with the mm-wide invalidate_seq (2 when idle; odd while an invalidation
 * overlapping some interval runs) and deferred tree updates (kernel.md F65–F67).
 *
 * Every successful invalidateRangeStart must be paired with invalidateRangeEnd on the same
 * range object; `activeRanges` counts the open ones and end without start is a ContractViolation.
 *
 * Deliberate deviations: when a legacy start fails after the interval notifiers were called,
 * the interval side is ended too (the kernel leaves it open); a subscriber failing a blockable
 * range (a kernel WARN) is undone and reported as a ContractViolation.
 */
export class MmuNotifierSubscriptions {
  /** Woken by the final invalidate_range_end (mmu_interval_read_begin sleeps here). */
  readonly wq = new WaitQueueHead('mmu_notifier_subscriptions.wq');
  /** Counts of starts, ends and failed (-EAGAIN) starts. */
  readonly stats = { starts: 0, ends: 0, failedStarts: 0 };
  private invalidateSeq = 2;
  private activeInvalidateRanges = 0;
  private readonly itree: MmuIntervalNotifier[] = [];
  private readonly deferredList: MmuIntervalNotifier[] = [];
  private readonly hlist: MmuNotifier[] = [];
  private readonly open = new Map<MmuNotifierRange, number>();
  /** Starts made while nobody subscribed: counted, not tracked per range object. */
  private untracked = 0;
  private nrOpen = 0;
  private released = false;

  /** subscriptions->invalidate_seq */
  get seq(): number {
    return this.invalidateSeq;
  }

  /** mn_itree_is_invalidating() */
  get isInvalidating(): boolean {
    return (this.invalidateSeq & 1) !== 0;
  }

  /** No interval notifier and no legacy subscriber: invalidations only count (vm/deps.ts). */
  get idle(): boolean {
    return this.itree.length === 0 && this.hlist.length === 0;
  }

  /**
   * A start and its end on an idle mm, counted together: what invalidateRangeStart() and
   * invalidateRangeEnd() do when nobody subscribes, without a range object. try_to_migrate_one()
   * uses it for every page it unmaps.
   */
  countIdleInvalidation(): void {
    this.stats.starts++;
    this.stats.ends++;
  }

  /** Successful starts not yet ended. */
  get activeRanges(): number {
    return this.nrOpen;
  }

  /** The interval notifiers in the tree, by start (deferred inserts not yet included). */
  get intervals(): readonly MmuIntervalNotifier[] {
    return this.itree;
  }

  /** Interval notifiers waiting for the final invalidate_range_end to be inserted or removed. */
  get deferred(): readonly MmuIntervalNotifier[] {
    return this.deferredList;
  }

  /** mm/mmu_notifier.c: mmu_notifier_register() — a legacy subscriber, called before older ones. */
  register(ops: MmuNotifierOps): MmuNotifier {
    if (!ops || typeof ops !== 'object') throw new KernelError('EINVAL', 'mmu_notifier_register() needs an ops object');
    this.checkAlive('mmu_notifier_register');
    const sub = new MmuNotifier(this, ops);
    this.hlist.unshift(sub);
    return sub;
  }

  /**
   * mm/mmu_notifier.c: mmu_interval_notifier_insert() — watch [start, start + length). During an
   * invalidation the tree insert is deferred to the final end; the notifier's seq is then the
   * current (odd) mm seq, so readBegin() waits for that end.
   */
  insert(start: number, length: number, ops: MmuIntervalNotifierOps): MmuIntervalNotifier {
    if (!Number.isSafeInteger(length) || length <= 0) throw new KernelError('EINVAL', `interval length must be a positive integer, got ${length}`);
    checkRange(start, start + length);
    if (!ops || typeof ops.invalidate !== 'function') throw new KernelError('EINVAL', 'mmu_interval_notifier_insert() needs ops with an invalidate(mni, range, curSeq) function');
    this.checkAlive('mmu_interval_notifier_insert');
    let mni: MmuIntervalNotifier;
    if (this.activeInvalidateRanges) {
      if (this.isInvalidating) {
        mni = new MmuIntervalNotifier(this, start, start + length - 1, ops, this.invalidateSeq);
        mni.deferred = true;
        this.deferredList.push(mni);
        return mni;
      }
      this.invalidateSeq |= 1;
      mni = new MmuIntervalNotifier(this, start, start + length - 1, ops, this.invalidateSeq);
    } else {
      mni = new MmuIntervalNotifier(this, start, start + length - 1, ops, this.invalidateSeq - 1);
    }
    this.treeInsert(mni);
    return mni;
  }

  /**
   * mm/mmu_notifier.c: __mmu_notifier_invalidate_range_start(): interval notifiers overlapping
   * [start, end), then legacy subscribers. 0, or -EAGAIN when a subscriber cannot proceed on a
   * non-blockable range — then nothing is left open and the caller must not call end.
   */
  invalidateRangeStart(range: MmuNotifierRange): number {
    checkRange(range.start, range.end);
    if (!this.itree.length && !this.hlist.length) {
      // Nobody subscribes: only the bracket count is kept (the common case on a hot unmap or
      // migration path). An end then pairs with any such start.
      this.activeInvalidateRanges++;
      this.untracked++;
      this.nrOpen++;
      this.stats.starts++;
      return 0;
    }
    const rc = this.itreeInvalidate(range);
    if (rc === 0 && this.hlist.length) {
      const hrc = this.hlistStart(range);
      if (hrc) {
        this.invEnd();
        this.stats.failedStarts++;
        return hrc;
      }
    }
    if (rc) {
      this.stats.failedStarts++;
      return rc;
    }
    this.open.set(range, (this.open.get(range) ?? 0) + 1);
    this.nrOpen++;
    this.stats.starts++;
    return 0;
  }

  /** mm/mmu_notifier.c: __mmu_notifier_invalidate_range_end() */
  invalidateRangeEnd(range: MmuNotifierRange): void {
    const n = this.open.size ? this.open.get(range) : undefined;
    if (!n && this.untracked > 0) {
      this.untracked--;
      this.nrOpen--;
      this.stats.ends++;
      this.invEnd();
      if (this.hlist.length) for (const sub of this.hlist) sub.ops.invalidateRangeEnd?.(range);
      return;
    }
    if (!n) {
      throw new ContractViolation('F65', `invalidate_range_end() of [0x${Number(range?.start).toString(16)}, 0x${Number(range?.end).toString(16)}) without a successful invalidate_range_start() on that range object (after -EAGAIN the caller must not call end)`, undefined);
    }
    if (n === 1) this.open.delete(range);
    else this.open.set(range, n - 1);
    this.nrOpen--;
    this.stats.ends++;
    this.invEnd();
    for (const sub of this.hlist) sub.ops.invalidateRangeEnd?.(range);
  }

  /**
   * mm/mmu_notifier.c: __mmu_notifier_release() on mm teardown: every interval notifier gets a
   * blockable MMU_NOTIFY_RELEASE range [0, MMU_NOTIFIER_RANGE_END_ALL) (mn_itree_release), then
   * every legacy subscriber's ->release, and the legacy list is emptied (mn_hlist_release).
   */
  release(): void {
    this.checkAlive('mmu_notifier_release');
    this.released = true;
    const range: MmuNotifierRange = { start: 0, end: MMU_NOTIFIER_RANGE_END_ALL, event: MmuNotifyEvent.RELEASE, flags: MMU_NOTIFIER_RANGE_BLOCKABLE };
    const bad = this.walk(range, true);
    this.invEnd();
    for (const sub of this.hlist) sub.ops.release?.();
    for (const sub of this.hlist) sub.registered = false;
    this.hlist.length = 0;
    if (bad && bad !== 'would-block') this.blockableFailure(bad, range);
  }

  /** @internal mmu_notifier_unregister(): drop a legacy subscriber. */
  unlink(sub: MmuNotifier): void {
    const i = this.hlist.indexOf(sub);
    if (i >= 0) this.hlist.splice(i, 1);
    sub.registered = false;
  }

  /** @internal mmu_interval_notifier_remove() */
  removeInterval(mni: MmuIntervalNotifier): void {
    mni.removed = true;
    if (!this.isInvalidating) {
      this.treeRemove(mni);
    } else if (!mni.inTree) {
      // removed after a deferred insert, before the deferred list was processed
      this.deferredList.splice(this.deferredList.indexOf(mni), 1);
      mni.deferred = false;
    } else if (!mni.deferred) {
      mni.deferred = true;
      this.deferredList.push(mni);
    }
  }

  /** mm/mmu_notifier.c: mn_itree_invalidate() */
  private itreeInvalidate(range: MmuNotifierRange): number {
    const blockable = mmuNotifierRangeBlockable(range);
    const bad = this.walk(range, blockable);
    if (bad === 'would-block') {
      this.invEnd(); // a non-blocking caller may not call end
      return -Errno.EAGAIN;
    }
    if (bad) {
      this.invEnd();
      this.blockableFailure(bad, range);
    }
    return 0;
  }

  /**
   * mn_itree_inv_start_range() + the callback loop. Returns undefined when every callback
   * agreed, 'would-block' when one refused a non-blockable range (stops there), or the notifier
   * that refused a blockable range (the walk continues, as the kernel's WARN_ON does).
   */
  private walk(range: MmuNotifierRange, blockable: boolean): MmuIntervalNotifier | 'would-block' | undefined {
    this.activeInvalidateRanges++;
    const last = range.end - 1;
    let i = 0;
    while (i < this.itree.length && this.itree[i]!.last < range.start) i++;
    let overlap = false;
    for (let j = i; j < this.itree.length && this.itree[j]!.start <= last; j++) {
      if (this.itree[j]!.last >= range.start) overlap = true;
    }
    if (overlap) this.invalidateSeq |= 1;
    const curSeq = this.invalidateSeq;
    let bad: MmuIntervalNotifier | undefined;
    try {
      for (; i < this.itree.length && this.itree[i]!.start <= last; i++) {
        const mni = this.itree[i]!;
        if (mni.last < range.start || mni.removed) continue;
        if (mni.ops.invalidate(mni, range, curSeq)) continue;
        if (!blockable) return 'would-block';
        bad ??= mni;
      }
    } catch (err) {
      this.invEnd();
      throw err;
    }
    return bad;
  }

  /** mm/mmu_notifier.c: mn_hlist_invalidate_range_start() */
  private hlistStart(range: MmuNotifierRange): number {
    let ret = 0;
    for (const sub of this.hlist) {
      const r = sub.ops.invalidateRangeStart?.(range);
      const err = r === false ? -Errno.EAGAIN : typeof r === 'number' ? r : 0;
      if (err) ret = err;
    }
    if (ret === 0) return 0;
    // Subscribers whose start succeeded expect their end: call every end now.
    for (const sub of this.hlist) sub.ops.invalidateRangeEnd?.(range);
    if (mmuNotifierRangeBlockable(range) || ret !== -Errno.EAGAIN) {
      this.invEnd();
      throw new ContractViolation('F65', `a legacy mmu notifier failed invalidate_range_start with ${ret} on a ${mmuNotifierRangeBlockable(range) ? 'blockable' : 'non-blockable'} range; only non-blockable ranges may fail, and only with -EAGAIN (the start was undone)`, undefined);
    }
    return ret;
  }

  /** mm/mmu_notifier.c: mn_itree_inv_end() — the final end makes seq even and applies deferred updates. */
  private invEnd(): void {
    if (--this.activeInvalidateRanges || (this.invalidateSeq & 1) === 0) return;
    this.invalidateSeq++;
    for (const mni of this.deferredList) {
      mni.deferred = false;
      if (!mni.inTree) this.treeInsert(mni);
      else this.treeRemove(mni);
    }
    this.deferredList.length = 0;
    this.wq.wakeUpAll();
  }

  private blockableFailure(mni: MmuIntervalNotifier, range: MmuNotifierRange): never {
    throw new ContractViolation('H6', `interval notifier [0x${mni.start.toString(16)}, 0x${mni.end.toString(16)}) returned false from invalidate() on a blockable range (event ${range.event}); it may refuse only non-blockable ranges (the invalidation was undone)`, undefined);
  }

  private treeInsert(mni: MmuIntervalNotifier): void {
    let i = this.itree.length;
    while (i > 0 && this.itree[i - 1]!.start > mni.start) i--;
    this.itree.splice(i, 0, mni);
    mni.inTree = true;
  }

  private treeRemove(mni: MmuIntervalNotifier): void {
    const i = this.itree.indexOf(mni);
    if (i >= 0) this.itree.splice(i, 1);
    mni.inTree = false;
  }

  private checkAlive(what: string): void {
    if (this.released) throw new KernelError('EINVAL', `${what}() after the mm was torn down (mmu_notifier_release ran); the mm has no users left`);
  }
}
