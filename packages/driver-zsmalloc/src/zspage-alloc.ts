import type { Blocking } from '@mmsim/core';
import { ZS_INUSE_RATIO_0, ZS_OBJS_ALLOCATED } from './constants';
import { removeZspage, spliceZspages } from './fullness';
import type { ZsPool } from './pool';
import { modZspages } from './service';
import type { SizeClass } from './size-class';
import { emitZs } from './tracepoints';
import { Zspage, objOffset, objPage, writeLinkWord } from './zspage';

/**
 * mm/zsmalloc.c: alloc_zspage() — `pages_per_zspage` order-0 pages from the buddy with the
 * caller's gfp, each counted in NR_ZSPAGES; on failure the pages already taken go back and the
 * result is null. Then create_page_chain() (page->private) and init_zspage().
 */
export function allocZspage(pool: ZsPool, cls: SizeClass, gfp: number): Zspage | null {
  const { svc } = pool;
  const pages: number[] = [];
  for (let i = 0; i < cls.pagesPerZspage; i++) {
    const page = svc.alloc.allocPages(gfp, 0);
    if (!page) {
      for (const pfn of pages) {
        modZspages(svc, pfn, -1);
        svc.alloc.putPage(pfn);
      }
      return null;
    }
    modZspages(svc, page.pfn, 1);
    pages.push(page.pfn);
  }
  const zspage = new Zspage(pool, cls, pages);
  for (const pfn of pages) svc.zspageOf.set(pfn, zspage);
  initZspage(pool, zspage);
  emitZs(svc, 'mmsim_zs_zspage_alloc', { pool: pool.name, class_idx: cls.index, first_pfn: zspage.firstPage, pages: cls.pagesPerZspage });
  return zspage;
}

/**
 * mm/zsmalloc.c: init_zspage() — link every object into the free list written in the objects'
 * first words (object i → i + 1, the last one → end), freeobj = 0.
 */
export function initZspage(pool: ZsPool, zspage: Zspage): void {
  const { size, objsPerZspage } = zspage.sizeClass;
  const { content } = pool.svc.mem;
  for (let i = 0; i < objsPerZspage; i++) {
    const next = i + 1 < objsPerZspage ? i + 1 : -1;
    writeLinkWord(content, zspage.pages[objPage(size, i)]!, objOffset(size, i), next);
    zspage.freeNext[i] = next;
  }
  zspage.freeobj = 0;
}

/** mm/zsmalloc.c: SetZsPageMovable() — __SetPageMovable(page, &zsmalloc_mops) on every sub-page, each under its page lock. */
export function setZsPageMovable(pool: ZsPool, zspage: Zspage): void {
  const { locks, movable, entry } = pool.svc;
  for (const pfn of zspage.pages) {
    if (!locks.trylockPage(pfn)) throw new Error(`zsmalloc: a fresh zspage page 0x${pfn.toString(16)} is locked by someone else (WARN_ON(!trylock_page))`);
    movable.setPageMovable(pfn, entry);
    locks.unlockPage(pfn);
  }
}

/** mm/zsmalloc.c: trylock_zspage() — every sub-page or none. */
export function trylockZspage(pool: ZsPool, zspage: Zspage): boolean {
  const { locks } = pool.svc;
  const taken: number[] = [];
  for (const pfn of zspage.pages) {
    if (!locks.trylockPage(pfn)) {
      for (const t of taken) locks.unlockPage(t);
      return false;
    }
    taken.push(pfn);
  }
  return true;
}

/**
 * mm/zsmalloc.c: free_zspage() — free an empty zspage if all its pages can be locked now;
 * otherwise leave it on the RATIO_0 list and kick the deferred free (F64). True if freed.
 */
export function freeZspage(pool: ZsPool, cls: SizeClass, zspage: Zspage): boolean {
  if (!trylockZspage(pool, zspage)) {
    kickDeferredFree(pool);
    return false;
  }
  removeZspage(cls, zspage);
  __freeZspage(pool, cls, zspage);
  return true;
}

/**
 * mm/zsmalloc.c: __free_zspage() — for each locked sub-page: reset_page() (__ClearPageMovable,
 * page->private cleared), unlock, NR_ZSPAGES--, put_page(). A page the core holds isolated keeps
 * the core's reference and is "released" (M3). Then the class and pool counters.
 */
export function __freeZspage(pool: ZsPool, cls: SizeClass, zspage: Zspage): void {
  const { svc } = pool;
  for (const pfn of zspage.pages) {
    svc.movable.clearPageMovable(pfn);
    svc.zspageOf.delete(pfn);
    svc.locks.unlockPage(pfn);
    modZspages(svc, pfn, -1);
    svc.alloc.putPage(pfn);
  }
  cls.stats[ZS_OBJS_ALLOCATED]! -= cls.objsPerZspage;
  pool.pagesAllocated -= cls.pagesPerZspage;
  emitZs(svc, 'mmsim_zs_zspage_free', { pool: pool.name, class_idx: cls.index, first_pfn: zspage.firstPage, pages: cls.pagesPerZspage });
}

/** mm/zsmalloc.c: kick_deferred_free() — queue the pool's free_work (a kernel task here). */
export function kickDeferredFree(pool: ZsPool): void {
  if (pool.freeWorkQueued) return;
  pool.freeWorkQueued = true;
  pool.svc.sched.spawn(`zs_free_work/${pool.name}`, () => asyncFreeZspage(pool));
}

/**
 * mm/zsmalloc.c: lock_zspage() — lock every sub-page, sleeping on each; a page that migrated
 * while we slept is unlocked and the new one locked instead.
 */
export function* lockZspage(pool: ZsPool, zspage: Zspage): Blocking<void> {
  const { locks } = pool.svc;
  for (let i = 0; i < zspage.pages.length; i++) {
    for (;;) {
      const pfn = zspage.pages[i]!;
      if (!locks.trylockPage(pfn)) yield* locks.lockPage(pfn);
      if (zspage.pages[i] === pfn) break;
      locks.unlockPage(pfn);
    }
  }
}

/**
 * mm/zsmalloc.c: async_free_zspage() — take every class's RATIO_0 list, then lock and free each
 * zspage (still counted in RATIO_0 until freed).
 */
export function* asyncFreeZspage(pool: ZsPool): Blocking<void> {
  pool.freeWorkQueued = false;
  const work: Zspage[] = [];
  for (const cls of pool.distinct) work.push(...spliceZspages(cls, ZS_INUSE_RATIO_0));
  for (const z of work) pool.freeing.add(z);
  for (const zspage of work) {
    if (!pool.freeing.has(zspage)) continue;
    yield* lockZspage(pool, zspage);
    pool.freeing.delete(zspage);
    zspage.sizeClass.stats[ZS_INUSE_RATIO_0]!--;
    __freeZspage(pool, zspage.sizeClass, zspage);
  }
}
