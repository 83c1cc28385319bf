import { SHRINK_STOP, ZS_INUSE_RATIO_0, ZS_INUSE_RATIO_10, ZS_INUSE_RATIO_100, ZS_INUSE_RATIO_99 } from './constants';
import { emptiestGroup, fullestGroup, getFullnessGroup, insertZspage, removeZspage, zsCanCompact } from './fullness';
import { copyObject } from './map';
import { objFree, objMalloc } from './malloc';
import type { ZsPool } from './pool';
import type { SizeClass } from './size-class';
import { emitZs } from './tracepoints';
import { type Zspage, objOffset, objPage, readHandleWord } from './zspage';
import { freeZspage } from './zspage-alloc';

/** mm/zsmalloc.c: isolate_src_zspage() — the first zspage scanning groups 10 % → 99 % (the emptiest). */
function isolateSrcZspage(cls: SizeClass): Zspage | undefined {
  const fg = emptiestGroup(cls, ZS_INUSE_RATIO_10, ZS_INUSE_RATIO_99);
  if (fg < 0) return undefined;
  const zspage = cls.fullnessHead[fg]!;
  removeZspage(cls, zspage);
  return zspage;
}

/** mm/zsmalloc.c: isolate_dst_zspage() — the first zspage scanning groups 99 % → 10 % (the fullest). */
function isolateDstZspage(cls: SizeClass): Zspage | undefined {
  const fg = fullestGroup(cls, ZS_INUSE_RATIO_10, ZS_INUSE_RATIO_99);
  if (fg < 0) return undefined;
  const zspage = cls.fullnessHead[fg]!;
  removeZspage(cls, zspage);
  return zspage;
}

/** mm/zsmalloc.c: putback_zspage() — back on the list of its current group; returns the group. */
function putbackZspage(cls: SizeClass, zspage: Zspage): number {
  const fg = getFullnessGroup(cls, zspage);
  insertZspage(cls, zspage, fg);
  return fg;
}

/** The handle of allocated object `objIdx` of a zspage, or 0 if it is free (obj_allocated()). */
function allocatedHandle(pool: ZsPool, zspage: Zspage, objIdx: number): number {
  if (zspage.huge) return zspage.hugeHandle;
  const { size } = zspage.sizeClass;
  return readHandleWord(pool.svc.mem.content, zspage.pages[objPage(size, objIdx)]!, objOffset(size, objIdx));
}

/**
 * mm/zsmalloc.c: migrate_zspage() — move allocated objects from src to dst in object order:
 * obj_malloc in dst, copy, record the new obj in the handle, obj_free in src; stop when dst is
 * full or src is empty.
 */
function migrateZspage(pool: ZsPool, src: Zspage, dst: Zspage): void {
  const cls = src.sizeClass;
  for (let objIdx = 0; objIdx < cls.objsPerZspage; objIdx++) {
    const handle = allocatedHandle(pool, src, objIdx);
    if (!handle) continue;
    const usedObj = pool.handleToObj(handle);
    const freeObj = objMalloc(pool, dst, handle);
    copyObject(pool, freeObj, usedObj);
    pool.handles.set(handle, freeObj);
    objFree(pool, usedObj);
    if (dst.inuse === cls.objsPerZspage) break;
    if (src.inuse === 0) break;
  }
}

/**
 * mm/zsmalloc.c: __zs_compact() — while zs_can_compact(class): pick dst (fullest) and src
 * (emptiest), move objects, free src when it empties, put dst back once full. Returns the pages freed.
 */
function __zsCompact(pool: ZsPool, cls: SizeClass): number {
  let dst: Zspage | undefined;
  let pagesFreed = 0;
  while (zsCanCompact(cls)) {
    if (!dst) {
      dst = isolateDstZspage(cls);
      if (!dst) break;
    }
    const src = isolateSrcZspage(cls);
    if (!src) break;
    migrateZspage(pool, src, dst);
    if (putbackZspage(cls, src) === ZS_INUSE_RATIO_0 && freeZspage(pool, cls, src)) pagesFreed += cls.pagesPerZspage;
    if (getFullnessGroup(cls, dst) === ZS_INUSE_RATIO_100) {
      putbackZspage(cls, dst);
      dst = undefined;
    }
  }
  if (dst) putbackZspage(cls, dst);
  return pagesFreed;
}

/**
 * mm/zsmalloc.c: zs_compact() — compact every class from the largest to the smallest; returns
 * the pages freed and adds them to pages_compacted. A call while one runs returns 0.
 */
export function zsCompact(pool: ZsPool): number {
  pool.checkAlive('zsCompact');
  if (pool.compactionInProgress) return 0;
  pool.compactionInProgress = true;
  let pagesFreed = 0;
  try {
    for (let i = pool.classes.length - 1; i >= 0; i--) {
      const cls = pool.classes[i]!;
      if (cls.index !== i) continue;
      pagesFreed += __zsCompact(pool, cls);
    }
  } finally {
    pool.compactionInProgress = false;
  }
  pool.stats.pagesCompacted += pagesFreed;
  emitZs(pool.svc, 'mmsim_zs_compact', { pool: pool.name, pages_freed: pagesFreed, pages_compacted: pool.stats.pagesCompacted });
  return pagesFreed;
}

/** mm/zsmalloc.c: zs_shrinker_count() — Σ zs_can_compact() over the classes. */
export function zsShrinkerCount(pool: ZsPool): number {
  pool.checkAlive('zsShrinkerCount');
  return pool.distinct.reduce((n, cls) => n + zsCanCompact(cls), 0);
}

/** mm/zsmalloc.c: zs_shrinker_scan() — zs_compact(); SHRINK_STOP when nothing was freed. */
export function zsShrinkerScan(pool: ZsPool): number {
  const freed = zsCompact(pool);
  return freed ? freed : SHRINK_STOP;
}
