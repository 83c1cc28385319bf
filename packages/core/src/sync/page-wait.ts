import type { Task } from './task';
import {
  WQ_FLAG_CUSTOM, WQ_FLAG_DONE, WQ_FLAG_EXCLUSIVE, WQ_FLAG_WOKEN, WaitQueueEntry, WaitQueueHead,
} from './wait-queue';

/** mm/filemap.c: PAGE_WAIT_TABLE_BITS — 256 hashed wait queues shared by all pages. */
export const PAGE_WAIT_TABLE_BITS = 8;
export const PAGE_WAIT_TABLE_SIZE = 1 << PAGE_WAIT_TABLE_BITS;
/** include/linux/hash.h: GOLDEN_RATIO_32 */
const GOLDEN_RATIO_32 = 0x61c88647;

/** include/linux/hash.h: hash_32() */
export function hash32(val: number, bits: number): number {
  return Math.imul(val, GOLDEN_RATIO_32) >>> (32 - bits);
}

/** mm/filemap.c: struct wait_page_key — what folio_wake_bit() passes to every wake function. */
export interface WaitPageKey {
  /** The folio's flags word array (page->flags of every frame). */
  flags: Uint32Array;
  /** Head pfn of the folio being woken. */
  pfn: number;
  bitNr: number;
  /** Set when any entry for this folio (any bit) was seen on the walk. */
  pageMatch: boolean;
}

/** mm/filemap.c: struct wait_page_queue — a sleeper waiting for a bit of one folio. */
export class WaitPageQueue extends WaitQueueEntry {
  constructor(task: Task<any>, readonly pfn: number, readonly bitNr: number) {
    super(task, wakePageFunction as (e: WaitQueueEntry, mode: number, key: unknown) => number);
  }
}

/**
 * mm/filemap.c: wake_page_function(). Matches folio and bit; for an exclusive (lock) waiter it
 * stops the walk if the bit is set again, and with WQ_FLAG_CUSTOM takes the bit for the waiter
 * (lock hand-off, WQ_FLAG_DONE). Sets WQ_FLAG_WOKEN, wakes the task and unlinks the entry.
 */
export function wakePageFunction(entry: WaitPageQueue, mode: number, key: WaitPageKey): number {
  if (entry.pfn !== key.pfn) return 0;
  key.pageMatch = true;
  if (entry.bitNr !== key.bitNr) return 0;
  let flags = entry.flags;
  const mask = 1 << key.bitNr;
  if (flags & WQ_FLAG_EXCLUSIVE) {
    if (key.flags[key.pfn]! & mask) return -1;
    if (flags & WQ_FLAG_CUSTOM) {
      key.flags[key.pfn]! |= mask;
      flags |= WQ_FLAG_DONE;
    }
  }
  entry.flags = flags | WQ_FLAG_WOKEN;
  entry.task?.wakeUp(mode);
  entry.queue?.remove(entry);
  return (flags & WQ_FLAG_EXCLUSIVE) !== 0 ? 1 : 0;
}

/**
 * mm/filemap.c: folio_wait_table[] and folio_waitqueue(): page waiters sleep on one of 256
 * hashed queues, so one queue may hold waiters of several pages.
 */
export class PageWaitTable {
  readonly queues: readonly WaitQueueHead[];

  constructor() {
    const q: WaitQueueHead[] = [];
    for (let i = 0; i < PAGE_WAIT_TABLE_SIZE; i++) q.push(new WaitQueueHead(`folio_wait_table[${i}]`));
    this.queues = q;
  }

  /** mm/filemap.c: folio_waitqueue() — hashed by head pfn (the kernel hashes the folio pointer). */
  queueFor(pfn: number): WaitQueueHead {
    return this.queues[hash32(pfn, PAGE_WAIT_TABLE_BITS)]!;
  }

  /** The tasks waiting on `bitNr` of folio `pfn`, queue order. Allocates: for tests and diagnostics. */
  waiters(pfn: number, bitNr: number): Task<any>[] {
    const out: Task<any>[] = [];
    for (const e of this.queueFor(pfn).entries()) {
      if (e instanceof WaitPageQueue && e.pfn === pfn && e.bitNr === bitNr && e.task) out.push(e.task);
    }
    return out;
  }
}
