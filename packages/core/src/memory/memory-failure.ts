import { Errno } from '../errors';
import { NR_PAGE_ORDERS } from '../mem/constants';
import { PAGE_MAPPING_ANON, mappingIsMovable } from '../mem/mapping';
import { PG, PageType } from '../mem/page-flags';
import type { Printk } from '../kernel/printk';
import { ISOLATE_UNEVICTABLE, MigrateMode, MigrateReason } from '../migrate/migrate-mode';
import type { Migration } from '../migrate/migration';
import { __GFP_MOVABLE, __GFP_RETRY_MAYFAIL, GFP_USER } from '../zone/gfp';
import { MigrateType } from '../zone/migratetype';
import type { Hugetlb } from '../hugetlb/hugetlb';
import { folioTestHugetlb } from '../hugetlb/hugetlb-folio';

/** The vm side of poisoning a mapped page (vm/hwpoison.ts). */
export interface HwpoisonOps {
  /** hwpoison_user_mappings(): hwpoison entries replace every mapping; true if none is left. */
  unmapUserMappings(pfn: number): boolean;
  /** delete_from_lru_cache() for an anonymous page. */
  deleteFromLruCache(pfn: number): void;
}

/**
 * Hardware memory errors and their software injection (mm/memory-failure.c): soft offlining
 * (move a page's contents away and retire the frame) and memory_failure() (retire a frame now).
 * A poisoned frame is never handed out again: free ones are taken off the buddy lists, per-cpu
 * lists are drained first (seed: "mm, madvise: ensure poisoned pages are removed from per-cpu
 * lists"), and in-use ones are kept out of the allocator when their last reference goes.
 */
export class MemoryFailure {
  /** num_poisoned_pages */
  numPoisonedPages = 0;

  constructor(private readonly migration: Migration, private readonly printk: Printk, private readonly hwpoison?: HwpoisonOps, private readonly hugetlb?: Hugetlb) {}

  private get env() {
    return this.migration.env;
  }

  /** is_free_buddy_page(): pfn lies inside a free buddy block. */
  isFreeBuddyPage(pfn: number): boolean {
    const f = this.env.mem.frames;
    for (let order = 0; order < NR_PAGE_ORDERS; order++) {
      const head = pfn & ~((1 << order) - 1);
      if (f.pageType(head) === PageType.buddy && f.order[head]! >= order) return true;
    }
    return false;
  }

  /** shake_page(): push per-cpu LRU batches and free pages back so the page shows its real state. */
  private shakePage(pfn: number): void {
    this.env.lru?.lruAddDrainAll();
    this.env.alloc.drainAllPages(this.env.mem.pageZone(pfn));
  }

  /**
   * take_page_off_buddy(): remove one free page from the buddy, giving the rest of its block
   * back in smaller pieces (break_down_buddy_pages).
   */
  takePageOffBuddy(pfn: number): boolean {
    const { mem, alloc } = this.env;
    const f = mem.frames;
    const zone = mem.pageZone(pfn);
    for (let order = 0; order < NR_PAGE_ORDERS; order++) {
      const head = pfn & ~((1 << order) - 1);
      const headOrder = f.order[head]!;
      if (f.pageType(head) === PageType.buddy && headOrder >= order) {
        const mt = mem.pageblocks.migratetype(head);
        alloc.buddy.delFromFreeList(zone, head, headOrder);
        let page = head;
        let high = headOrder;
        let size = 1 << high;
        while (high > 0) {
          high--;
          size >>= 1;
          let buddy: number;
          if (pfn >= page + size) {
            buddy = page;
            page += size;
          } else buddy = page + size;
          alloc.buddy.addToFreeList(zone, buddy, high, mt, false);
        }
        if (mt !== MigrateType.ISOLATE) alloc.buddy.modFreepageState(zone, -1, mt);
        return true;
      }
      if (f.refcount[head]! > 0) break;
    }
    return false;
  }

  /** page_handle_poison(): mark the frame poisoned and keep it out of use with a reference. */
  private pageHandlePoison(pfn: number, freePage: boolean, release: boolean): boolean {
    const f = this.env.mem.frames;
    if (freePage && !this.takePageOffBuddy(pfn)) return false;
    f.setFlag(pfn, PG.hwpoison);
    if (release) this.env.alloc.putPage(pfn);
    f.refcount[pfn]!++;
    this.numPoisonedPages++;
    return true;
  }

  /**
   * get_hwpoison_page() for soft offline: 1 with a reference for an in-use page soft offline can
   * handle (LRU or movable_ops), 0 for a free page, -EIO otherwise. Pages in transit (per-cpu
   * lists, LRU batches) are shaken out first.
   */
  private getHwpoisonPage(pfn: number): number {
    const f = this.env.mem.frames;
    for (let tries = 0; tries < 3; tries++) {
      const head = f.compoundHead(pfn);
      if (f.refcount[head]! > 0) {
        if (f.testFlag(head, PG.lru) || mappingIsMovable(f.mapping[head]!)) {
          f.refcount[head]!++;
          return 1;
        }
        if (tries === 0) {
          this.shakePage(pfn);
          continue;
        }
        return -Errno.EIO;
      }
      if (this.isFreeBuddyPage(pfn)) return 0;
      this.shakePage(pfn);
    }
    return -Errno.EIO;
  }

  /**
   * soft_offline_page(): migrate an in-use page's contents elsewhere (MR_MEMORY_FAILURE,
   * MIGRATE_SYNC) and poison the old frame; a free page is simply taken off the allocator.
   * Returns 0, -EBUSY (could not isolate or migrate), -EIO (not handlable) or -ENXIO.
   */
  softOfflinePage(pfn: number): number {
    const { mem } = this.env;
    if (!Number.isInteger(pfn) || pfn < 0 || pfn >= mem.maxPfn) return -Errno.ENXIO;
    if (!mem.pfnValid(pfn)) return -Errno.EIO;
    const f = mem.frames;
    if (f.testFlag(pfn, PG.hwpoison)) {
      this.printk.log('info', `soft offline: 0x${pfn.toString(16)}: page already poisoned`);
      return 0;
    }
    if (this.hugetlb && folioTestHugetlb(f, f.compoundHead(pfn))) return this.softOfflineHugetlb(pfn, f.compoundHead(pfn));
    const got = this.getHwpoisonPage(pfn);
    if (got === 0) {
      if (this.pageHandlePoison(pfn, true, false)) return 0;
      return -Errno.EBUSY;
    }
    if (got < 0) {
      this.printk.log('info', `soft offline: 0x${pfn.toString(16)}: unknown page type`);
      return got;
    }
    return this.softOfflineInUsePage(pfn);
  }

  /**
   * try_to_split_thp_page(): lock the folio, split_huge_page(page) — the caller's reference moves
   * to `pfn`'s page — and unlock; on failure the reference is dropped. 0 or a negative errno.
   */
  tryToSplitThpPage(pfn: number): number {
    const env = this.env;
    const head = env.mem.frames.compoundHead(pfn);
    if (!env.thp || !env.locks.trylockPage(head)) {
      env.alloc.putPage(head);
      return -Errno.EBUSY;
    }
    const rc = env.thp.splitFolioToList(pfn, null);
    env.locks.unlockPage(rc === 0 ? pfn : head);
    if (rc !== 0) env.alloc.putPage(head);
    return rc;
  }

  /** soft_offline_in_use_page(): isolate, migrate, poison the old frame. */
  private softOfflineInUsePage(pfn: number): number {
    const env = this.env;
    const f = env.mem.frames;
    const head = f.compoundHead(pfn);
    if ((head !== pfn || f.testFlag(pfn, PG.head)) && this.tryToSplitThpPage(pfn) !== 0) {
      this.printk.log('info', `soft offline: 0x${pfn.toString(16)}: thp split failed`);
      return -Errno.EBUSY;
    }
    const list = this.migration.newList();
    let isolated: boolean;
    const lru = !mappingIsMovable(f.mapping[pfn]!);
    if (lru) isolated = !!env.lru && env.lru.isolateLruPage(pfn) === 0;
    else isolated = this.migration.isolateMovablePage(pfn, ISOLATE_UNEVICTABLE) === 0;
    // The isolation holds its own reference now (or failed): drop get_hwpoison_page's.
    env.alloc.putPage(pfn);
    if (!isolated) {
      list.release();
      this.printk.log('info', `soft offline: 0x${pfn.toString(16)}: page isolation failed, page count ${f.refcount[pfn]}`);
      return -Errno.EBUSY;
    }
    list.add(pfn);
    const mtc = { nid: -1, gfpMask: GFP_USER | __GFP_MOVABLE | __GFP_RETRY_MAYFAIL };
    const res = this.migration.migratePagesToTarget(list, mtc, MigrateMode.SYNC, MigrateReason.MR_MEMORY_FAILURE);
    if (res.ret === 0) {
      list.release();
      return this.pageHandlePoison(pfn, false, true) ? 0 : -Errno.EBUSY;
    }
    if (!list.isEmpty) this.migration.putbackMovablePages(list);
    list.release();
    this.printk.log('info', `soft offline: 0x${pfn.toString(16)}: page migration failed ${res.ret}`);
    return res.ret > 0 ? -Errno.EBUSY : res.ret;
  }

  /**
   * page_handle_poison(page, hugepage_or_freepage=true, release=false) for a page of a free
   * hugetlb folio: dissolve_free_huge_page() gives the folio's pages back to the buddy (seed:
   * "dissolving source hugepages into buddy"), then the raw error page alone is taken off the
   * buddy (zone_pcp_disable: per-cpu lists drained first) and poisoned; the other 511 pages
   * stay allocatable.
   */
  private hugePageHandlePoison(pfn: number): boolean {
    if (this.hugetlb!.dissolveFreeHugePage(pfn)) return false;
    this.env.alloc.drainAllPages(this.env.mem.pageZone(pfn));
    return this.pageHandlePoison(pfn, true, false);
  }

  /**
   * soft_offline_page() of a page in a hugetlb folio: a free pool folio is dissolved at once;
   * an in-use one is isolated (isolate_hugetlb), migrated to another huge page (MIGRATE_SYNC,
   * MR_MEMORY_FAILURE), and the old folio — now free in the pool — is dissolved with only the
   * raw error page poisoned.
   */
  private softOfflineHugetlb(pfn: number, head: number): number {
    const f = this.env.mem.frames;
    const where = `soft offline: 0x${pfn.toString(16)}`;
    if (f.refcount[head] === 0) return this.hugePageHandlePoison(pfn) ? 0 : -Errno.EBUSY;
    const list = this.migration.newList();
    if (!this.hugetlb!.isolateHugetlb(head, (h) => list.add(h))) {
      list.release();
      this.printk.log('info', `${where}: hugepage isolation failed, page count ${f.refcount[head]}`);
      return -Errno.EBUSY;
    }
    const mtc = { nid: -1, gfpMask: GFP_USER | __GFP_MOVABLE | __GFP_RETRY_MAYFAIL };
    const res = this.migration.migratePagesToTarget(list, mtc, MigrateMode.SYNC, MigrateReason.MR_MEMORY_FAILURE);
    if (res.ret === 0) {
      list.release();
      return this.hugePageHandlePoison(pfn) ? 0 : -Errno.EBUSY;
    }
    if (!list.isEmpty) this.migration.putbackMovablePages(list);
    list.release();
    this.printk.log('info', `${where}: hugepage migration failed ${res.ret}`);
    return res.ret > 0 ? -Errno.EBUSY : res.ret;
  }

  /**
   * try_memory_failure_hugetlb(): PageHWPoison goes on the head and the raw page is recorded
   * (hugetlb_set_page_hwpoison). A free pool folio is dissolved now: the flag moves to the raw
   * page, the healthy pages return to the buddy and the raw page is kept with a reference. An
   * in-use folio stays poisoned: when freed to the pool it is never handed out again, and
   * dissolving it later frees its healthy pages. 0, or -EHWPOISON if already recorded.
   */
  private hugetlbFailure(pfn: number, head: number): number {
    const f = this.env.mem.frames;
    const where = `Memory failure: 0x${pfn.toString(16)}`;
    if (!this.hugetlb!.setPageHwpoison(head, pfn)) {
      this.printk.log('err', `${where}: already hardware poisoned`);
      return -Errno.EHWPOISON;
    }
    this.numPoisonedPages++;
    if (f.refcount[head] !== 0) {
      this.printk.log('err', `${where}: recovery action for huge page: Delayed (retired when freed)`);
      return 0;
    }
    this.hugetlb!.dissolveFreeHugePage(pfn);
    this.env.alloc.drainAllPages(this.env.mem.pageZone(pfn));
    if (this.isFreeBuddyPage(pfn)) this.takePageOffBuddy(pfn);
    f.refcount[pfn]!++;
    this.printk.log('err', `${where}: recovery action for free huge page: Recovered`);
    return 0;
  }

  /**
   * memory_failure() (MADV_HWPOISON's effect): poison the frame now. A free frame is taken off
   * the allocator (after draining per-cpu lists, so a page cached there is not handed out
   * again); an in-use frame is marked and leaves use when its last reference is dropped.
   * Returns 0, -EHWPOISON (already poisoned), -EBUSY or -ENXIO.
   */
  memoryFailure(pfn: number): number {
    const { mem } = this.env;
    if (!Number.isInteger(pfn) || pfn < 0 || pfn >= mem.maxPfn || !mem.pfnValid(pfn)) return -Errno.ENXIO;
    const f = mem.frames;
    if (this.hugetlb && folioTestHugetlb(f, f.compoundHead(pfn))) return this.hugetlbFailure(pfn, f.compoundHead(pfn));
    if (f.testSetFlag(pfn, PG.hwpoison)) {
      this.printk.log('err', `Memory failure: 0x${pfn.toString(16)}: already hardware poisoned`);
      return -Errno.EHWPOISON;
    }
    this.numPoisonedPages++;
    if (f.refcount[f.compoundHead(pfn)]! === 0) {
      // A free page, possibly sitting on a per-cpu list: shake it into the buddy first.
      if (!this.isFreeBuddyPage(pfn)) this.shakePage(pfn);
      if (this.isFreeBuddyPage(pfn) && this.takePageOffBuddy(pfn)) {
        f.refcount[pfn]!++;
        this.printk.log('err', `Memory failure: 0x${pfn.toString(16)}: recovery action for free buddy page: Recovered`);
        return 0;
      }
      this.printk.log('err', `Memory failure: 0x${pfn.toString(16)}: recovery action for high-order kernel page: Ignored`);
      return -Errno.EBUSY;
    }
    if (this.hwpoison && mem.frames.mapping[f.compoundHead(pfn)]! & PAGE_MAPPING_ANON) return this.anonPageFailure(pfn);
    this.printk.log('err', `Memory failure: 0x${pfn.toString(16)}: recovery action for in-use page: Delayed (retired when freed)`);
    return 0;
  }

  /**
   * memory_failure() for an in-use anonymous page: take a reference that is never given back
   * (get_hwpoison_page; the frame can never be freed, so never reused), split a THP first
   * (try_to_split_thp_page; -EBUSY "unsplit thp" if pinned), lock the page, unmap it everywhere
   * with hwpoison entries (hwpoison_user_mappings) and take it off the LRU (me_pagecache_dirty →
   * delete_from_lru_cache). 0 (Recovered) or -EBUSY (Ignored).
   */
  private anonPageFailure(pfn: number): number {
    const env = this.env;
    const f = env.mem.frames;
    const head = f.compoundHead(pfn);
    const where = `Memory failure: 0x${pfn.toString(16)}`;
    f.refcount[head]!++;
    if ((head !== pfn || f.testFlag(pfn, PG.head)) && this.tryToSplitThpPage(pfn) !== 0) {
      this.printk.log('err', `${where}: recovery action for unsplit thp: Ignored`);
      return -Errno.EBUSY;
    }
    if (!env.locks.trylockPage(pfn)) {
      env.alloc.putPage(pfn);
      this.printk.log('err', `${where}: recovery action for locked page: Ignored`);
      return -Errno.EBUSY;
    }
    this.shakePage(pfn);
    const unmapped = this.hwpoison!.unmapUserMappings(pfn);
    if (unmapped) this.hwpoison!.deleteFromLruCache(pfn);
    env.locks.unlockPage(pfn);
    if (!unmapped) {
      this.printk.log('err', `${where}: failed to unmap page (mapcount=${f.mapcount[pfn]})`);
      return -Errno.EBUSY;
    }
    this.printk.log('err', `${where}: recovery action for dirty LRU page: Recovered`);
    return 0;
  }
}
