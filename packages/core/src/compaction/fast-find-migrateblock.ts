import { PAGE_ALLOC_COSTLY_ORDER } from '../mem/constants';
import { MIGRATE_TYPES, MigrateType } from '../zone/migratetype';
import { pageblockStartPfn } from '../zone/pageblock';
import type { PhysicalMemory } from '../zone/physical-memory';
import type { CompactControl } from './compact-control';
import { freelistScanLimit } from './fast-isolate-freepages';

/** ULONG_MAX in cc->fast_start_pfn: the cached start was already used (reinit_migrate_pfn). */
export const FAST_START_USED = Number.MAX_SAFE_INTEGER;

/** mm/compaction.c: update_fast_start_pfn(): remember the lowest block the fast search chose. */
function updateFastStartPfn(cc: CompactControl, pfn: number): void {
  if (cc.fastStartPfn === FAST_START_USED) return;
  if (!cc.fastStartPfn) cc.fastStartPfn = pfn;
  cc.fastStartPfn = Math.min(cc.fastStartPfn, pfn);
}

/**
 * mm/compaction.c: reinit_migrate_pfn(): after a failed fast search, restart the linear scan once
 * from the lowest block an earlier fast search had chosen.
 */
function reinitMigratePfn(cc: CompactControl): number {
  if (!cc.fastStartPfn || cc.fastStartPfn === FAST_START_USED) return cc.migratePfn;
  cc.migratePfn = cc.fastStartPfn;
  cc.fastStartPfn = FAST_START_USED;
  return cc.migratePfn;
}

/**
 * mm/compaction.c: fast_find_migrateblock(): for costly orders, at a pageblock-aligned (or zone
 * start) position, unless skip hints are ignored, a pageblock is being finished, or this is
 * direct compaction for a non-movable request: find in the MOVABLE free lists of orders
 * cc->order-1 … PAGE_ALLOC_COSTLY_ORDER (up to freelist_scan_limit entries) a free block in the
 * first half of the scan window (first eighth once the scanner has left the zone start) whose
 * pageblock is not marked skip, and start migrating there: the pageblock already has a large free
 * block, so clearing it is cheap. The list is rotated past the entries seen. Returns the pfn the
 * migrate scanner starts from (cc->migrate_pfn unless a block was found).
 */
export function fastFindMigrateblock(cc: CompactControl, mem: PhysicalMemory): number {
  const limit = freelistScanLimit(cc);
  let nrScanned = 0;
  let pfn = cc.migratePfn;
  const zone = cc.zone;
  let foundBlock = false;
  // Skip hints are relied on to avoid repeats on the fast search
  if (cc.ignoreSkipHint) return pfn;
  // If the pageblock should be finished then do not select a different pageblock.
  if (cc.finishPageblock) return pfn;
  // Not at the zone or a pageblock start: a continuation of a scan restarted after
  // COMPACT_CLUSTER_MAX pages.
  if (pfn !== zone.zoneStartPfn && pfn !== pageblockStartPfn(pfn)) return pfn;
  // Smaller orders scan linearly: few pages to migrate, not worth freeing a large block.
  if (cc.order <= PAGE_ALLOC_COSTLY_ORDER) return pfn;
  // Only kcompactd and direct requests for movable pages may quickly clear a MOVABLE pageblock.
  if (cc.directCompaction && cc.migratetype !== MigrateType.MOVABLE) return pfn;
  // Any pageblock within the first half of the search space when starting, else within the first
  // eighth, so that a migration target is less likely to become a source later.
  let distance = (cc.freePfn - cc.migratePfn) >> 1;
  if (cc.migratePfn !== zone.zoneStartPfn) distance >>= 2;
  const highPfn = pageblockStartPfn(cc.migratePfn + distance);
  const lists = mem.lists;
  for (let order = cc.order - 1; order >= PAGE_ALLOC_COSTLY_ORDER && !foundBlock && nrScanned < limit; order--) {
    if (!zone.nrFree[order]) continue;
    const freelist = zone.freeList[order * MIGRATE_TYPES + MigrateType.MOVABLE]!;
    for (let freepage = lists.first(freelist); freepage !== freelist; freepage = lists.getNext(freepage)) {
      if (nrScanned++ >= limit) {
        moveFreelistTail(mem, freelist, freepage);
        break;
      }
      if (freepage < highPfn) {
        // Avoid if skipped recently.
        if (mem.pageblocks.skip(freepage)) continue;
        // Reorder so that a future search skips recent pages
        moveFreelistTail(mem, freelist, freepage);
        updateFastStartPfn(cc, freepage);
        pfn = Math.max(pageblockStartPfn(freepage), zone.zoneStartPfn);
        cc.fastSearchFail = 0;
        foundBlock = true;
        break;
      }
    }
  }
  cc.totalMigrateScanned += nrScanned;
  // If fast scanning failed then use a cached entry for a page block that had free pages as the
  // basis for starting a linear scan.
  if (!foundBlock) {
    cc.fastSearchFail++;
    pfn = reinitMigratePfn(cc);
  }
  return pfn;
}

/** move_freelist_tail(): rotate the list so that `freepage` is last (list_cut_position + splice_tail). */
function moveFreelistTail(mem: PhysicalMemory, freelist: number, freepage: number): void {
  const lists = mem.lists;
  if (lists.last(freelist) === freepage) return;
  const sublist = lists.newHead();
  lists.cutBefore(sublist, freelist, lists.getNext(freepage));
  lists.spliceTail(sublist, freelist);
  lists.releaseHead(sublist);
}
