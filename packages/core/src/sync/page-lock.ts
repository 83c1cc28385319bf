import { ContractViolation, Errno, KernelError } from '../errors';
import { PAGE_TYPE_MASK, PAGE_TYPE_SHIFT, PG, PageType } from '../mem/page-flags';
import type { PageFrames } from '../mem/page-frames';
import { PageWaitTable, WaitPageQueue, type WaitPageKey } from './page-wait';
import type { Scheduler } from './scheduler';
import {
  TASK_KILLABLE, TASK_NORMAL, TASK_UNINTERRUPTIBLE, ioSchedule, signalPendingState,
  type Task, type Wait,
} from './task';
import { WQ_FLAG_CUSTOM, WQ_FLAG_DONE, WQ_FLAG_EXCLUSIVE, WQ_FLAG_WOKEN } from './wait-queue';

const LOCKED = 1 << PG.locked;
const WAITERS = 1 << PG.waiters;
const WRITEBACK = 1 << PG.writeback;
const TAIL = 1 << PG.tail;
const NOMAP = PageType.nomap << PAGE_TYPE_SHIFT;

/** mm/filemap.c: enum behavior of folio_wait_bit_common(). */
const enum Behavior {
  /** Wait for the bit to clear and take it (lock_page). */
  EXCLUSIVE,
  /** Wait for the bit to clear (wait_on_page_locked, wait_on_page_writeback). */
  SHARED,
}

/** Blocking helpers are generators: `yield* locks.lockPage(pfn)` inside a task. */
export type Blocking<R> = Generator<Wait, R, unknown>;

/**
 * Page (folio) locks and writeback waits, mm/filemap.c v6.6–v6.10. Every call acts on the
 * compound head. The fast paths (trylock, unlock without waiters) only touch the flags array;
 * waiters sleep on the hashed page wait table with PG_waiters set on the folio.
 *
 * Lock fairness follows folio_wait_bit_common(): waiters queue at the tail and are woken in
 * FIFO order; the first `pageLockUnfairness` times a waiter is woken it must take the lock
 * itself when it runs (someone may steal it first, and then it re-queues at the tail); after
 * that the unlocker hands the lock over directly (WQ_FLAG_CUSTOM → WQ_FLAG_DONE).
 */
export class PageLocks {
  readonly waitTable = new PageWaitTable();
  /** /proc/sys/vm/page_lock_unfairness (mm/filemap.c: sysctl_page_lock_unfairness, default 5). */
  pageLockUnfairness = 5;
  private readonly flags: Uint32Array;
  private readonly order: Uint8Array;
  private readonly key: WaitPageKey;

  constructor(private readonly frames: PageFrames, private readonly sched: Scheduler) {
    this.flags = frames.flags;
    this.order = frames.order;
    this.key = { flags: frames.flags, pfn: 0, bitNr: 0, pageMatch: false };
  }

  /** include/linux/pagemap.h: folio_test_locked() */
  isLocked(pfn: number): boolean {
    return (this.flags[this.head(pfn)]! & LOCKED) !== 0;
  }

  /** include/linux/page-flags.h: folio_test_writeback() */
  isWriteback(pfn: number): boolean {
    return (this.flags[this.head(pfn)]! & WRITEBACK) !== 0;
  }

  /** include/linux/page-flags.h: folio_test_waiters() — someone sleeps on a bit of this folio. */
  hasWaiters(pfn: number): boolean {
    return (this.flags[this.head(pfn)]! & WAITERS) !== 0;
  }

  /** include/linux/pagemap.h: folio_trylock() */
  trylockPage(pfn: number): boolean {
    const head = this.head(pfn);
    const old = this.flags[head]!;
    if (old & LOCKED) return false;
    this.flags[head] = old | LOCKED;
    return true;
  }

  /** migrate-style non-blocking lock for callers outside a task: 0, or -EAGAIN while someone holds it. */
  lockPageOrFail(pfn: number): number {
    return this.trylockPage(pfn) ? 0 : -Errno.EAGAIN;
  }

  /**
   * mm/filemap.c: folio_unlock(): clear PG_locked and, if PG_waiters was set, wake the waiters
   * (folio_wake_bit). Unlocking an unlocked folio is VM_BUG_ON_FOLIO.
   */
  unlockPage(pfn: number): void {
    const head = this.head(pfn);
    const old = this.flags[head]!;
    if ((old & LOCKED) === 0) this.notLocked(head, 'folio_unlock() of a folio that is not locked');
    this.flags[head] = old & ~LOCKED;
    if (old & WAITERS) this.wakeBit(head, PG.locked);
  }

  /** include/linux/pagemap.h: folio_lock() — sleeps (uninterruptibly) until the lock is ours. */
  *lockPage(pfn: number): Blocking<void> {
    const head = this.head(pfn);
    const task = this.sched.requireTask('lock_page()');
    if (this.trylockHead(head)) return;
    yield* this.waitBitCommon(task, head, PG.locked, TASK_UNINTERRUPTIBLE, Behavior.EXCLUSIVE);
  }

  /**
   * include/linux/pagemap.h: folio_lock_killable() — 0 with the lock held, or -EINTR if a fatal
   * signal arrived before the task was woken. A waiter that was woken takes the lock even with
   * a fatal signal pending (commit a8b169afbf06 "Avoid page waitqueue race leaving possible page
   * locker waiting").
   */
  *lockPageKillable(pfn: number): Blocking<number> {
    const head = this.head(pfn);
    const task = this.sched.requireTask('lock_page_killable()');
    if (this.trylockHead(head)) return 0;
    return yield* this.waitBitCommon(task, head, PG.locked, TASK_KILLABLE, Behavior.EXCLUSIVE);
  }

  /** mm/filemap.c: folio_wait_locked() — wait until the folio is unlocked, without taking the lock. */
  *waitOnPageLocked(pfn: number): Blocking<void> {
    const head = this.head(pfn);
    const task = this.sched.requireTask('wait_on_page_locked()');
    if (this.flags[head]! & LOCKED) yield* this.waitBitCommon(task, head, PG.locked, TASK_UNINTERRUPTIBLE, Behavior.SHARED);
  }

  /** mm/filemap.c: folio_wait_locked_killable() — 0, or -EINTR on a fatal signal before the wake-up. */
  *waitOnPageLockedKillable(pfn: number): Blocking<number> {
    const head = this.head(pfn);
    const task = this.sched.requireTask('wait_on_page_locked_killable()');
    if ((this.flags[head]! & LOCKED) === 0) return 0;
    return yield* this.waitBitCommon(task, head, PG.locked, TASK_KILLABLE, Behavior.SHARED);
  }

  /**
   * mm/page-writeback.c: __folio_start_writeback(). The folio must be locked and not already
   * under writeback (VM_BUG_ON_FOLIO). Writeback counters belong to the writeback model, not here.
   */
  setPageWriteback(pfn: number): void {
    const head = this.head(pfn);
    const old = this.flags[head]!;
    if ((old & LOCKED) === 0) this.notLocked(head, 'folio_start_writeback() needs the folio locked: lock it first');
    if (old & WRITEBACK) {
      throw new ContractViolation('SYNC2', 'folio_start_writeback() on a folio already under writeback', this.describe(head));
    }
    this.flags[head] = old | WRITEBACK;
  }

  /** mm/filemap.c: folio_end_writeback(): clear PG_writeback and wake writeback waiters. */
  endPageWriteback(pfn: number): void {
    const head = this.head(pfn);
    const old = this.flags[head]!;
    if ((old & WRITEBACK) === 0) {
      throw new ContractViolation('SYNC2', 'folio_end_writeback() on a folio that is not under writeback', this.describe(head));
    }
    this.flags[head] = old & ~WRITEBACK;
    if (old & WAITERS) this.wakeBit(head, PG.writeback);
  }

  /** mm/page-writeback.c: folio_wait_writeback() — loops until PG_writeback is clear. */
  *waitOnPageWriteback(pfn: number): Blocking<void> {
    const head = this.head(pfn);
    const task = this.sched.requireTask('folio_wait_writeback()');
    while (this.flags[head]! & WRITEBACK) {
      yield* this.waitBitCommon(task, head, PG.writeback, TASK_UNINTERRUPTIBLE, Behavior.SHARED);
    }
  }

  /** mm/page-writeback.c: folio_wait_writeback_killable() — 0, or -EINTR. */
  *waitOnPageWritebackKillable(pfn: number): Blocking<number> {
    const head = this.head(pfn);
    const task = this.sched.requireTask('folio_wait_writeback_killable()');
    while (this.flags[head]! & WRITEBACK) {
      if ((yield* this.waitBitCommon(task, head, PG.writeback, TASK_KILLABLE, Behavior.SHARED)) !== 0) return -Errno.EINTR;
    }
    return 0;
  }

  /** mm/migrate.c (MIGRATE_ASYNC / SYNC_LIGHT): don't wait for writeback — 0, or -EBUSY while it runs. */
  waitOnPageWritebackOrFail(pfn: number): number {
    return this.flags[this.head(pfn)]! & WRITEBACK ? -Errno.EBUSY : 0;
  }

  /** Tasks waiting for the lock of this folio, in queue order (tests, diagnostics). */
  lockWaiters(pfn: number): Task<any>[] {
    return this.waitTable.waiters(this.head(pfn), PG.locked);
  }

  /** Tasks waiting for writeback of this folio to end, in queue order. */
  writebackWaiters(pfn: number): Task<any>[] {
    return this.waitTable.waiters(this.head(pfn), PG.writeback);
  }

  /** mm/filemap.c: folio_wait_bit_common(). */
  private *waitBitCommon(task: Task<any>, head: number, bitNr: number, state: number, behavior: Behavior): Blocking<number> {
    const q = this.waitTable.queueFor(head);
    const wait = new WaitPageQueue(task, head, bitNr);
    const mask = 1 << bitNr;
    let unfairness = this.pageLockUnfairness;
    repeat: for (;;) {
      wait.flags = 0;
      if (behavior === Behavior.EXCLUSIVE) {
        wait.flags = WQ_FLAG_EXCLUSIVE;
        if (--unfairness < 0) wait.flags |= WQ_FLAG_CUSTOM;
      }
      // folio_set_waiters() before the last trylock, then queue at the tail (under q->lock).
      this.flags[head]! |= WAITERS;
      if (!this.trylockFlag(head, mask, wait)) q.addTail(wait);
      for (;;) {
        const flags = wait.flags;
        if ((flags & WQ_FLAG_WOKEN) === 0) {
          if (signalPendingState(state, task)) break repeat;
          yield ioSchedule(state);
          continue;
        }
        if (behavior !== Behavior.EXCLUSIVE) break repeat;
        if (flags & WQ_FLAG_DONE) break repeat;
        // Woken without hand-off: take the bit ourselves, or someone stole it and we queue again.
        const cur = this.flags[head]!;
        if (cur & mask) continue repeat;
        this.flags[head] = cur | mask;
        wait.flags |= WQ_FLAG_DONE;
        break repeat;
      }
    }
    q.remove(wait); // finish_wait()
    if (behavior === Behavior.EXCLUSIVE) return wait.flags & WQ_FLAG_DONE ? 0 : -Errno.EINTR;
    return wait.flags & WQ_FLAG_WOKEN ? 0 : -Errno.EINTR;
  }

  /** mm/filemap.c: folio_trylock_flag() */
  private trylockFlag(head: number, mask: number, wait: WaitPageQueue): boolean {
    const cur = this.flags[head]!;
    if (wait.flags & WQ_FLAG_EXCLUSIVE) {
      if (cur & mask) return false;
      this.flags[head] = cur | mask;
    } else if (cur & mask) {
      return false;
    }
    wait.flags |= WQ_FLAG_WOKEN | WQ_FLAG_DONE;
    return true;
  }

  /** mm/filemap.c: folio_wake_bit(): wake matching waiters; clear PG_waiters if none is left. */
  private wakeBit(head: number, bitNr: number): void {
    const q = this.waitTable.queueFor(head);
    const key = this.key;
    key.pfn = head;
    key.bitNr = bitNr;
    key.pageMatch = false;
    q.wakeUpCommon(TASK_NORMAL, 1, key);
    if (!q.active || !key.pageMatch) this.flags[head]! &= ~WAITERS;
  }

  private trylockHead(head: number): boolean {
    const old = this.flags[head]!;
    if (old & LOCKED) return false;
    this.flags[head] = old | LOCKED;
    return true;
  }

  /** Validates pfn and returns its compound head. */
  private head(pfn: number): number {
    if (pfn >>> 0 !== pfn || pfn >= this.frames.nrFrames || (this.flags[pfn]! & PAGE_TYPE_MASK) === NOMAP) this.badPfn(pfn);
    return this.flags[pfn]! & TAIL ? pfn & ~((1 << this.order[pfn]!) - 1) : pfn;
  }

  private badPfn(pfn: number): never {
    throw new KernelError('EINVAL', `pfn ${String(pfn)} has no page frame: page locks need a pfn of RAM in [0, ${this.frames.nrFrames})`);
  }

  private notLocked(head: number, reason: string): never {
    throw new ContractViolation('SYNC1', reason, this.describe(head));
  }

  private describe(pfn: number) {
    const f = this.frames;
    return { pfn, flags: f.flags[pfn]!, refcount: f.refcount[pfn]!, mapcount: f.mapcount[pfn]!, mapping: f.mapping[pfn]! };
  }
}
