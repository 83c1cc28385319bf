import { pageblock_nr_pages } from '../mem/constants';
import { VmEvent } from '../stat/vmstat-items';
import { MIGRATE_TYPES, MigrateType } from '../zone/migratetype';
import { MigrateMode } from '../migrate/migrate-mode';
import { pageblockStartPfn } from '../zone/pageblock';
import { COMPACT_CLUSTER_MAX, type CompactControl, type CompactionEnv, type ZoneCompactState } from './compact-control';
import type { CompactionTrace } from './compaction-tracepoints';
import type { FreeScanner } from './free-scanner';
import type { SkipHints } from './skip-hints';

/** mm/compaction.c: freelist_scan_limit(): fewer list entries per failed fast search (≥ 1). */
export function freelistScanLimit(cc: CompactControl): number {
  return (COMPACT_CLUSTER_MAX >> Math.min(31, cc.fastSearchFail)) + 1;
}

/**
 * mm/compaction.c: next_search_order(): orders order-1 … 0 then wrap to cc->order-1; -1 once the
 * search is back at cc->search_order (which then moves one order down for next time).
 */
export function nextSearchOrder(cc: CompactControl, order: number): number {
  order--;
  if (order < 0) order = cc.order - 1;
  // Search wrapped around?
  if (order === cc.searchOrder) {
    cc.searchOrder--;
    if (cc.searchOrder < 0) cc.searchOrder = cc.order - 1;
    return -1;
  }
  return order;
}

/**
 * The free scanner's fast path (mm/compaction.c: fast_isolate_freepages, fast_isolate_around):
 * before the linear scan, look at the MOVABLE free lists below cc->order for a block high in the
 * zone, so migration targets come from the top without scanning to them.
 */
export class FastIsolateFreepages {
  constructor(
    private readonly env: CompactionEnv,
    private readonly hints: SkipHints,
    private readonly trace: CompactionTrace,
    private readonly scanner: FreeScanner,
  ) {}

  /**
   * fast_isolate_freepages(): search the MOVABLE lists of orders search_order … 0 (wrapping,
   * next_search_order) from the tail for a block in the top quarter of the scan window
   * [migrate_pfn, free_pfn), else the highest one in the top half; a shrinking number of entries
   * per list (freelist_scan_limit, half of a pageblock when starting at the zone end). The list is
   * rotated so the next search starts after what was seen; the block found is isolated and its
   * pageblock scanned around it (fast_isolate_around). Without a find, fast_search_fail grows and a
   * search from the zone end moves free_pfn down to the highest block seen (or, for direct
   * compaction, to the top-half mark). Emits mm_compaction_fast_isolate_freepages.
   */
  fastIsolateFreepages(cc: CompactControl, z: ZoneCompactState): void {
    // Full compaction passes in a negative order
    if (cc.order <= 0) return;
    const zone = cc.zone;
    const { lists } = this.env.mem;
    let limit = Math.max(1, freelistScanLimit(cc) >> 1);
    let nrScanned = 0;
    let totalIsolated = 0;
    let highest = 0;
    let page = -1;
    let scanStart = false;
    // If starting the scan, use a deeper search and use the highest PFN found if a suitable one
    // is not found.
    if (cc.freePfn >= z.initFreePfn) {
      limit = pageblock_nr_pages >> 1;
      scanStart = true;
    }
    // Preferred point is in the top quarter of the scan space but take a pfn from the top half
    // if the search is problematic.
    const distance = cc.freePfn - cc.migratePfn;
    let lowPfn = pageblockStartPfn(cc.freePfn - (distance >> 2));
    const minPfn = pageblockStartPfn(cc.freePfn - (distance >> 1));
    if (minPfn > lowPfn) lowPfn = minPfn;
    // Search starts from the last successful isolation order or the next order to search after
    // a previous failure.
    cc.searchOrder = Math.min(cc.order - 1, cc.searchOrder);
    for (let order = cc.searchOrder; page < 0 && order >= 0; order = nextSearchOrder(cc, order)) {
      if (!zone.nrFree[order]) continue;
      const freelist = zone.freeList[order * MIGRATE_TYPES + MigrateType.MOVABLE]!;
      let orderScanned = 0;
      let highPfn = 0;
      let freepage = freelist;
      for (let pfn = lists.last(freelist); pfn !== freelist; pfn = lists.getPrev(pfn)) {
        freepage = pfn;
        orderScanned++;
        nrScanned++;
        if (pfn >= highest) highest = Math.max(pageblockStartPfn(pfn), zone.zoneStartPfn);
        if (pfn >= lowPfn) {
          cc.fastSearchFail = 0;
          cc.searchOrder = order;
          page = pfn;
          break;
        }
        if (pfn >= minPfn && pfn > highPfn) {
          highPfn = pfn;
          // Shorten the scan if a candidate is found
          limit >>= 1;
        }
        if (orderScanned >= limit) break;
      }
      // Use a maximum candidate pfn if a preferred one was not found
      if (page < 0 && highPfn) {
        page = highPfn;
        freepage = page;
      }
      // Reorder so that a future search skips recent pages (move_freelist_head).
      if (freepage !== freelist) this.moveFreelistHead(freelist, freepage);
      // Isolate the page if available
      if (page >= 0) {
        if (this.scanner.isolateFreePage(zone, page, order)) {
          const nrIsolated = 1 << order;
          this.scanner.splitMapPages(cc, page, order);
          nrScanned += nrIsolated - 1;
          totalIsolated += nrIsolated;
          this.env.vmstat.events[VmEvent.COMPACTISOLATED] += nrIsolated;
        } else {
          // If isolation fails, abort the search
          order = cc.searchOrder + 1;
          page = -1;
        }
      }
      // Skip fast search if enough freepages isolated
      if (cc.nrFreepages >= cc.nrMigratepages) break;
      // Smaller scan on next order so the total scan is related to freelist_scan_limit.
      if (orderScanned >= limit) limit = Math.max(1, limit >> 1);
    }
    if (this.trace.on(this.trace.idFastIsolateFree)) {
      this.trace.isolate('mm_compaction_fast_isolate_freepages', minPfn, cc.freePfn, nrScanned, totalIsolated);
    }
    if (page < 0) {
      cc.fastSearchFail++;
      if (scanStart) {
        // Use the highest PFN found above min. If one was not found, be pessimistic for direct
        // compaction and use the min mark.
        if (highest >= minPfn) {
          page = highest;
          cc.freePfn = highest;
        } else if (cc.directCompaction && this.env.mem.pfnValid(minPfn)) {
          page = this.hints.pageblockPfnToPage(minPfn, Math.min(minPfn + pageblock_nr_pages, zone.zoneEndPfn), zone);
          if (page >= 0 && !this.scanner.suitableMigrationTarget(cc, page)) page = -1;
          cc.freePfn = minPfn;
        }
      }
    }
    if (highest && highest >= z.cachedFreePfn) z.cachedFreePfn = highest - pageblock_nr_pages;
    cc.totalFreeScanned += nrScanned;
    if (page < 0) return;
    this.fastIsolateAround(cc, page);
  }

  /**
   * fast_isolate_around(): unless enough targets are held or this is async direct compaction
   * (minimise scanning), isolate the rest of the pageblock around `pfn` and mark it skip once it
   * has been scanned to its end.
   */
  private fastIsolateAround(cc: CompactControl, pfn: number): void {
    // Do not search around if there are enough pages already
    if (cc.nrFreepages >= cc.nrMigratepages) return;
    // Minimise scanning during async compaction
    if (cc.directCompaction && cc.mode === MigrateMode.ASYNC) return;
    const zone = cc.zone;
    const start = { pfn: Math.max(pageblockStartPfn(pfn), zone.zoneStartPfn) };
    const endPfn = Math.min(pageblockStartPfn(pfn) + pageblock_nr_pages, zone.zoneEndPfn);
    if (this.hints.pageblockPfnToPage(start.pfn, endPfn, zone) < 0) return;
    this.scanner.isolateFreepagesBlock(cc, start, endPfn, 1);
    // Skip this pageblock in the future as it's full or nearly full
    if (start.pfn === endPfn && !cc.noSetSkipHint) this.env.mem.pageblocks.setSkip(pageblockStartPfn(pfn), true);
  }

  /** move_freelist_head(): rotate the list so that `freepage` is first (list_cut_before + splice_tail). */
  private moveFreelistHead(freelist: number, freepage: number): void {
    const lists = this.env.mem.lists;
    if (lists.first(freelist) === freepage) return;
    const sublist = lists.newHead();
    lists.cutBefore(sublist, freelist, freepage);
    lists.spliceTail(sublist, freelist);
    lists.releaseHead(sublist);
  }
}
