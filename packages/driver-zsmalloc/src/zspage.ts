import { PAGE_SHIFT, PAGE_SIZE, type PageContent } from '@mmsim/core';
import { OBJ_ALLOCATED_TAG, OBJ_INDEX_BITS, OBJ_TAG_BITS, ZSPAGE_MAGIC, ZS_INUSE_RATIO_0 } from './constants';
import type { ZsPool } from './pool';
import type { SizeClass } from './size-class';

/**
 * PAGE_SHIFT and the in-page offset mask as module constants: `@mmsim/core`'s re-exports are
 * CommonJS getters, which would run (a megamorphic keyed load) on every objPage()/objOffset().
 */
const SHIFT = PAGE_SHIFT;
const OFFSET_MASK = PAGE_SIZE - 1;
/** 2^OBJ_INDEX_BITS: an obj value is `pfn * OBJ_INDEX_SCALE + obj_idx`. */
const OBJ_INDEX_SCALE = 2 ** OBJ_INDEX_BITS;
/** The end of the in-page free list: `-1UL << OBJ_TAG_BITS`, as two little-endian words. */
const LINK_END_LO = 0xfffffffe;
const LINK_END_HI = 0xffffffff;

/**
 * struct zspage (mm/zsmalloc.c): a chain of `class.pagesPerZspage` pages holding
 * `class.objsPerZspage` objects back to back; object i starts at byte `i * class.size` of the
 * chain and may span two pages. Free objects form a singly linked list written in the objects'
 * first words (struct link_free), headed by `freeobj`; allocated objects start with their
 * handle | OBJ_ALLOCATED_TAG, except in huge zspages, whose handle lives beside the page
 * (page->index in the kernel, `hugeHandle` here).
 */
export class Zspage {
  readonly magic = ZSPAGE_MAGIC;
  /** The sub-pages in chain order (get_first_page / get_next_page). */
  readonly pages: number[];
  inuse = 0;
  /** Index of the first free object, or -1 when the zspage is full. */
  freeobj = 0;
  /**
   * The free list as the objects' link words hold it (`freeNext[i]` is the object after free
   * object i, -1 at the end), mirrored here so obj_malloc() need not read the page: objFree()
   * and initZspage() write both, and zsVerifyPool() checks that they agree.
   */
  readonly freeNext: Int32Array;
  fullness = ZS_INUSE_RATIO_0;
  /** Handle of the one object of a huge zspage (0 when free). */
  hugeHandle = 0;
  /** Parked for the deferred free (free_zspage could not lock every page). */
  deferred = false;
  /** ZsHugePage() */
  readonly huge: boolean;
  /** struct zspage's `list` in its fullness group (circular; both null while on no list). */
  prev: Zspage | null = null;
  next: Zspage | null = null;

  constructor(readonly pool: ZsPool, readonly sizeClass: SizeClass, pages: number[]) {
    this.pages = pages;
    this.huge = sizeClass.huge;
    this.freeNext = new Int32Array(sizeClass.objsPerZspage);
  }

  /** get_first_page() */
  get firstPage(): number {
    return this.pages[0]!;
  }
}

/** location_to_obj() */
export function locationToObj(pfn: number, objIdx: number): number {
  return pfn * OBJ_INDEX_SCALE + objIdx;
}

/** obj_to_location(): the page the object starts in and its index in the zspage. */
export function objToLocation(obj: number): { pfn: number; objIdx: number } {
  const objIdx = obj % OBJ_INDEX_SCALE;
  return { pfn: (obj - objIdx) / OBJ_INDEX_SCALE, objIdx };
}

/** obj_to_location()'s page alone (hot paths avoid the pair object; the scale is a power of two, so the division is exact). */
export function objPfn(obj: number): number {
  return Math.floor(obj / OBJ_INDEX_SCALE);
}

/**
 * obj_to_location()'s object index alone. `| 0` keeps it a small integer for V8 (it is below
 * 2^OBJ_INDEX_BITS): a float here would turn Zspage.freeobj into a double field, deprecating the
 * Zspage hidden class and deoptimising every function that handles zspages.
 */
export function objIndex(obj: number): number {
  return (obj - Math.floor(obj / OBJ_INDEX_SCALE) * OBJ_INDEX_SCALE) | 0;
}

/** The page (index in the chain) and in-page offset where object `objIdx` starts. */
export function objPosition(size: number, objIdx: number): { page: number; offset: number } {
  return { page: objPage(size, objIdx), offset: objOffset(size, objIdx) };
}

/** The chain index of the page where object `objIdx` starts (chains are at most 16 pages, so this is integer maths). */
export function objPage(size: number, objIdx: number): number {
  return (objIdx * size) >>> SHIFT;
}

/** The in-page offset where object `objIdx` starts. */
export function objOffset(size: number, objIdx: number): number {
  return (objIdx * size) & OFFSET_MASK;
}

/**
 * get_first_obj_offset(): where the first object that starts in sub-page `pageIdx` begins (the
 * bytes before it belong to an object spanning from the previous page).
 */
export function firstObjOffset(size: number, pageIdx: number): number {
  const start = pageIdx << SHIFT;
  return (Math.ceil(start / size) * size) - start;
}

/** record the handle in an allocated object's first word: `handle | OBJ_ALLOCATED_TAG`. */
export function writeHandleWord(content: PageContent, pfn: number, offset: number, handle: number): void {
  // Handles below 2^31 (all but after two hundred million allocations) are one int32 word.
  if (handle <= 0x7fffffff) content.writeU64(pfn, offset, handle | OBJ_ALLOCATED_TAG, 0);
  else content.writeU64(pfn, offset, ((handle % 2 ** 32) | OBJ_ALLOCATED_TAG) >>> 0, Math.floor(handle / 2 ** 32));
}

/** struct link_free: a free object's first word, `next << OBJ_TAG_BITS` (or the end marker). */
export function writeLinkWord(content: PageContent, pfn: number, offset: number, next: number): void {
  // The end marker goes in as int32s (-2, -1: the same bytes), so V8 passes small integers only.
  if (next < 0) content.writeU64(pfn, offset, LINK_END_LO | 0, LINK_END_HI | 0);
  else content.writeU64(pfn, offset, next << OBJ_TAG_BITS, 0);
}

/**
 * obj_allocated(): the handle stored in an object's first word, or 0 if the tag bit says the
 * object is free (the high half is read only for an allocated object).
 */
export function readHandleWord(content: PageContent, pfn: number, offset: number): number {
  const lo = content.readU32(pfn, offset);
  if (!(lo & OBJ_ALLOCATED_TAG)) return 0;
  return content.readU32(pfn, offset + 4) * 2 ** 32 + ((lo & ~OBJ_ALLOCATED_TAG) >>> 0);
}

/**
 * The next free object named by a free object's link, or -1 at the end of the list (the high
 * half is read only when the low half matches the end marker's).
 */
export function readLinkWord(content: PageContent, pfn: number, offset: number): number {
  const lo = content.readU32(pfn, offset);
  if (lo === LINK_END_LO && content.readU32(pfn, offset + 4) === LINK_END_HI) return -1;
  return lo >>> OBJ_TAG_BITS;
}
