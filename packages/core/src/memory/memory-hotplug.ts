import { Errno, KernelError } from '../errors';
import { MAX_ORDER_NR_PAGES } from '../mem/constants';
import { mappingIsMovable } from '../mem/mapping';
import { PAGE_TYPE_MASK, PAGE_TYPE_SHIFT, PG, PageType } from '../mem/page-flags';
import { ISOLATE_UNEVICTABLE, MigrateMode, MigrateReason } from '../migrate/migrate-mode';
import type { Migration } from '../migrate/migration';
import { __GFP_MOVABLE, __GFP_RETRY_MAYFAIL, GFP_USER } from '../zone/gfp';
import { MigrateType } from '../zone/migratetype';
import { MEMORY_OFFLINE, PageIsolation, REPORT_FAILURE } from '../zone/page-isolation';
import type { Zone } from '../zone/zone';
import type { Printk } from '../kernel/printk';
import type { Hugetlb } from '../hugetlb/hugetlb';
import { folioTestHugetlb, HPG, hpageTest } from '../hugetlb/hugetlb-folio';

/** How many scan-and-migrate rounds offline_pages() makes before giving up with -EBUSY. */
export const OFFLINE_MAX_ROUNDS = 10;

/**
 * Memory hot-unplug of a pfn range (mm/memory_hotplug.c: offline_pages, scan_movable_pages,
 * do_migrate_range): isolate the range's pageblocks, migrate every LRU and movable_ops page
 * out (MR_MEMORY_HOTPLUG, MIGRATE_SYNC, preferring other nodes), then take the free pages off
 * the allocator and shrink the zone.
 *
 * Differences from the kernel, on purpose: ranges need MAX_ORDER alignment (4 MiB) rather than a
 * whole 128 MiB memory block, so small test machines can offline; and where the kernel retries
 * until a signal arrives, mmsim gives up after {@link OFFLINE_MAX_ROUNDS} rounds with -EBUSY
 * (undoing the isolation), because nothing else runs meanwhile to release the stuck page.
 */
export class MemoryHotplug {
  readonly isolation: PageIsolation;
  /** Offlined ranges (and which of their frames went offline), for onlining again. */
  private readonly offline: { start: number; end: number; zone: Zone; frames: Uint8Array }[] = [];

  constructor(private readonly migration: Migration, private readonly printk: Printk, private readonly hugetlb?: Hugetlb) {
    const { mem, alloc } = migration.env;
    this.isolation = new PageIsolation(mem, alloc.buddy);
  }

  /** offline_pages(): 0, or -EBUSY / -EINTR; bad ranges are a KernelError. */
  offlinePages(startPfn: number, nrPages: number): number {
    const env = this.migration.env;
    const { alloc } = env;
    this.checkRange(startPfn, nrPages);
    const endPfn = startPfn + nrPages;
    const zone = this.singleZone(startPfn, endPfn);
    env.lru?.lruAddDrainAll();
    alloc.drainAllPages(zone);
    const failed = { pfn: -1 };
    let rc = this.isolation.startIsolatePageRange(startPfn, endPfn, MigrateType.MOVABLE, MEMORY_OFFLINE | REPORT_FAILURE, failed);
    if (rc) {
      this.printk.log('warn', `memory offlining [mem 0x${(startPfn * 4096).toString(16)}-0x${(endPfn * 4096 - 1).toString(16)}] failed due to failure to isolate range (unmovable page at pfn 0x${failed.pfn.toString(16)})`);
      return rc;
    }
    for (let round = 0; ; round++) {
      for (let pfn = startPfn; ; ) {
        const found = this.scanMovablePages(pfn, endPfn);
        if (found < 0) break;
        pfn = this.doMigrateRange(found, endPfn);
      }
      // Dissolve free hugepages in the range before offlining (dissolve_free_huge_pages).
      rc = this.hugetlb ? this.hugetlb.dissolveFreeHugePages(startPfn, endPfn) : 0;
      alloc.drainAllPages(zone);
      if (!rc) rc = this.isolation.testPagesIsolated(startPfn, endPfn, MEMORY_OFFLINE);
      if (!rc) break;
      if (round + 1 >= OFFLINE_MAX_ROUNDS) {
        this.isolation.undoIsolatePageRange(startPfn, endPfn, MigrateType.MOVABLE);
        this.printk.log('warn', `memory offlining [mem 0x${(startPfn * 4096).toString(16)}-0x${(endPfn * 4096 - 1).toString(16)}] failed due to pages that could not be migrated`);
        return -Errno.EBUSY;
      }
    }
    this.offlineIsolatedPages(zone, startPfn, endPfn);
    return 0;
  }

  /** online_pages(): give an offlined range back to its zone's allocator. */
  onlinePages(startPfn: number, nrPages: number): void {
    const i = this.offline.findIndex((r) => r.start === startPfn && r.end === startPfn + nrPages);
    if (i < 0) throw new KernelError('EINVAL', `pfn range 0x${startPfn.toString(16)}+${nrPages} was not offlined by offlinePages(); online exactly a range that was offlined`);
    const { zone, start, end, frames } = this.offline[i]!;
    this.offline.splice(i, 1);
    const { mem, alloc } = this.migration.env;
    const f = mem.frames;
    let onlined = 0;
    for (let p = start; p < end; p += 512) mem.pageblocks.setMigratetype(p, MigrateType.MOVABLE);
    for (let p = start; p < end; p++) {
      if (!frames[p - start]) continue;
      // online_pages() re-initialises the memmap: the frame is a clean free page again.
      f.flags[p] = (f.flags[p]! & ~PAGE_TYPE_MASK & ~(1 << PG.hwpoison)) >>> 0;
      f.refcount[p] = 0;
      onlined++;
    }
    zone.presentPages += onlined;
    zone.managedPages += onlined;
    mem.nodes[zone.nid]!.nodePresentPages += onlined;
    for (let p = start; p < end; p++) if (frames[p - start]) alloc.buddy.freeOnePage(zone, p, 0, MigrateType.MOVABLE, true);
    alloc.setMinFreeKbytes(alloc.minFreeKbytes);
    alloc.invalidateZonelists();
  }

  private checkRange(startPfn: number, nrPages: number): void {
    const { mem } = this.migration.env;
    if (!Number.isInteger(startPfn) || !Number.isInteger(nrPages) || nrPages <= 0 || startPfn % MAX_ORDER_NR_PAGES || nrPages % MAX_ORDER_NR_PAGES) {
      throw new KernelError('EINVAL', `offline range 0x${Number(startPfn).toString(16)}+${nrPages} must start and end on a ${MAX_ORDER_NR_PAGES}-page (4 MiB) boundary`);
    }
    if (startPfn + nrPages > mem.maxPfn) throw new KernelError('EINVAL', `offline range ends beyond the last pfn 0x${mem.maxPfn.toString(16)}`);
  }

  /** test_pages_in_a_zone(): the range must lie in one populated zone. */
  private singleZone(startPfn: number, endPfn: number): Zone {
    const { mem } = this.migration.env;
    let zone: Zone | undefined;
    for (let p = startPfn; p < endPfn; p++) {
      if (!mem.pfnValid(p)) continue;
      const z = mem.pageZone(p);
      if (zone && z !== zone) throw new KernelError('EINVAL', `offline range 0x${startPfn.toString(16)}-0x${endPfn.toString(16)} spans more than one zone (${zone.name} and ${z.name}); offline one zone's part at a time`);
      zone = z;
    }
    if (!zone) throw new KernelError('EINVAL', `offline range 0x${startPfn.toString(16)}-0x${endPfn.toString(16)} has no online memory`);
    return zone;
  }

  /** scan_movable_pages(): the first LRU or movable_ops page at or after pfn, or -1 (-ENOENT). */
  private scanMovablePages(pfn: number, endPfn: number): number {
    const f = this.migration.env.mem.frames;
    for (; pfn < endPfn; pfn++) {
      // PageHuge(): an in-use (migratable) hugetlb folio is found; a free one is skipped.
      const head = f.compoundHead(pfn);
      if (f.testFlag(head, PG.head) && folioTestHugetlb(f, head)) {
        if (hpageTest(f, head, HPG.migratable)) return head;
        pfn = head + (1 << f.order[head]!) - 1;
        continue;
      }
      if (f.testFlag(pfn, PG.lru) || (f.refcount[pfn]! > 0 && mappingIsMovable(f.mapping[pfn]!))) return pfn;
      if (f.testFlag(pfn, PG.head) && f.refcount[pfn]! > 0 && f.testFlag(pfn, PG.lru)) return pfn;
    }
    return -1;
  }

  /**
   * do_migrate_range(): isolate what can be isolated in [pfn, end) and migrate it to other nodes
   * (this node if it is the only one), putting back what fails. Returns where to resume.
   */
  private doMigrateRange(startPfn: number, endPfn: number): number {
    const env = this.migration.env;
    const { mem } = env;
    const f = mem.frames;
    const list = this.migration.newList();
    for (let pfn = startPfn; pfn < endPfn; pfn++) {
      const head = f.compoundHead(pfn);
      if (f.testFlag(head, PG.head)) pfn = head + (1 << f.order[head]!) - 1;
      if (f.testFlag(head, PG.hwpoison) || f.refcount[head]! <= 0) continue;
      let isolated = false;
      if (env.hugetlb?.isHugetlb(head)) {
        env.hugetlb.isolate(head, (h) => list.add(h));
        continue;
      }
      if (f.testFlag(head, PG.lru)) isolated = !!env.lru && env.lru.isolateLruPage(head) === 0;
      else if (mappingIsMovable(f.mapping[head]!)) isolated = this.migration.isolateMovablePage(head, ISOLATE_UNEVICTABLE) === 0;
      if (isolated) list.add(head);
    }
    if (!list.isEmpty) {
      const nid = mem.pageZone(list.pfns()[0]!).nid;
      let nodemask = mem.nodes.map((n) => n.nid).filter((n) => n !== nid);
      if (!nodemask.length) nodemask = [nid];
      const mtc = { nid: nodemask[0]!, nodemask, gfpMask: GFP_USER | __GFP_MOVABLE | __GFP_RETRY_MAYFAIL };
      const res = this.migration.migratePagesToTarget(list, mtc, MigrateMode.SYNC, MigrateReason.MR_MEMORY_HOTPLUG);
      if (res.ret) this.migration.putbackMovablePages(list);
    }
    list.release();
    return endPfn;
  }

  /**
   * offline_isolated_pages(): the free pages of the isolated range leave the free lists and the
   * zone shrinks; watermarks and per-cpu list sizes follow (init_per_zone_wmark_min).
   */
  private offlineIsolatedPages(zone: Zone, startPfn: number, endPfn: number): void {
    const { mem, alloc } = this.migration.env;
    const f = mem.frames;
    let offlined = 0;
    const mask = new Uint8Array(endPfn - startPfn);
    for (let pfn = startPfn; pfn < endPfn; ) {
      const type = f.pageType(pfn);
      if (type === PageType.buddy) {
        const order = f.order[pfn]!;
        alloc.buddy.delFromFreeList(zone, pfn, order);
        for (let p = pfn; p < pfn + (1 << order); p++) {
          f.flags[p] = ((f.flags[p]! & ~PAGE_TYPE_MASK) | (PageType.nomap << PAGE_TYPE_SHIFT)) >>> 0;
          mask[p - startPfn] = 1;
        }
        offlined += 1 << order;
        pfn += 1 << order;
      } else {
        if (type !== PageType.nomap) {
          // Poisoned or PageOffline pages go offline too.
          f.flags[pfn] = ((f.flags[pfn]! & ~PAGE_TYPE_MASK) | (PageType.nomap << PAGE_TYPE_SHIFT)) >>> 0;
          mask[pfn - startPfn] = 1;
          offlined++;
        }
        pfn++;
      }
    }
    zone.presentPages -= offlined;
    zone.managedPages -= offlined;
    mem.nodes[zone.nid]!.nodePresentPages -= offlined;
    this.offline.push({ start: startPfn, end: endPfn, zone, frames: mask });
    alloc.setMinFreeKbytes(alloc.minFreeKbytes);
    alloc.invalidateZonelists();
  }
}
