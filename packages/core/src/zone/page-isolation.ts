import { folioTestHugetlb } from '../hugetlb/hugetlb-folio';
import { Errno } from '../errors';
import { MAX_PAGE_ORDER, pageblock_nr_pages, pageblock_order } from '../mem/constants';
import { mappingIsMovable } from '../mem/mapping';
import { PG, PageType } from '../mem/page-flags';
import type { Buddy } from './buddy';
import { MIGRATE_TYPES, MigrateType } from './migratetype';
import type { PhysicalMemory } from './physical-memory';
import type { Zone } from './zone';
import { ZoneType } from './zone-type';

/** include/linux/page-isolation.h: isolation flags. */
export const MEMORY_OFFLINE = 0x1;
export const REPORT_FAILURE = 0x2;

/**
 * Pageblock isolation (mm/page_isolation.c): marking a pfn range MIGRATE_ISOLATE so that its free
 * pages leave the allocator (and NR_FREE_PAGES) while the pages in use are migrated away, as
 * memory offlining and alloc_contig_range do.
 */
export class PageIsolation {
  /** zone->nr_isolate_pageblock per global zone id. */
  readonly nrIsolatePageblock: Int32Array;

  constructor(private readonly mem: PhysicalMemory, private readonly buddy: Buddy) {
    this.nrIsolatePageblock = new Int32Array(mem.zones.length + 1);
  }

  /**
   * has_unmovable_pages(): the first page of a pageblock that cannot be migrated or freed, or -1.
   * Reserved pages never move; in ZONE_MOVABLE everything else is assumed movable; otherwise pages
   * in use must be on the LRU or __PageMovable (compound: the whole folio), and with
   * MEMORY_OFFLINE poisoned and PageOffline pages are tolerated.
   */
  hasUnmovablePages(startPfn: number, endPfn: number, migratetype: number, flags: number): number {
    const f = this.mem.frames;
    const zone = this.mem.pageZone(startPfn);
    if (this.mem.pageblocks.migratetype(startPfn) === MigrateType.CMA) return migratetype === MigrateType.CMA ? -1 : startPfn;
    for (let pfn = startPfn; pfn < endPfn; pfn++) {
      const type = f.pageType(pfn);
      if (type === PageType.nomap) continue;
      if (f.testFlag(pfn, PG.reserved)) return pfn;
      if (zone.type === ZoneType.MOVABLE) continue;
      if (f.testFlag(pfn, PG.head) || f.testFlag(pfn, PG.tail)) {
        const head = f.compoundHead(pfn);
        // PageHuge(): 2 MiB hugetlb folios migrate (in use) or dissolve (free).
        if (!f.testFlag(head, PG.lru) && !mappingIsMovable(f.mapping[head]!) && !folioTestHugetlb(f, head)) return pfn;
        pfn = head + (1 << f.order[head]!) - 1;
        continue;
      }
      if (!f.refcount[pfn]) {
        if (type === PageType.buddy) pfn += (1 << f.order[pfn]!) - 1;
        continue;
      }
      if (flags & MEMORY_OFFLINE && (f.testFlag(pfn, PG.hwpoison) || type === PageType.offline)) continue;
      if (mappingIsMovable(f.mapping[pfn]!) || f.testFlag(pfn, PG.lru)) continue;
      return pfn;
    }
    return -1;
  }

  /**
   * start_isolate_page_range(): isolate every pageblock of [start, end) (pageblock aligned),
   * or none: -EBUSY naming nothing changed when a pageblock holds an unmovable page or is
   * isolated already. Returns 0 or -EBUSY; `failedPfn.pfn` gets the culprit.
   */
  startIsolatePageRange(startPfn: number, endPfn: number, migratetype: number, flags: number, failedPfn = { pfn: -1 }): number {
    const done: number[] = [];
    for (let pfn = startPfn; pfn < endPfn; pfn += pageblock_nr_pages) {
      if (!this.mem.pfnValid(pfn) && !this.blockHasFrames(pfn)) continue;
      const rc = this.setMigratetypeIsolate(pfn, migratetype, flags, failedPfn);
      if (rc) {
        for (const p of done) this.unsetMigratetypeIsolate(p, migratetype);
        return rc;
      }
      done.push(pfn);
    }
    return 0;
  }

  /** undo_isolate_page_range(): give the pageblocks back to `migratetype`. */
  undoIsolatePageRange(startPfn: number, endPfn: number, migratetype: number): void {
    for (let pfn = startPfn; pfn < endPfn; pfn += pageblock_nr_pages) {
      if (this.mem.pageblocks.migratetype(pfn) === MigrateType.ISOLATE) this.unsetMigratetypeIsolate(pfn, migratetype);
    }
  }

  /**
   * test_pages_isolated(): 0 when every page of the range is a free page on an ISOLATE list (or,
   * for MEMORY_OFFLINE, poisoned or offline), else -EBUSY.
   */
  testPagesIsolated(startPfn: number, endPfn: number, flags: number): number {
    const f = this.mem.frames;
    for (let pfn = startPfn; pfn < endPfn; pfn += pageblock_nr_pages) {
      if (this.mem.pageblocks.migratetype(pfn) !== MigrateType.ISOLATE && this.blockHasFrames(pfn)) return -Errno.EBUSY;
    }
    for (let pfn = startPfn; pfn < endPfn; ) {
      const type = f.pageType(pfn);
      // __test_page_isolated_in_pageblock(): a PageOffline page counts only once its driver dropped
      // its reference (MEM_GOING_OFFLINE).
      if (type === PageType.nomap || (type === PageType.offline && f.refcount[pfn] === 0)) pfn++;
      else if (type === PageType.buddy) pfn += 1 << f.order[pfn]!;
      else if (flags & MEMORY_OFFLINE && f.testFlag(pfn, PG.hwpoison) && !f.testFlag(pfn, PG.lru)) pfn++;
      else return -Errno.EBUSY;
    }
    return 0;
  }

  private blockHasFrames(pfn: number): boolean {
    for (let p = pfn; p < pfn + pageblock_nr_pages; p++) if (this.mem.pfnValid(p)) return true;
    return false;
  }

  /** set_migratetype_isolate() */
  private setMigratetypeIsolate(pfn: number, migratetype: number, flags: number, failed: { pfn: number }): number {
    const zone = this.mem.pageZone(pfn);
    const block = pfn & ~(pageblock_nr_pages - 1);
    if (this.mem.pageblocks.migratetype(block) === MigrateType.ISOLATE) {
      failed.pfn = block;
      return -Errno.EBUSY;
    }
    const unmovable = this.hasUnmovablePages(block, Math.min(block + pageblock_nr_pages, zone.zoneEndPfn), migratetype, flags);
    if (unmovable >= 0) {
      failed.pfn = unmovable;
      return -Errno.EBUSY;
    }
    const oldMt = this.mem.pageblocks.migratetype(block);
    this.mem.pageblocks.setMigratetype(block, MigrateType.ISOLATE);
    this.nrIsolatePageblock[zone.id]!++;
    const moved = this.buddy.moveFreepagesBlock(zone, block, MigrateType.ISOLATE);
    this.buddy.modFreepageState(zone, -moved, oldMt);
    return 0;
  }

  /**
   * unset_migratetype_isolate(): back to `migratetype`; free blocks of pageblock order or more are
   * freed again so they can merge with neighbours the isolation kept apart.
   */
  private unsetMigratetypeIsolate(pfn: number, migratetype: number): void {
    const zone = this.mem.pageZone(pfn);
    const block = pfn & ~(pageblock_nr_pages - 1);
    const remerge = this.takeLargeIsolatedBlock(zone, block);
    const moved = this.buddy.moveFreepagesBlock(zone, block, migratetype);
    this.buddy.modFreepageState(zone, moved, migratetype);
    this.mem.pageblocks.setMigratetype(block, migratetype as MigrateType);
    this.nrIsolatePageblock[zone.id]!--;
    if (remerge) this.buddy.freeOnePage(zone, remerge.pfn, remerge.order, migratetype, false);
  }

  /** A free block of at least pageblock order that starts in this isolated pageblock. */
  private takeLargeIsolatedBlock(zone: Zone, block: number): { pfn: number; order: number } | undefined {
    const f = this.mem.frames;
    for (let order = pageblock_order; order <= MAX_PAGE_ORDER; order++) {
      const head = block & ~((1 << order) - 1);
      if (f.pageType(head) === PageType.buddy && f.order[head] === order && f.index[head] === MigrateType.ISOLATE) {
        this.buddy.delFromFreeList(zone, head, order);
        return { pfn: head, order };
      }
    }
    return undefined;
  }

  /** Free pages currently on the ISOLATE lists of a zone. */
  isolatedFreePages(zone: Zone): number {
    let n = 0;
    for (let order = 0; order <= MAX_PAGE_ORDER; order++) n += zone.nrFreeByType[order * MIGRATE_TYPES + MigrateType.ISOLATE]! << order;
    return n;
  }
}
