/**
 * What a page frame holds, for the pageblock metrics (M7–M9, M13) and the memory map: the
 * mobility of an allocated page (MigrateType UNMOVABLE / MOVABLE / RECLAIMABLE values), free, or
 * no memory at all. One byte per pfn.
 */
export const PAGE_UNMOVABLE = 0;
export const PAGE_MOVABLE = 1;
export const PAGE_RECLAIMABLE = 2;
/** On a buddy free list or a per-cpu list. */
export const PAGE_FREE = 0xfe;
/** A hole, an unpopulated range: no struct page. */
export const PAGE_ABSENT = 0xff;
