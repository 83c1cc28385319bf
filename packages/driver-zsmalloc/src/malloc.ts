import { GFP_KERNEL, KernelError, __GFP_HIGHMEM, __GFP_MOVABLE } from '@mmsim/core';
import {
  ZS_HANDLE_SIZE, ZS_INUSE_RATIO_0, ZS_INUSE_RATIO_99, ZS_MAX_ALLOC_SIZE, ZS_OBJS_ALLOCATED, ZS_OBJS_INUSE,
} from './constants';
import { fixFullnessGroup, fullestGroup, getFullnessGroup, insertZspage } from './fullness';
import type { ZsPool } from './pool';
import { type SizeClass, getSizeClassIndex } from './size-class';
import { allocZspage, freeZspage, setZsPageMovable } from './zspage-alloc';
import {
  type Zspage, locationToObj, objIndex, objOffset, objPage, objPfn, writeHandleWord, writeLinkWord,
} from './zspage';

/** What zram passes (and a sensible default): movable, highmem-capable pages that may reclaim. */
export const ZS_DEFAULT_GFP = GFP_KERNEL | __GFP_HIGHMEM | __GFP_MOVABLE;

/**
 * mm/zsmalloc.c: find_get_zspage() — the first zspage scanning groups 99 % down to RATIO_0
 * (the fullest non-empty group's head, found with the class's group bitmask).
 */
export function findGetZspage(cls: SizeClass): Zspage | undefined {
  const fg = fullestGroup(cls, ZS_INUSE_RATIO_0, ZS_INUSE_RATIO_99);
  return fg < 0 ? undefined : cls.fullnessHead[fg]!;
}

/**
 * mm/zsmalloc.c: obj_malloc() — pop the zspage's free list, write the handle into the object's
 * first word (beside the page for a huge zspage), count it in inuse; returns the obj value.
 */
export function objMalloc(pool: ZsPool, zspage: Zspage, handle: number): number {
  const { size } = zspage.sizeClass;
  const objIdx = zspage.freeobj;
  if (objIdx < 0) throw new Error(`zsmalloc: obj_malloc() on a full zspage of class ${zspage.sizeClass.index}`);
  const pfn = zspage.pages[objPage(size, objIdx)]!;
  if (zspage.huge) {
    zspage.freeobj = -1;
    zspage.hugeHandle = handle;
  } else {
    // link->next of the object being taken, from the zspage's mirror of the link words.
    zspage.freeobj = zspage.freeNext[objIdx]!;
    writeHandleWord(pool.svc.mem.content, pfn, objOffset(size, objIdx), handle);
  }
  zspage.inuse++;
  return locationToObj(pfn, objIdx);
}

/** mm/zsmalloc.c: obj_free() — push the object back on its zspage's free list (no stats). */
export function objFree(pool: ZsPool, obj: number): Zspage {
  const pfn = objPfn(obj);
  const objIdx = objIndex(obj);
  const zspage = pool.zspageOfPfn(pfn);
  if (zspage.huge) zspage.hugeHandle = 0;
  else {
    writeLinkWord(pool.svc.mem.content, pfn, objOffset(zspage.sizeClass.size, objIdx), zspage.freeobj);
    zspage.freeNext[objIdx] = zspage.freeobj;
  }
  zspage.freeobj = objIdx;
  zspage.inuse--;
  return zspage;
}

/**
 * mm/zsmalloc.c: zs_malloc() — allocate an object of `size` bytes and return its handle. The
 * handle word (ZS_HANDLE_SIZE) is added before the class lookup. Errors are thrown as
 * KernelError: size 0 → EINVAL, size > ZS_MAX_ALLOC_SIZE → ENOSPC (the kernel's ERR_PTR
 * values), no page for a new zspage → ENOMEM.
 */
export function zsMalloc(pool: ZsPool, size: number, gfp: number = ZS_DEFAULT_GFP): number {
  pool.checkAlive('zsMalloc');
  if (!Number.isInteger(size) || size <= 0) {
    throw new KernelError('EINVAL', `zsMalloc(${String(size)}): the size must be a positive integer number of bytes (1..${ZS_MAX_ALLOC_SIZE})`);
  }
  if (size > ZS_MAX_ALLOC_SIZE) {
    throw new KernelError('ENOSPC', `zsMalloc(${size}): zsmalloc objects are at most ZS_MAX_ALLOC_SIZE (${ZS_MAX_ALLOC_SIZE}) bytes; split the data or store it elsewhere`);
  }
  const cls = pool.classes[getSizeClassIndex(size + ZS_HANDLE_SIZE)]!;
  let zspage: Zspage | null | undefined = findGetZspage(cls);
  const handle = pool.allocHandle();
  if (zspage) {
    pool.handles.set(handle, objMalloc(pool, zspage, handle));
    fixFullnessGroup(cls, zspage);
    cls.stats[ZS_OBJS_INUSE]!++;
    return handle;
  }
  zspage = allocZspage(pool, cls, gfp);
  if (!zspage) {
    throw new KernelError('ENOMEM', `zsMalloc(${size}): no memory for a ${cls.pagesPerZspage}-page zspage of class ${cls.index} in pool "${pool.name}"; free objects, compact the pool or give the machine more memory`);
  }
  pool.handles.set(handle, objMalloc(pool, zspage, handle));
  insertZspage(cls, zspage, getFullnessGroup(cls, zspage));
  pool.pagesAllocated += cls.pagesPerZspage;
  cls.stats[ZS_OBJS_ALLOCATED]! += cls.objsPerZspage;
  cls.stats[ZS_OBJS_INUSE]!++;
  setZsPageMovable(pool, zspage);
  return handle;
}

/**
 * mm/zsmalloc.c: zs_free() — free the object, move its zspage to its new fullness group, and
 * free the zspage when it became empty (deferred if a page is locked, F64).
 */
export function zsFree(pool: ZsPool, handle: number): void {
  pool.checkAlive('zsFree');
  const obj = pool.handleToObj(handle);
  if (pool.mapped.size !== 0 && pool.mapped.has(handle)) {
    throw new KernelError('EBUSY', `zsFree(${handle}): the object is mapped; call zsUnmapObject() first`);
  }
  const zspage = objFree(pool, obj);
  const cls = zspage.sizeClass;
  cls.stats[ZS_OBJS_INUSE]!--;
  pool.handles.delete(handle);
  if (fixFullnessGroup(cls, zspage) === ZS_INUSE_RATIO_0) freeZspage(pool, cls, zspage);
}

/** mm/zsmalloc.c: zs_get_total_pages() */
export function zsGetTotalPages(pool: ZsPool): number {
  return pool.pagesAllocated;
}

/** mm/zsmalloc.c: zs_huge_class_size() — objects of this size or more are stored in 1-object, 1-page zspages. */
export function zsHugeClassSize(pool: ZsPool): number {
  return pool.hugeClassSize;
}
