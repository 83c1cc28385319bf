import {
  ContractViolation, GFP_HIGHUSER_MOVABLE, MigrateMode, PG_isolated, PageType, VmEvent,
  __GFP_NOMEMALLOC, __GFP_NORETRY, __GFP_NOWARN, Errno, type Page,
} from '@mmsim/core';
import type { BalloonDeps } from './balloon-deps';

/**
 * The driver's migratepage callback (b_dev_info->migratepage): called by balloon_page_migrate()
 * with both pages locked; returns 0 or a negative errno.
 */
export type BalloonMigrateFn = (bDevInfo: BalloonDevInfo, newpage: Page, page: Page, mode: MigrateMode) => number;

/** The GFP mask of balloon_page_alloc() (mm/balloon_compaction.c, with balloon_mapping_gfp_mask()). */
export const BALLOON_PAGE_GFP = GFP_HIGHUSER_MOVABLE | __GFP_NOMEMALLOC | __GFP_NORETRY | __GFP_NOWARN;

/** Device ids stored in page->private of balloon pages (set_page_private(page, b_dev_info)). */
let nextDeviceId = 1;

/**
 * struct balloon_dev_info and its helpers (include/linux/balloon_compaction.h,
 * mm/balloon_compaction.c, v6.6–v6.10): the list of ballooned pages threaded through page->lru,
 * the count of pages compaction took away (`isolated_pages`) and the driver's migratepage hook.
 *
 * Invariant (kernel.md §4.2): every inflated page is either on `pages` or isolated, never both,
 * so `listLength() + isolatedPages` equals the driver's num_pages. `pages_lock` is a spinlock
 * in the kernel; the simulator runs one task at a time, so holding it is implicit in each method.
 */
export class BalloonDevInfo {
  /** page->private of this device's pages. */
  readonly id = nextDeviceId++;
  /** b_dev_info->pages: list head in the kernel's page lists (linked through page->lru). */
  readonly pages: number;
  /** b_dev_info->isolated_pages */
  isolatedPages = 0;
  /** The pfns counted in isolatedPages (not in the kernel: lets verify() name the pages). */
  readonly isolated = new Set<number>();
  /** b_dev_info->migratepage */
  migratepage: BalloonMigrateFn | undefined;

  constructor(readonly deps: BalloonDeps) {
    this.pages = deps.mem.lists.newHead();
  }

  /** Number of pages on b_dev_info->pages. */
  listLength(): number {
    return this.deps.mem.lists.length(this.pages);
  }

  /** The pfns on b_dev_info->pages, head first. */
  listPfns(): number[] {
    return this.deps.mem.lists.toArray(this.pages);
  }

  /**
   * balloon_page_alloc() (mm/balloon_compaction.c): one page with
   * GFP_HIGHUSER_MOVABLE | __GFP_NOMEMALLOC | __GFP_NORETRY | __GFP_NOWARN, or null.
   */
  balloonPageAlloc(): Page | null {
    return this.deps.allocPage(BALLOON_PAGE_GFP);
  }

  /**
   * balloon_page_insert() (include/linux/balloon_compaction.h): __SetPageOffline,
   * __SetPageMovable(page, &balloon_mops), set_page_private(page, b_dev_info),
   * list_add(&page->lru, &b_dev_info->pages). The page must be locked.
   */
  balloonPageInsert(pfn: number): void {
    const { mem, movable, entry } = this.deps;
    if (!entry) throw new Error('balloon: movable_operations are not registered yet');
    mem.frames.setPageType(pfn, PageType.offline);
    movable.setPageMovable(pfn, entry);
    mem.frames.private[pfn] = this.id;
    mem.lists.add(pfn, this.pages);
  }

  /**
   * balloon_page_delete() (include/linux/balloon_compaction.h, v6.6): __ClearPageOffline,
   * __ClearPageMovable, set_page_private(page, 0), and list_del(&page->lru) unless the page is
   * isolated (then the core owns page->lru). The page must be locked.
   */
  balloonPageDelete(pfn: number): void {
    const { mem, movable } = this.deps;
    mem.frames.setPageType(pfn, PageType.none);
    movable.clearPageMovable(pfn);
    mem.frames.private[pfn] = 0;
    if (!mem.frames.testFlag(pfn, PG_isolated)) mem.lists.del(pfn);
  }

  /**
   * balloon_page_enqueue() / balloon_page_enqueue_one() (mm/balloon_compaction.c): lock the new
   * page (BUG_ON(!trylock_page)), insert it, unlock, count BALLOON_INFLATE.
   */
  balloonPageEnqueue(page: Page): void {
    const { locks, vmstat } = this.deps;
    if (!locks.trylockPage(page.pfn)) {
      throw new ContractViolation('F54', 'balloon_page_enqueue(): a freshly allocated balloon page is locked by someone else (BUG_ON(!trylock_page))', page.describe());
    }
    this.balloonPageInsert(page.pfn);
    locks.unlockPage(page.pfn);
    vmstat.count(VmEvent.BALLOON_INFLATE);
  }

  /** balloon_page_list_enqueue(): enqueues every page of `pages`; returns how many. */
  balloonPageListEnqueue(pages: readonly Page[]): number {
    for (const page of pages) this.balloonPageEnqueue(page);
    return pages.length;
  }

  /**
   * balloon_page_list_dequeue() (mm/balloon_compaction.c): walks b_dev_info->pages and takes up
   * to `nReqPages` pages off it, skipping pages it cannot trylock or that raced with isolation;
   * each is balloon_page_delete()d and counted BALLOON_DEFLATE. Returns the pfns taken.
   */
  balloonPageListDequeue(nReqPages: number): number[] {
    const { mem, locks, vmstat } = this.deps;
    const { lists } = mem;
    const out: number[] = [];
    // list_for_each_entry_safe(): `next` is read before the entry may leave the list.
    for (let pfn = lists.first(this.pages), next = lists.getNext(pfn); pfn !== this.pages; pfn = next, next = lists.getNext(pfn)) {
      if (out.length === nReqPages) break;
      if (!locks.trylockPage(pfn)) continue;
      if (mem.frames.testFlag(pfn, PG_isolated)) {
        locks.unlockPage(pfn); // raced with isolation
        continue;
      }
      this.balloonPageDelete(pfn);
      vmstat.count(VmEvent.BALLOON_DEFLATE);
      out.push(pfn);
      locks.unlockPage(pfn);
    }
    return out;
  }

  /**
   * balloon_page_dequeue() (mm/balloon_compaction.c): one page, or -1 when the list is
   * temporarily empty because compaction isolated the pages. An empty list with no isolated
   * pages means pages were lost: the kernel BUG()s, mmsim throws a ContractViolation.
   */
  balloonPageDequeue(): number {
    const [pfn] = this.balloonPageListDequeue(1);
    if (pfn !== undefined) return pfn;
    if (this.deps.mem.lists.isEmpty(this.pages) && this.isolatedPages === 0) {
      throw new ContractViolation('F55', 'balloon_page_dequeue(): the balloon list is empty and no page is isolated, so balloon pages were lost (BUG())', undefined);
    }
    return -1;
  }

  /**
   * balloon_page_isolate() (mm/balloon_compaction.c, v6.x): list_del(&page->lru) and
   * isolated_pages++; always succeeds. Called by the core with the page locked.
   */
  balloonPageIsolate(page: Page): boolean {
    this.deps.mem.lists.del(page.pfn);
    this.isolatedPages++;
    this.isolated.add(page.pfn);
    return true;
  }

  /** balloon_page_putback() (mm/balloon_compaction.c): back on the list, isolated_pages--. */
  balloonPagePutback(page: Page): void {
    this.deps.mem.lists.add(page.pfn, this.pages);
    this.isolatedPages--;
    this.isolated.delete(page.pfn);
  }

  /**
   * balloon_page_migrate() (mm/balloon_compaction.c, v6.6–v6.10): MIGRATE_SYNC_NO_COPY is
   * refused with -EINVAL ("can not easily support the no copy case"); both pages must be locked;
   * the rest is the driver's b_dev_info->migratepage.
   */
  balloonPageMigrate(newpage: Page, page: Page, mode: MigrateMode): number {
    if (mode === MigrateMode.SYNC_NO_COPY) return -Errno.EINVAL;
    if (!page.isLocked()) throw new ContractViolation('F58', 'balloon_page_migrate(): the old page is not locked (VM_BUG_ON_PAGE)', page.describe());
    if (!newpage.isLocked()) throw new ContractViolation('F58', 'balloon_page_migrate(): the new page is not locked (VM_BUG_ON_PAGE)', newpage.describe());
    if (!this.migratepage) return -Errno.EINVAL;
    return this.migratepage(this, newpage, page, mode);
  }

  /** Gives the list head back to the kernel's page lists (the device is gone). */
  release(): void {
    this.deps.mem.lists.releaseHead(this.pages);
  }
}
