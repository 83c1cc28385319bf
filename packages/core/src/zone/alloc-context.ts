import type { Zone } from './zone';

/**
 * mm/internal.h: struct alloc_context, the parts of an allocation request that stay the same
 * across the fast path and the slow path.
 */
export interface AllocContext {
  /** The zonelist to walk, already filtered to zones <= highestZoneidx and the nodemask. */
  zones: Zone[];
  /** The first zone of the walk (ac->preferred_zoneref->zone). */
  preferredZone: Zone | undefined;
  highestZoneidx: number;
  migratetype: number;
  /** Node the request prefers (numa_node_id() or an explicit nid). */
  preferredNid: number;
  /** The fast path's alloc_flags: ALLOC_WMARK_LOW | alloc_flags_nofragment() | CMA. */
  fastAllocFlags: number;
}

/**
 * Hooks into the allocator's slow path (mm/page_alloc.c: __alloc_pages_slowpath) that later
 * subsystems provide: kswapd wake-ups, direct reclaim and direct compaction. The allocator calls
 * whichever are registered; without them the slow path only retries at the min watermark,
 * unreserves highatomic blocks and drains the per-cpu lists before failing.
 */
export interface AllocSlowpathHooks {
  /** wake_all_kswapds() */
  wakeKswapd?(order: number, gfp: number, ac: AllocContext): void;
  /** __alloc_pages_direct_reclaim(): returns pages reclaimed (did_some_progress). */
  directReclaim?(gfp: number, order: number, allocFlags: number, ac: AllocContext): number;
  /**
   * __alloc_pages_direct_compact() at compact_priority `priority`: returns a captured/allocated pfn
   * or -1, and try_to_compact_pages()'s compact_result in `out` (should_compact_retry() needs it).
   */
  directCompact?(gfp: number, order: number, allocFlags: number, ac: AllocContext, priority: number, out?: DirectCompactResult): number;
  /**
   * get_nr_swap_pages() > 0: whether anon pages count as reclaimable for
   * compaction_zonelist_suitable(). Without the hook only file pages count.
   */
  canReclaimAnon?(): boolean;
  /**
   * out_of_memory() for __alloc_pages_may_oom(): runs the OOM notifier chain and returns the
   * pages it freed. mmsim has no OOM killer, so 0 means the allocation fails.
   */
  outOfMemory?(gfp: number, order: number, ac: AllocContext): number;
}

/** The out-parameter of {@link AllocSlowpathHooks.directCompact}: enum compact_result. */
export interface DirectCompactResult {
  result: number;
}
