import { MAX_PAGE_ORDER, pageblock_order } from '../mem/constants';
import type { Buddy } from '../zone/buddy';
import { MigrateType } from '../zone/migratetype';
import type { Zone } from '../zone/zone';

/**
 * The free buddy block that contains pfn, or -1 (the outer_start search of
 * mm/page_alloc.c: alloc_contig_range: walk up the orders until a PageBuddy head covers pfn).
 */
export function freeBlockContaining(buddy: Buddy, pfn: number): number {
  for (let order = 0; order <= MAX_PAGE_ORDER; order++) {
    const head = pfn & ~((1 << order) - 1);
    if (buddy.isBuddy(head)) return head + (1 << buddy.buddyOrder(head)) > pfn ? head : -1;
  }
  return -1;
}

/**
 * Puts the part [start, end) of a block just taken off the free lists back on the list of `mt`,
 * as the largest naturally aligned blocks (mm/page_alloc.c: split_free_page()). None of them can
 * merge: each one's buddy holds pages outside [start, end).
 */
function giveBack(buddy: Buddy, zone: Zone, start: number, end: number, mt: number): void {
  let pfn = start;
  while (pfn < end) {
    let order = pfn === 0 ? MAX_PAGE_ORDER : Math.min(MAX_PAGE_ORDER, 31 - Math.clz32(pfn & -pfn));
    while (pfn + (1 << order) > end) order--;
    buddy.addToFreeList(zone, pfn, order, mt, false);
    if (mt !== MigrateType.ISOLATE) buddy.modFreepageState(zone, 1 << order, mt);
    pfn += 1 << order;
  }
}

/**
 * Splits a free block larger than a pageblock that straddles `boundary` (a pageblock boundary),
 * so that isolating the pageblocks on one side never drags free pages of the other side onto the
 * ISOLATE list (mm/page_isolation.c: isolate_single_pageblock → split_free_page).
 */
export function splitStraddlingFreeBlock(buddy: Buddy, zone: Zone, boundary: number): void {
  for (let order = pageblock_order + 1; order <= MAX_PAGE_ORDER; order++) {
    const head = boundary & ~((1 << order) - 1);
    if (head === boundary || !buddy.isBuddy(head) || buddy.buddyOrder(head) !== order) continue;
    const mt = buddy.freeListType(head);
    buddy.delFromFreeList(zone, head, order);
    if (mt !== MigrateType.ISOLATE) buddy.modFreepageState(zone, -(1 << order), mt);
    giveBack(buddy, zone, head, boundary, mt);
    giveBack(buddy, zone, boundary, head + (1 << order), mt);
    return;
  }
}

/**
 * mm/compaction.c: isolate_freepages_range() in strict mode followed by alloc_contig_range's
 * "free head and tail": takes every page of [start, end) off the free lists and makes each an
 * allocated order-0 page (refcount 1, split_map_pages()); the parts of the free blocks outside
 * the range go back. Returns false, touching nothing, if a page of the range is not free.
 */
export function takeFreeRange(buddy: Buddy, zone: Zone, start: number, end: number): boolean {
  for (let pfn = start; pfn < end; ) {
    const head = freeBlockContaining(buddy, pfn);
    if (head < 0) return false;
    pfn = head + (1 << buddy.buddyOrder(head));
  }
  const f = buddy.frames;
  for (let pfn = start; pfn < end; ) {
    const head = freeBlockContaining(buddy, pfn);
    const order = buddy.buddyOrder(head);
    const mt = buddy.freeListType(head);
    const blockEnd = head + (1 << order);
    buddy.delFromFreeList(zone, head, order);
    if (mt !== MigrateType.ISOLATE) buddy.modFreepageState(zone, -(1 << order), mt);
    if (head < start) giveBack(buddy, zone, head, start, mt);
    if (blockEnd > end) giveBack(buddy, zone, end, blockEnd, mt);
    for (let p = Math.max(head, start); p < Math.min(blockEnd, end); p++) {
      f.refcount[p] = 1;
      f.order[p] = 0;
      f.mapcount[p] = 0;
      f.mapping[p] = 0;
      f.private[p] = 0;
      f.index[p] = 0;
    }
    pfn = blockEnd;
  }
  return true;
}
