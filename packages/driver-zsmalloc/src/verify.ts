import { PG_isolated } from '@mmsim/core';
import { NR_FULLNESS_GROUPS, ZSPAGE_MAGIC, ZS_INUSE_RATIO_0, ZS_OBJS_ALLOCATED, ZS_OBJS_INUSE } from './constants';
import { getFullnessGroup } from './fullness';
import type { ZsPool } from './pool';
import { NR_ZSPAGES, type ZsmallocService } from './service';
import { type Zspage, objPosition, objToLocation, readHandleWord, readLinkWord } from './zspage';

/** Checks one zspage: chain, page state, in-page free list and allocated objects. */
function verifyZspage(pool: ZsPool, zspage: Zspage, fail: (what: string) => never): void {
  const { svc } = pool;
  const cls = zspage.sizeClass;
  const where = `zspage 0x${zspage.firstPage.toString(16)} of class ${cls.index}`;
  if (zspage.magic !== ZSPAGE_MAGIC) fail(`${where}: bad magic`);
  if (zspage.pages.length !== cls.pagesPerZspage || new Set(zspage.pages).size !== cls.pagesPerZspage) fail(`${where}: chain of ${zspage.pages.length} pages, class says ${cls.pagesPerZspage}`);
  for (const pfn of zspage.pages) {
    const isolated = svc.mem.frames.testFlag(pfn, PG_isolated);
    if (svc.zspageOf.get(pfn) !== zspage) fail(`${where}: page 0x${pfn.toString(16)} does not point back at its zspage`);
    if (svc.movable.opsOf(pfn) !== svc.entry) fail(`${where}: page 0x${pfn.toString(16)} is not movable with zsmalloc_mops`);
    if (svc.mem.frames.refcount[pfn]! < (isolated ? 2 : 1)) fail(`${where}: page 0x${pfn.toString(16)} has refcount ${svc.mem.frames.refcount[pfn]}`);
  }
  const free = new Set<number>();
  if (!zspage.huge) {
    for (let idx = zspage.freeobj; idx >= 0;) {
      if (idx >= cls.objsPerZspage || free.has(idx)) fail(`${where}: free list broken at object ${idx}`);
      free.add(idx);
      const pos = objPosition(cls.size, idx);
      const next = readLinkWord(svc.mem.content, zspage.pages[pos.page]!, pos.offset);
      if (zspage.freeNext[idx] !== next) fail(`${where}: object ${idx}'s link word names ${next}, the zspage's free list mirror ${zspage.freeNext[idx]}`);
      idx = next;
    }
  } else if (zspage.freeobj === 0) free.add(0);
  if (free.size !== cls.objsPerZspage - zspage.inuse) fail(`${where}: ${free.size} free objects but inuse ${zspage.inuse} of ${cls.objsPerZspage}`);
  for (let idx = 0; idx < cls.objsPerZspage; idx++) {
    if (free.has(idx)) continue;
    const pos = objPosition(cls.size, idx);
    const pfn = zspage.pages[pos.page]!;
    const handle = zspage.huge ? zspage.hugeHandle : readHandleWord(svc.mem.content, pfn, pos.offset);
    if (!handle) fail(`${where}: object ${idx} is neither free nor tagged allocated`);
    const loc = objToLocation(pool.handles.get(handle) ?? -1);
    if (loc.pfn !== pfn || loc.objIdx !== idx) fail(`${where}: object ${idx} holds handle ${handle}, which does not resolve to it`);
  }
}

/**
 * The pool's integrity check (what a DEBUG build of mm/zsmalloc.c would VM_BUG_ON): every
 * zspage consistent, every handle resolving to an allocated object that names it, class and pool
 * statistics equal to what the zspages say (obj_used <= obj_allocated, pages = Σ zspages × chain).
 * Throws an Error naming the first problem.
 */
export function zsVerifyPool(pool: ZsPool): void {
  const fail = (what: string): never => {
    throw new Error(`zsmalloc pool "${pool.name}": ${what}`);
  };
  let pages = 0;
  let objs = 0;
  for (const cls of pool.distinct) {
    const counted = new Array<number>(NR_FULLNESS_GROUPS).fill(0);
    let allocated = 0;
    let inuse = 0;
    const listed: Zspage[] = [];
    for (let fg = 0; fg < NR_FULLNESS_GROUPS; fg++) {
      if (((cls.fullnessMask >>> fg) & 1) !== (cls.fullnessHead[fg] ? 1 : 0)) fail(`class ${cls.index} group ${fg}: the non-empty bitmask disagrees with the list head`);
      const fromTail = cls.zspagesIn(fg);
      const fromHead: Zspage[] = [];
      for (let z = cls.fullnessHead[fg]; z && fromHead.length <= fromTail.length; z = z.next) fromHead.push(z);
      fromHead.reverse();
      if (fromHead.length !== fromTail.length || fromHead.some((z, i) => z !== fromTail[i])) fail(`class ${cls.index} group ${fg}: walking the list by next and by prev gives different zspages`);
      for (const zspage of fromTail) {
        if (zspage.fullness !== fg) fail(`zspage 0x${zspage.firstPage.toString(16)} is linked into group ${fg}'s list but records group ${zspage.fullness}`);
        listed.push(zspage);
      }
    }
    const zspages = [...listed, ...[...pool.freeing].filter((z) => z.sizeClass === cls)];
    for (const zspage of zspages) {
      verifyZspage(pool, zspage, fail);
      const fg = getFullnessGroup(cls, zspage);
      if (fg !== zspage.fullness) fail(`zspage 0x${zspage.firstPage.toString(16)} is in group ${zspage.fullness}, its inuse says ${fg}`);
      if (pool.freeing.has(zspage) && fg !== ZS_INUSE_RATIO_0) fail(`zspage 0x${zspage.firstPage.toString(16)} waits for the deferred free but is not empty`);
      counted[fg]!++;
      allocated += cls.objsPerZspage;
      inuse += zspage.inuse;
      pages += cls.pagesPerZspage;
    }
    for (let fg = 0; fg < NR_FULLNESS_GROUPS; fg++) if (cls.stats[fg] !== counted[fg]) fail(`class ${cls.index} counts ${cls.stats[fg]} zspages in group ${fg}, the lists hold ${counted[fg]}`);
    if (cls.stats[ZS_OBJS_ALLOCATED] !== allocated) fail(`class ${cls.index} obj_allocated ${cls.stats[ZS_OBJS_ALLOCATED]}, zspages hold ${allocated}`);
    if (cls.stats[ZS_OBJS_INUSE] !== inuse) fail(`class ${cls.index} obj_used ${cls.stats[ZS_OBJS_INUSE]}, zspages use ${inuse}`);
    if (inuse > allocated) fail(`class ${cls.index} obj_used > obj_allocated`);
    objs += inuse;
  }
  if (pool.pagesAllocated !== pages) fail(`pages_allocated ${pool.pagesAllocated}, zspages hold ${pages}`);
  if (pool.handles.size !== objs) fail(`${pool.handles.size} handles but ${objs} allocated objects`);
}

/** NR_ZSPAGES summed over all zones equals the pages of all live pools, and every pool verifies. */
export function zsVerifyService(svc: ZsmallocService): void {
  let total = 0;
  for (const zone of svc.mem.zones) total += zone.vmStat[NR_ZSPAGES]!;
  let pages = 0;
  for (const pool of svc.pools.values()) {
    zsVerifyPool(pool);
    pages += pool.pagesAllocated;
  }
  if (total !== pages) throw new Error(`zsmalloc: NR_ZSPAGES is ${total} but the pools hold ${pages} pages`);
}
