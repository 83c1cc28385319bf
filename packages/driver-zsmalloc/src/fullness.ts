import { ZS_OBJS_ALLOCATED, ZS_OBJS_INUSE } from './constants';
import type { SizeClass } from './size-class';
import type { Zspage } from './zspage';

/**
 * mm/zsmalloc.c: get_fullness_group() — RATIO_0 when empty, RATIO_100 when full, else
 * `100 * inuse / objs / 10 + 1` (groups 1..10 for 1..99 %); looked up in the class's table.
 */
export function getFullnessGroup(cls: SizeClass, zspage: Zspage): number {
  return cls.fullnessOfInuse[zspage.inuse]!;
}

/**
 * mm/zsmalloc.c: insert_zspage() — list_add at the head of the group (only the old head is
 * touched), count it in the class stats.
 */
export function insertZspage(cls: SizeClass, zspage: Zspage, fullness: number): void {
  cls.stats[fullness]!++;
  const head = cls.fullnessHead[fullness] ?? null;
  zspage.prev = null;
  zspage.next = head;
  if (head) head.prev = zspage;
  else {
    cls.fullnessTail[fullness] = zspage;
    cls.fullnessMask |= 1 << fullness;
  }
  cls.fullnessHead[fullness] = zspage;
  zspage.fullness = fullness;
}

/** mm/zsmalloc.c: remove_zspage() — list_del from its group's list, uncounted. */
export function removeZspage(cls: SizeClass, zspage: Zspage): void {
  const fg = zspage.fullness;
  const { next, prev } = zspage;
  if (prev) prev.next = next;
  else if (cls.fullnessHead[fg] === zspage) cls.fullnessHead[fg] = next;
  else throw new Error(`zsmalloc: zspage of class ${cls.index} is not on fullness list ${fg}`);
  if (next) next.prev = prev;
  else cls.fullnessTail[fg] = prev;
  if (!cls.fullnessHead[fg]) cls.fullnessMask &= ~(1 << fg);
  zspage.next = null;
  zspage.prev = null;
  cls.stats[fg]!--;
}

/**
 * Empties group fg's list without touching the stats (list_splice_init onto a private list)
 * and returns its zspages oldest first.
 */
export function spliceZspages(cls: SizeClass, fg: number): Zspage[] {
  const out = cls.zspagesIn(fg);
  for (const zspage of out) {
    zspage.next = null;
    zspage.prev = null;
  }
  cls.fullnessHead[fg] = null;
  cls.fullnessTail[fg] = null;
  cls.fullnessMask &= ~(1 << fg);
  return out;
}

/** mm/zsmalloc.c: fix_fullness_group() — move the zspage to the group its inuse now says; returns it. */
export function fixFullnessGroup(cls: SizeClass, zspage: Zspage): number {
  const fullness = cls.fullnessOfInuse[zspage.inuse]!;
  if (fullness === zspage.fullness) return fullness;
  removeZspage(cls, zspage);
  insertZspage(cls, zspage, fullness);
  return fullness;
}

/** The first zspage of a group (list_first_entry_or_null): the most recently inserted one. */
export function firstZspage(cls: SizeClass, fullness: number): Zspage | undefined {
  return cls.fullnessHead[fullness] ?? undefined;
}

/**
 * The fullest non-empty group in `lo..hi`, or -1: the loop `for (fg = hi; fg >= lo; fg--)` over
 * list_first_entry_or_null() that find_get_zspage() and isolate_dst_zspage() run, as one bit scan.
 */
export function fullestGroup(cls: SizeClass, lo: number, hi: number): number {
  const mask = cls.fullnessMask & ((2 << hi) - (1 << lo));
  return mask ? 31 - Math.clz32(mask) : -1;
}

/** The emptiest non-empty group in `lo..hi`, or -1 (isolate_src_zspage()'s loop upwards). */
export function emptiestGroup(cls: SizeClass, lo: number, hi: number): number {
  const mask = cls.fullnessMask & ((2 << hi) - (1 << lo));
  return mask ? 31 - Math.clz32(mask & -mask) : -1;
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
