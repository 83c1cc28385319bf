import { KernelError, PAGE_SIZE } from '@mmsim/core';
import {
  NR_CLASS_STAT_TYPES, NR_FULLNESS_GROUPS, ZS_HANDLE_SIZE, ZS_MAX_ALLOC_SIZE, ZS_MAX_CHAIN_SIZE, ZS_MIN_ALLOC_SIZE,
  ZS_INUSE_RATIO_0, ZS_INUSE_RATIO_100, ZS_MIN_CHAIN_SIZE, ZS_SIZE_CLASS_DELTA, ZS_SIZE_CLASSES,
} from './constants';
import type { Zspage } from './zspage';

/**
 * struct size_class (mm/zsmalloc.c): objects of one size, kept in zspages of
 * `pagesPerZspage` pages holding `objsPerZspage` objects each. Fullness group fg is a doubly
 * linked list through the zspages' `prev`/`next` fields (struct zspage's `list`) from
 * `fullnessHead[fg]`, the most recently inserted zspage (list_first_entry), to
 * `fullnessTail[fg]`, the oldest. `fullnessMask` has bit fg set while group fg is non-empty, so
 * find_get_zspage() and the compaction's isolate_*_zspage() pick their group with one bit scan.
 */
export class SizeClass {
  readonly fullnessHead: (Zspage | null)[] = new Array<Zspage | null>(NR_FULLNESS_GROUPS).fill(null);
  readonly fullnessTail: (Zspage | null)[] = new Array<Zspage | null>(NR_FULLNESS_GROUPS).fill(null);
  /** Bit fg set ⇔ fullnessHead[fg] !== null. */
  fullnessMask = 0;
  /** class->stats.objs[]: zspages per fullness group, then ZS_OBJS_ALLOCATED, ZS_OBJS_INUSE. */
  readonly stats = new Array<number>(NR_CLASS_STAT_TYPES).fill(0);
  /** objs_per_zspage == 1 && pages_per_zspage == 1: the zspages of this class are ZsHugePage. */
  readonly huge: boolean;
  /** get_fullness_group() for every inuse 0..objsPerZspage, computed once (it divides twice). */
  readonly fullnessOfInuse: Uint8Array;

  constructor(
    /** The index this class was created for (merged indices point at it). */
    readonly index: number,
    readonly size: number,
    readonly pagesPerZspage: number,
    readonly objsPerZspage: number,
  ) {
    this.huge = objsPerZspage === 1 && pagesPerZspage === 1;
    this.fullnessOfInuse = new Uint8Array(objsPerZspage + 1);
    for (let inuse = 0; inuse <= objsPerZspage; inuse++) this.fullnessOfInuse[inuse] = fullnessGroupOf(inuse, objsPerZspage);
  }

  /** The zspages of group fg, oldest first (the list walked backwards from its head). */
  zspagesIn(fg: number): Zspage[] {
    const out: Zspage[] = [];
    for (let z = this.fullnessTail[fg]; z; z = z.prev) out.push(z);
    return out;
  }
}

/**
 * mm/zsmalloc.c: get_fullness_group() — RATIO_0 when empty, RATIO_100 when full, else
 * `100 * inuse / objs / 10 + 1` (groups 1..10 for 1..99 %).
 */
export function fullnessGroupOf(inuse: number, objsPerZspage: number): number {
  if (inuse === 0) return ZS_INUSE_RATIO_0;
  if (inuse === objsPerZspage) return ZS_INUSE_RATIO_100;
  return Math.floor(Math.floor((100 * inuse) / objsPerZspage) / 10) + 1;
}

/**
 * mm/zsmalloc.c: calculate_zspage_chain_size() — a power-of-two size uses one page; otherwise
 * the chain length 1..maxPages with the least waste `(k * PAGE_SIZE) % size` (first minimum wins).
 */
export function calculateZspageChainSize(classSize: number, maxPages: number): number {
  if ((classSize & (classSize - 1)) === 0) return 1;
  let minWaste = Number.MAX_SAFE_INTEGER;
  let chainSize = 1;
  for (let i = 1; i <= maxPages; i++) {
    const waste = (i * PAGE_SIZE) % classSize;
    if (waste < minWaste) {
      minWaste = waste;
      chainSize = i;
    }
  }
  return chainSize;
}

/** mm/zsmalloc.c: can_merge() — same chain length and object count as the previous class. */
export function canMerge(prev: SizeClass, pagesPerZspage: number, objsPerZspage: number): boolean {
  return prev.pagesPerZspage === pagesPerZspage && prev.objsPerZspage === objsPerZspage;
}

/** mm/zsmalloc.c: get_size_class_index() — `ceil((size - 32) / 16)`, clamped to the last class. */
export function getSizeClassIndex(size: number): number {
  let idx = 0;
  if (size > ZS_MIN_ALLOC_SIZE) idx = Math.ceil((size - ZS_MIN_ALLOC_SIZE) / ZS_SIZE_CLASS_DELTA);
  return Math.min(ZS_SIZE_CLASSES - 1, idx);
}

/** The class table of one pool: `classes[i]` for every index (merged ones share an object). */
export interface SizeClassTable {
  readonly classes: readonly SizeClass[];
  /** zs_huge_class_size(): objects of this size or more (before the handle) go to the huge class. */
  readonly hugeClassSize: number;
  /** The distinct classes, smallest first (those with `class.index === i`). */
  readonly distinct: readonly SizeClass[];
}

/**
 * mm/zsmalloc.c: zs_create_pool() — the size-class loop. Classes are built from the largest
 * index down; one with the same (pages, objects) as the previously created class is merged into
 * it; huge_class_size is the first class (largest first) whose zspages hold more than one page
 * and more than one object, minus ZS_HANDLE_SIZE - 1.
 */
export function buildSizeClasses(chainSize: number): SizeClassTable {
  if (!Number.isInteger(chainSize) || chainSize < ZS_MIN_CHAIN_SIZE || chainSize > ZS_MAX_CHAIN_SIZE) {
    throw new KernelError('EINVAL', `zsmalloc chain size ${chainSize} is out of range; CONFIG_ZSMALLOC_CHAIN_SIZE takes an integer ${ZS_MIN_CHAIN_SIZE}..${ZS_MAX_CHAIN_SIZE} (default 8)`);
  }
  const classes = new Array<SizeClass>(ZS_SIZE_CLASSES);
  let prev: SizeClass | undefined;
  let hugeClassSize = 0;
  for (let i = ZS_SIZE_CLASSES - 1; i >= 0; i--) {
    const size = Math.min(ZS_MIN_ALLOC_SIZE + i * ZS_SIZE_CLASS_DELTA, ZS_MAX_ALLOC_SIZE);
    const pagesPerZspage = calculateZspageChainSize(size, chainSize);
    const objsPerZspage = Math.floor((pagesPerZspage * PAGE_SIZE) / size);
    if (pagesPerZspage !== 1 && objsPerZspage !== 1 && !hugeClassSize) hugeClassSize = size - (ZS_HANDLE_SIZE - 1);
    if (prev && canMerge(prev, pagesPerZspage, objsPerZspage)) {
      classes[i] = prev;
      continue;
    }
    prev = new SizeClass(i, size, pagesPerZspage, objsPerZspage);
    classes[i] = prev;
  }
  return { classes, hugeClassSize, distinct: classes.filter((c, i) => c.index === i) };
}
