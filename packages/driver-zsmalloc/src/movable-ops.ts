import { Errno, MigrateMode, type MovableOperations, PAGE_SIZE, type Page } from '@mmsim/core';
import type { ZsmallocService } from './service';
import { modZspages } from './service';
import { emitZs } from './tracepoints';
import { firstObjOffset, locationToObj, readHandleWord } from './zspage';

/** PAGE_SIZE read once: core's re-exports are CommonJS getters (see zspage.ts). */
const PAGE = PAGE_SIZE;

/**
 * zsmalloc_mops (mm/zsmalloc.c, v6.6): the movable_operations of every zsmalloc sub-page. One
 * set serves all pools; the page's zspage (page->private) names the pool.
 */
export class ZsMovableOps implements MovableOperations {
  constructor(private readonly svc: ZsmallocService) {}

  /**
   * mm/zsmalloc.c: zs_page_isolate() — always true: the page lock keeps the zspage from being
   * destroyed (free_zspage must lock every sub-page), so nothing needs to be taken off a list.
   */
  isolatePage(_page: Page, _mode: number): boolean {
    return true;
  }

  /**
   * mm/zsmalloc.c: zs_page_migrate() — refuse MIGRATE_SYNC_NO_COPY with -EINVAL (the copy must
   * happen under the pool lock). Otherwise copy the page, re-point the handle of every allocated
   * object that starts in it to (newpage, same obj_idx), replace the sub-page in the chain
   * (replace_sub_page: page->private, first object offset, huge handle, __SetPageMovable),
   * get_page(newpage), move NR_ZSPAGES between zones, reset_page(page) (__ClearPageMovable) and
   * put_page(page). Never -EAGAIN.
   */
  migratePage(dst: Page, src: Page, mode: MigrateMode): number {
    if (mode === MigrateMode.SYNC_NO_COPY) return -Errno.EINVAL;
    const { svc } = this;
    const zspage = svc.zspageOf.get(src.pfn);
    if (!zspage) return -Errno.EINVAL;
    const { pool } = zspage;
    const cls = zspage.sizeClass;
    const pageIdx = zspage.pages.indexOf(src.pfn);
    svc.mem.content.copy(dst.pfn, src.pfn);
    let moved = 0;
    if (zspage.huge) {
      if (zspage.hugeHandle) {
        pool.handles.set(zspage.hugeHandle, locationToObj(dst.pfn, 0));
        moved++;
      }
    } else {
      const base = pageIdx * PAGE;
      for (let addr = firstObjOffset(cls.size, pageIdx); addr < PAGE; addr += cls.size) {
        const objIdx = (base + addr) / cls.size;
        if (objIdx >= cls.objsPerZspage) break;
        const handle = readHandleWord(svc.mem.content, src.pfn, addr);
        if (!handle) continue;
        pool.handles.set(handle, locationToObj(dst.pfn, objIdx));
        moved++;
      }
    }
    zspage.pages[pageIdx] = dst.pfn;
    svc.zspageOf.delete(src.pfn);
    svc.zspageOf.set(dst.pfn, zspage);
    svc.movable.setPageMovable(dst.pfn, svc.entry);
    dst.get();
    if (svc.mem.pageZone(dst.pfn) !== svc.mem.pageZone(src.pfn)) {
      modZspages(svc, src.pfn, -1);
      modZspages(svc, dst.pfn, 1);
    }
    svc.movable.clearPageMovable(src.pfn);
    src.put();
    emitZs(svc, 'mmsim_zs_migrate', { pool: pool.name, class_idx: cls.index, src_pfn: src.pfn, dst_pfn: dst.pfn, objs: moved });
    return 0;
  }

  /** mm/zsmalloc.c: zs_page_putback() — nothing to undo: isolation took the page off no list. */
  putbackPage(_page: Page): void {}
}
