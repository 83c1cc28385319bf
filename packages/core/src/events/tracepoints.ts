/**
 * Tracepoint payloads, named and shaped as the kernel's trace events
 * (include/trace/events/kmem.h, compaction.h, migrate.h). Fields keep the kernel's names so the
 * ftrace text renderer prints them exactly as `TP_printk` does.
 */

/** kmem.h: mm_page_alloc */
export interface MmPageAlloc {
  pfn: number;
  order: number;
  gfp_flags: number;
  migratetype: number;
}

/** kmem.h: mm_page_free */
export interface MmPageFree {
  pfn: number;
  order: number;
}

/** kmem.h: mm_page_alloc_zone_locked */
export interface MmPageAllocZoneLocked {
  pfn: number;
  order: number;
  migratetype: number;
  percpu_refill: number;
}

/** kmem.h: mm_page_pcpu_drain */
export interface MmPagePcpuDrain {
  pfn: number;
  order: number;
  migratetype: number;
}

/** kmem.h: mm_page_alloc_extfrag (fragmenting = fallback_order < pageblock_order). */
export interface MmPageAllocExtfrag {
  pfn: number;
  alloc_order: number;
  fallback_order: number;
  alloc_migratetype: number;
  fallback_migratetype: number;
  change_ownership: number;
}

/**
 * Every event the core emits, keyed by tracepoint name. Drivers and later subsystems add their
 * own keys through declaration merging of this interface.
 */
export interface TracepointMap {
  mm_page_alloc: MmPageAlloc;
  mm_page_free: MmPageFree;
  mm_page_alloc_zone_locked: MmPageAllocZoneLocked;
  mm_page_pcpu_drain: MmPagePcpuDrain;
  mm_page_alloc_extfrag: MmPageAllocExtfrag;
}

export type TracepointName = keyof TracepointMap;
