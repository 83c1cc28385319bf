/**
 * What the vm layer needs from the LRU, page-lock and MMU-notifier services. These are written
 * in parallel (lru/lru.ts, sync/page-lock.ts, notify/mmu-notifier.ts); the kernel wires the real
 * classes in, which satisfy these interfaces structurally.
 */

/** mm/swap.c + mm/mlock.c as the vm layer calls them. */
export interface LruOps {
  /** mm/swap.c: folio_add_lru() */
  folioAddLru(pfn: number): void;
  /** mm/swap.c: lru_add_drain_all() */
  lruAddDrainAll(): void;
  /** mm/swap.c: __page_cache_release() — take a folio off its LRU list before freeing it. */
  folioDelFromLru(pfn: number): void;
  /** mm/mlock.c: mlock_folio() */
  mlockFolio(pfn: number): void;
  /** mm/mlock.c: munlock_folio() */
  munlockFolio(pfn: number): void;
  /** mm/mlock.c: mlock_drain_local() */
  mlockDrainLocal(): void;
  /** mm/swap.c: folio_mark_lazyfree() — MADV_FREE: to the inactive file list, !PG_swapbacked. */
  folioMarkLazyfree(pfn: number): void;
}

/** A resumable wait: the scheduler runs it inside a simulated task. */
export type TaskWait = Generator<unknown, void, unknown>;

/** mm/filemap.c: the page lock as the fault path needs it. */
export interface PageLockOps {
  /** folio_wait_locked(): resumes once the folio is unlocked. */
  waitOnPageLocked(pfn: number): TaskWait;
}

/** The notifier range types are notify/'s (mmu_notifier_range, enum mmu_notifier_event). */
import type { MmuNotifierRange } from '../notify/mmu-notifier-range';
import { MMU_NOTIFIER_RANGE_BLOCKABLE as RANGE_BLOCKABLE, MmuNotifyEvent as NotifyEvent } from '../notify/mmu-notifier-range';
export type { MmuNotifierRange } from '../notify/mmu-notifier-range';
// Plain bindings, not `export { … } from`: CommonJS re-exports compile to getters, which the
// unmap and migration paths would call for every page.
export const MmuNotifyEvent = NotifyEvent;
export type MmuNotifyEvent = NotifyEvent;
export const MMU_NOTIFIER_RANGE_BLOCKABLE = RANGE_BLOCKABLE;

/** The subscriptions of one mm (struct mmu_notifier_subscriptions). */
export interface MmuNotifierOps {
  /** mmu_notifier_invalidate_range_start(): 0, or -EAGAIN for a non-blockable range. */
  invalidateRangeStart(range: MmuNotifierRange): number;
  invalidateRangeEnd(range: MmuNotifierRange): void;
  /**
   * No interval notifier and no subscriber: an invalidation has nobody to tell, so the hot
   * unmap path may skip building its range and count the pair with countIdleInvalidation().
   * Implementations without it always get the full start/end calls.
   */
  readonly idle?: boolean;
  /** A start and its end on an idle mm, counted together. */
  countIdleInvalidation?(): void;
  /** __mmu_notifier_release(): the mm is going away. */
  release(): void;
}

/** Builds the notifier subscriptions of a new mm. */
export type MmuNotifierFactory = (mm: object) => MmuNotifierOps;
