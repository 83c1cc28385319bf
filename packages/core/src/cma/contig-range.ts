import { Errno, KernelError } from '../errors';
import { MAX_PAGE_ORDER, pageblock_nr_pages } from '../mem/constants';
import { mappingIsMovable } from '../mem/mapping';
import { PG } from '../mem/page-flags';
import { ISOLATE_UNEVICTABLE, MigrateMode, MigrateReason } from '../migrate/migrate-mode';
import type { FolioList, Migration } from '../migrate/migration';
import { GFP_USER, __GFP_MOVABLE, __GFP_NOWARN, __GFP_RETRY_MAYFAIL, gfpZone } from '../zone/gfp';
import { MigrateType, migratetypeIsMergeable } from '../zone/migratetype';
import { PageIsolation } from '../zone/page-isolation';
import { pageblockStartPfn } from '../zone/pageblock';
import type { Printk } from '../kernel/printk';
import type { Zone } from '../zone/zone';
import { freeBlockContaining, splitStraddlingFreeBlock, takeFreeRange } from './free-range';

/** include/linux/swap.h: SWAP_CLUSTER_MAX (COMPACT_CLUSTER_MAX): pages isolated per round. */
const COMPACT_CLUSTER_MAX = 32;
/** mm/page_alloc.c: __alloc_contig_migrate_range() gives up after 5 passes over a non-empty list. */
export const CONTIG_MIGRATE_TRIES = 5;

/**
 * Contiguous range allocation (mm/page_alloc.c: alloc_contig_range, __alloc_contig_migrate_range,
 * free_contig_range, alloc_contig_pages): isolate the pageblocks, migrate what is in use out of
 * them (MR_CONTIG_RANGE, MIGRATE_SYNC), then take the now free pages off the free lists.
 *
 * Difference from v6.6, on purpose: has_unmovable_pages() looks at the whole pageblocks of the
 * range (zone/page-isolation.ts), not only the requested part, so an unmovable page in the same
 * pageblock but outside an unaligned range also yields -EBUSY. Free hugetlb folios in the range
 * are not replaced (isolate_or_dissolve_huge_page) and make the range -EBUSY.
 */
export class ContigRange {
  readonly isolation: PageIsolation;

  constructor(private readonly migration: Migration, private readonly printk: Printk, isolation?: PageIsolation) {
    const { mem, alloc } = migration.env;
    this.isolation = isolation ?? new PageIsolation(mem, alloc.buddy);
  }

  /**
   * alloc_contig_range(start, end, migratetype, gfp): 0 with every page of [start, end) allocated
   * as an order-0 page (refcount 1), or -EBUSY / -ENOMEM / -EINTR / -EINVAL with nothing taken
   * and the isolation undone. `migratetype` is MIGRATE_MOVABLE or MIGRATE_CMA (for a CMA area).
   */
  allocContigRange(start: number, end: number, migratetype: number, gfp: number): number {
    const { mem, alloc } = this.migration.env;
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || start >= end || end > mem.maxPfn) {
      throw new KernelError('EINVAL', `alloc_contig_range: [0x${Number(start).toString(16)}, 0x${Number(end).toString(16)}) is not a non-empty pfn range below 0x${mem.maxPfn.toString(16)}`);
    }
    if (migratetype !== MigrateType.MOVABLE && migratetype !== MigrateType.CMA) {
      throw new KernelError('EINVAL', `alloc_contig_range: migratetype ${migratetype} must be MIGRATE_MOVABLE (1) or MIGRATE_CMA (4)`);
    }
    const zone = this.rangeZone(start, end);
    if (!zone) return -Errno.EINVAL;
    // start_isolate_page_range() works on whole pageblocks around the range.
    const isoStart = Math.max(pageblockStartPfn(start), zone.zoneStartPfn);
    const isoEnd = Math.min(pageblockStartPfn(end + pageblock_nr_pages - 1), zone.zoneEndPfn);
    splitStraddlingFreeBlock(alloc.buddy, zone, isoStart);
    splitStraddlingFreeBlock(alloc.buddy, zone, isoEnd);
    let ret = this.isolation.startIsolatePageRange(isoStart, isoEnd, migratetype, 0);
    if (!ret) {
      alloc.drainAllPages(zone);
      ret = this.migrateRange(zone, start, end, gfp);
      if (!ret || ret === -Errno.EBUSY) ret = this.grabRange(zone, start, end);
      this.isolation.undoIsolatePageRange(isoStart, isoEnd, migratetype);
    }
    this.remerge(zone, isoStart);
    this.remerge(zone, isoEnd);
    return ret;
  }

  /**
   * free_contig_range(pfn, nr_pages): drop one reference on each page; warns (as the kernel's
   * WARN) when some pages were still referenced by others.
   */
  freeContigRange(pfn: number, nrPages: number): void {
    const { mem, alloc } = this.migration.env;
    if (!Number.isInteger(pfn) || !Number.isInteger(nrPages) || nrPages <= 0 || pfn < 0 || pfn + nrPages > mem.maxPfn) {
      throw new KernelError('EINVAL', `free_contig_range: 0x${Number(pfn).toString(16)}+${nrPages} is not a valid pfn range`);
    }
    let count = 0;
    for (let p = pfn; p < pfn + nrPages; p++) {
      if (mem.frames.refcount[p] !== 1) count++;
      alloc.freePages(p, 0);
    }
    if (count) this.printk.log('warn', `free_contig_range: ${count} pages are still in use!`);
  }

  /**
   * alloc_contig_pages(nr_pages, gfp, nid, nodemask): the first pfn of nr_pages contiguous pages
   * from the zonelist of `nid` (aligned to nr_pages within each zone), or -1.
   */
  allocContigPages(nrPages: number, gfp: number, nid = -1, nodemask?: readonly number[]): number {
    const { mem, current } = this.migration.env;
    if (!Number.isInteger(nrPages) || nrPages <= 0) throw new KernelError('EINVAL', `alloc_contig_pages: nr_pages must be a positive integer, got ${nrPages}`);
    const node = nid < 0 ? mem.cpuNode(current.cpu) : nid;
    mem.checkNid(node);
    const highest = gfpZone(gfp);
    for (const zone of mem.nodes[node]!.zonelistFallback) {
      if (zone.type > highest || (nodemask && !nodemask.includes(zone.nid))) continue;
      for (let pfn = Math.ceil(zone.zoneStartPfn / nrPages) * nrPages; pfn + nrPages <= zone.zoneEndPfn; pfn += nrPages) {
        if (this.pfnRangeValidContig(zone, pfn, nrPages) && this.allocContigRange(pfn, pfn + nrPages, MigrateType.MOVABLE, gfp) === 0) return pfn;
      }
    }
    return -1;
  }

  /** pfn_range_valid_contig(): online, in the zone, not reserved, not hugetlb. */
  private pfnRangeValidContig(zone: Zone, start: number, nr: number): boolean {
    const { mem } = this.migration.env;
    const f = mem.frames;
    for (let p = start; p < start + nr; p++) {
      if (!mem.pfnValid(p) || mem.pageZone(p) !== zone || f.testFlag(p, PG.reserved)) return false;
      const head = f.compoundHead(p);
      if (this.migration.env.hugetlb?.isHugetlb(head)) return false;
    }
    return true;
  }

  /** The one zone every pfn of the range belongs to, or undefined (holes, several zones). */
  private rangeZone(start: number, end: number): Zone | undefined {
    const { mem } = this.migration.env;
    if (!mem.pfnValid(start)) return undefined;
    const zone = mem.pageZone(start);
    for (let p = start; p < end; p++) if (!mem.pfnValid(p) || mem.pageZone(p) !== zone) return undefined;
    return zone;
  }

  /**
   * __alloc_contig_migrate_range(): isolate up to COMPACT_CLUSTER_MAX movable pages at a time and
   * migrate them to the zone's node; a list that still holds folios after
   * {@link CONTIG_MIGRATE_TRIES} passes is -EBUSY, -ENOMEM stops at once.
   */
  private migrateRange(zone: Zone, start: number, end: number, gfp: number): number {
    const env = this.migration.env;
    env.lru?.lruAddDrainAll(); // lru_cache_disable()
    const list = this.migration.newList();
    const target = this.migration.targetAllocator({ nid: zone.nid, gfpMask: GFP_USER | __GFP_MOVABLE | __GFP_RETRY_MAYFAIL });
    let pfn = start;
    let tries = 0;
    let ret = 0;
    while (pfn < end || !list.isEmpty) {
      if (list.isEmpty) {
        pfn = this.isolateMigratepagesRange(pfn, end, list);
        tries = 0;
        if (list.isEmpty) continue;
      } else if (++tries === CONTIG_MIGRATE_TRIES) {
        ret = -Errno.EBUSY;
        break;
      }
      ret = this.migration.migratePages(list, target, undefined, MigrateMode.SYNC, MigrateReason.MR_CONTIG_RANGE).ret;
      if (ret === -Errno.ENOMEM) break;
    }
    if (ret < 0) {
      if (!(gfp & __GFP_NOWARN) && ret === -Errno.EBUSY) {
        this.printk.log('warn', `alloc_contig_range: ${list.length} folio(s) of [mem 0x${(start * 4096).toString(16)}-0x${(end * 4096 - 1).toString(16)}] could not be migrated`);
      }
      this.migration.putbackMovablePages(list);
    }
    list.release();
    return ret < 0 ? ret : 0;
  }

  /**
   * isolate_migratepages_range() in alloc_contig mode: LRU folios (THPs whole), movable_ops pages
   * and in-use hugetlb folios; free and poisoned pages are skipped. Returns where to resume.
   */
  private isolateMigratepagesRange(pfn: number, end: number, list: FolioList): number {
    const env = this.migration.env;
    const f = env.mem.frames;
    let isolated = 0;
    for (; pfn < end && isolated < COMPACT_CLUSTER_MAX; pfn++) {
      const head = f.compoundHead(pfn);
      if (f.testFlag(head, PG.head)) pfn = head + (1 << f.order[head]!) - 1;
      if (f.refcount[head]! <= 0 || f.testFlag(head, PG.hwpoison)) continue;
      if (env.hugetlb?.isHugetlb(head)) {
        if (env.hugetlb.isolate(head, (h) => list.add(h))) isolated++;
        continue;
      }
      let ok = false;
      if (f.testFlag(head, PG.lru)) ok = !!env.lru && env.lru.isolateLruPage(head) === 0;
      else if (mappingIsMovable(f.mapping[head]!)) ok = this.migration.isolateMovablePage(head, ISOLATE_UNEVICTABLE) === 0;
      if (ok) {
        list.add(head);
        isolated++;
      }
    }
    return pfn;
  }

  /**
   * The tail of alloc_contig_range(): from the free block holding `start` (outer_start),
   * test_pages_isolated(), then isolate_freepages_range() and give back head and tail.
   */
  private grabRange(zone: Zone, start: number, end: number): number {
    const { alloc } = this.migration.env;
    alloc.drainAllPages(zone);
    const outerStart = freeBlockContaining(alloc.buddy, start);
    if (this.isolation.testPagesIsolated(outerStart < 0 ? start : outerStart, end, 0)) return -Errno.EBUSY;
    return takeFreeRange(alloc.buddy, zone, start, end) ? 0 : -Errno.EBUSY;
  }

  /**
   * Re-merges the free pageblocks on either side of a boundary that splitStraddlingFreeBlock()
   * split, once nothing keeps them apart any more (what unset_migratetype_isolate() does for
   * the isolated side), so no two free buddies are left unmerged.
   */
  private remerge(zone: Zone, boundary: number): void {
    const buddy = this.migration.env.alloc.buddy;
    for (const pfn of [boundary - pageblock_nr_pages, boundary]) {
      if (!zone.spansPfn(pfn) || !buddy.isBuddy(pfn)) continue;
      const order = buddy.buddyOrder(pfn);
      const mt = buddy.freeListType(pfn);
      if (order >= MAX_PAGE_ORDER || !migratetypeIsMergeable(mt) && mt !== MigrateType.CMA) continue;
      const partner = buddy.findBuddy(pfn, order);
      if (partner < 0 || buddy.freeListType(partner) !== mt) continue;
      buddy.delFromFreeList(zone, pfn, order);
      buddy.modFreepageState(zone, -(1 << order), mt);
      buddy.freeOnePage(zone, pfn, order, mt, false);
    }
  }
}
