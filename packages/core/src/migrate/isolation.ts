import { Errno, KernelError } from '../errors';
import { PG, PG_isolated } from '../mem/page-flags';
import { Page } from '../mem/page';
import { NodeStat } from '../stat/vmstat-items';
import type { MigrationEnv } from './migration-env';

/**
 * Isolation of pages for migration and their return (mm/migrate.c: isolate_movable_page,
 * putback_movable_pages), with the movable_operations contract checked around each driver call.
 */
export class MovableIsolation {
  constructor(private readonly env: MigrationEnv) {}

  /**
   * isolate_movable_page(): take a non-LRU movable page away from its driver so it can be
   * migrated. Returns 0, or -EBUSY when the page is being freed, is not movable, is locked by
   * someone else, is already isolated, or the driver refuses. On success the core holds one
   * extra reference and has set PG_isolated (M4, M5).
   */
  isolateMovablePage(pfn: number, mode = 0): number {
    const { mem, movable } = this.env;
    mem.checkPfn(pfn);
    const f = mem.frames;
    // folio_get_nontail_page(): no tail pages, and not a page on its way to the allocator.
    if (f.testFlag(pfn, PG.tail) || f.refcount[pfn]! <= 0) return -Errno.EBUSY;
    if (!movable.isMovableMapping(pfn)) return -Errno.EBUSY;
    f.refcount[pfn]!++;
    if (!this.env.locks.trylockPage(pfn)) return this.fail(pfn, false);
    const entry = movable.opsOf(pfn);
    if (!entry || f.testFlag(pfn, PG_isolated)) return this.fail(pfn, true);
    if (f.mapcount[pfn] !== 0) {
      this.fail(pfn, true);
      movable.violation('M9', 'a movable_ops page is mapped in a page table; the core never unmaps such pages', pfn, entry.driver);
    }
    const isolated = entry.ops.isolatePage(new Page(this.env.alloc, pfn), mode);
    if (!f.testFlag(pfn, PG.locked)) {
      f.refcount[pfn]!--;
      movable.violation('D2', 'isolate_page() unlocked the page; it is called and must return with the page locked', pfn, entry.driver);
    }
    if (f.testFlag(pfn, PG_isolated)) {
      f.clearFlag(pfn, PG_isolated);
      this.fail(pfn, true);
      movable.violation('M4', 'isolate_page() set PG_isolated; only the core sets and clears it', pfn, entry.driver);
    }
    if (!isolated) return this.fail(pfn, true);
    f.setFlag(pfn, PG_isolated);
    this.env.locks.unlockPage(pfn);
    return 0;
  }

  private fail(pfn: number, locked: boolean): number {
    if (locked) this.env.locks.unlockPage(pfn);
    this.env.alloc.putPage(pfn);
    return -Errno.EBUSY;
  }

  /**
   * putback_movable_pages(): return every page of the list to where it came from. Non-LRU
   * movable pages go back to their driver (putback_page, if the driver still owns them) and lose
   * PG_isolated; LRU pages go back on the LRU and leave NR_ISOLATED_* (M8: only LRU pages count).
   */
  putbackMovablePages(head: number): void {
    const { mem, movable } = this.env;
    const f = mem.frames;
    const lists = mem.lists;
    while (!lists.isEmpty(head)) {
      const pfn = lists.first(head);
      lists.del(pfn);
      if (this.env.hugetlb?.isHugetlb(pfn)) {
        // folio_putback_active_hugetlb()
        this.env.hugetlb.putbackActive(pfn);
      } else if (movable.isMovableMapping(pfn)) {
        if (!f.testFlag(pfn, PG_isolated)) movable.violation('M4', 'a movable page on a migration list is not isolated', pfn);
        this.lockForPutback(pfn);
        const entry = movable.opsOf(pfn);
        if (entry) {
          entry.ops.putbackPage(new Page(this.env.alloc, pfn));
          if (!f.testFlag(pfn, PG.locked)) {
            f.clearFlag(pfn, PG_isolated);
            this.env.alloc.putPage(pfn);
            movable.violation('D4', 'putback_page() unlocked the page; it is called and must return with the page locked', pfn, entry.driver);
          }
          if (f.refcount[pfn]! < 2) {
            f.clearFlag(pfn, PG_isolated);
            this.env.locks.unlockPage(pfn);
            movable.violation('D4', 'putback_page() dropped references it did not own (the page would be freed while isolated); drivers must not free a page in putback_page', pfn, entry.driver);
          }
        }
        f.clearFlag(pfn, PG_isolated);
        this.env.locks.unlockPage(pfn);
        this.env.alloc.putPage(pfn);
      } else {
        this.unaccountIsolated(pfn);
        this.env.lru!.folioPutbackLru(pfn);
      }
    }
  }

  /** NR_ISOLATED_ANON/FILE -= nr for an LRU folio leaving isolation. */
  unaccountIsolated(pfn: number): void {
    const { mem } = this.env;
    const f = mem.frames;
    const nr = f.testFlag(pfn, PG.head) ? 1 << f.order[pfn]! : 1;
    const file = f.testFlag(pfn, PG.swapbacked) ? 0 : 1;
    mem.nodes[mem.pageZone(pfn).nid]!.vmStat[NodeStat.NR_ISOLATED_ANON + file] -= nr;
  }

  /**
   * folio_lock() for putback. The core never sleeps here: a page lock held by a simulated task
   * at this point is reported instead of waited for.
   */
  private lockForPutback(pfn: number): void {
    if (!this.env.locks.trylockPage(pfn)) {
      throw new KernelError('EBUSY', `putback of isolated page 0x${pfn.toString(16)} found it locked by a task; release the page lock before putting pages back`);
    }
  }
}
