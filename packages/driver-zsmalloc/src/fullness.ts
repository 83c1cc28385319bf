import { ZS_INUSE_RATIO_0, ZS_INUSE_RATIO_100, ZS_OBJS_ALLOCATED, ZS_OBJS_INUSE } from './constants';
import type { SizeClass } from './size-class';
import type { Zspage } from './zspage';

/**
 * mm/zsmalloc.c: get_fullness_group() — RATIO_0 when empty, RATIO_100 when full, else
 * `100 * inuse / objs / 10 + 1` (groups 1..10 for 1..99 %).
 */
export function getFullnessGroup(cls: SizeClass, zspage: Zspage): number {
  const { inuse } = zspage;
  if (inuse === 0) return ZS_INUSE_RATIO_0;
  if (inuse === cls.objsPerZspage) return ZS_INUSE_RATIO_100;
  return Math.floor(Math.floor((100 * inuse) / cls.objsPerZspage) / 10) + 1;
}

/** mm/zsmalloc.c: insert_zspage() — list_add at the head of the group, count it in the class stats. */
export function insertZspage(cls: SizeClass, zspage: Zspage, fullness: number): void {
  cls.stats[fullness]!++;
  cls.fullnessList[fullness]!.push(zspage);
  zspage.fullness = fullness;
}

/** mm/zsmalloc.c: remove_zspage() — off its group's list, uncounted. */
export function removeZspage(cls: SizeClass, zspage: Zspage): void {
  const list = cls.fullnessList[zspage.fullness]!;
  const at = list.lastIndexOf(zspage);
  if (at < 0) throw new Error(`zsmalloc: zspage of class ${cls.index} is not on fullness list ${zspage.fullness}`);
  list.splice(at, 1);
  cls.stats[zspage.fullness]!--;
}

/** mm/zsmalloc.c: fix_fullness_group() — move the zspage to the group its inuse now says; returns it. */
export function fixFullnessGroup(cls: SizeClass, zspage: Zspage): number {
  const fullness = getFullnessGroup(cls, zspage);
  if (fullness === zspage.fullness) return fullness;
  removeZspage(cls, zspage);
  insertZspage(cls, zspage, fullness);
  return fullness;
}

/** The first zspage of a group (list_first_entry_or_null): the most recently inserted one. */
export function firstZspage(cls: SizeClass, fullness: number): Zspage | undefined {
  const list = cls.fullnessList[fullness]!;
  return list[list.length - 1];
}

/**
 * mm/zsmalloc.c: zs_can_compact() — pages compaction could free in a class:
 * `((obj_allocated - obj_used) / objs_per_zspage) * pages_per_zspage`.
 */
export function zsCanCompact(cls: SizeClass): number {
  const allocated = cls.stats[ZS_OBJS_ALLOCATED]!;
  const used = cls.stats[ZS_OBJS_INUSE]!;
  if (allocated <= used) return 0;
  return Math.floor((allocated - used) / cls.objsPerZspage) * cls.pagesPerZspage;
}
