import { PAGE_ALLOC_COSTLY_ORDER } from '../mem/constants';
import type { AllocContext } from '../zone/alloc-context';
import {
  type CompactPriority, type CompactResult, MIN_COMPACT_COSTLY_PRIORITY, MIN_COMPACT_PRIORITY, compactionMadeProgress, compactionNeedsReclaim,
} from './compact-control';
import { compactionZonelistSuitable } from './suitable';

/** mm/page_alloc.c: MAX_COMPACT_RETRIES */
export const MAX_COMPACT_RETRIES = 16;

/**
 * The compaction state __alloc_pages_slowpath() carries across its retry loop: the priority of
 * the next direct compaction and the retries spent since the last priority change.
 */
export interface CompactRetryState {
  /** compact_priority (DEF_COMPACT_PRIORITY at restart) */
  priority: CompactPriority;
  /** compaction_retries */
  retries: number;
}

/** include/trace/events/oom.h: compact_retry */
export interface CompactRetryEvent {
  order: number;
  priority: number;
  result: number;
  retries: number;
  max_retries: number;
  ret: boolean;
}

/**
 * mm/page_alloc.c: should_compact_retry() (CONFIG_COMPACTION, v6.5+ form): reached only after
 * reclaim made progress.
 *  - order 0 never compacts;
 *  - SKIPPED (too few order-0 targets): retry if reclaiming could make some zone suitable;
 *  - SUCCESS (a block was freed but someone else took it): retry up to MAX_COMPACT_RETRIES
 *    times (a quarter of that for costly orders, which can fail and whose callers cope);
 *  - anything else (COMPLETE, DEFERRED, CONTENDED, PARTIAL_SKIPPED, or SUCCESS out of retries):
 *    compaction failed or withdrew, so retry once more at the next higher priority, down to
 *    SYNC_FULL (SYNC_LIGHT for costly orders: a whole-zone scan is too expensive for them).
 * `state` is updated in place; `trace` receives the compact_retry tracepoint's fields.
 */
export function shouldCompactRetry(
  ac: AllocContext, order: number, result: CompactResult, state: CompactRetryState, canReclaimAnon: boolean,
  trace?: (e: CompactRetryEvent) => void,
): boolean {
  let maxRetries = MAX_COMPACT_RETRIES;
  const retries = state.retries;
  const priority = state.priority;
  let ret = false;
  if (!order) return false;
  if (compactionNeedsReclaim(result)) {
    // Compaction was skipped due to a lack of free order-0 migration targets. Continue if
    // reclaim can help.
    ret = compactionZonelistSuitable(ac.zones, order, ac.highestZoneidx, canReclaimAnon);
  } else {
    if (compactionMadeProgress(result)) {
      // Compaction managed to coalesce some page blocks, but the allocation failed presumably
      // due to a race. Retry some.
      if (order > PAGE_ALLOC_COSTLY_ORDER) maxRetries = maxRetries / 4;
      if (++state.retries <= maxRetries) ret = true;
    }
    if (!ret) {
      // Compaction failed. Retry with increasing priority.
      const minPriority = order > PAGE_ALLOC_COSTLY_ORDER ? MIN_COMPACT_COSTLY_PRIORITY : MIN_COMPACT_PRIORITY;
      if (state.priority > minPriority) {
        state.priority--;
        state.retries = 0;
        ret = true;
      }
    }
  }
  trace?.({ order, priority, result, retries, max_retries: maxRetries, ret });
  return ret;
}
