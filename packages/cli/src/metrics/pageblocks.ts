import { MIGRATE_TYPES, PB_MIGRATE_SKIP, PB_MIGRATETYPE_MASK, pageblock_order } from '@mmsim/core';
import { PAGE_ABSENT, PAGE_FREE, PAGE_MOVABLE, PAGE_RECLAIMABLE, PAGE_UNMOVABLE } from './page-class';

/** LLFree's occupancy levels: ⌊free/64⌋ + 1 for a partly or fully free 2 MiB frame, 0 when full. */
const LEVEL_PAGES = 64;
/** Levels 0..9: 0 full, ⌊free/64⌋ + 1 for 1..511 free pages, 9 fully free. */
export const OCCUPANCY_LEVELS = (1 << pageblock_order) / LEVEL_PAGES + 2;

export interface PageblockCensus {
  /** M7: pageblocks per migratetype (MIGRATETYPE_NAMES order), blocks with memory only. */
  blocksByType: number[];
  /** M8: pageblocks of each pcp type holding ≥1 allocated page of another mobility. */
  mixedByType: number[];
  /** M8: mixed movable / movable blocks; null without movable blocks. */
  mixedMovableRatio: number | null;
  /** M9: 2 MiB regions (pageblocks) with memory, with ≥1 unmovable page, and recoverable ones (allocated pages all movable). */
  regions: number;
  unmovableRegions: number;
  unmovableSpreadRatio: number | null;
  recoverableRegions: number;
  fullyFreeRegions: number;
  /** M13: 2 MiB frames per occupancy level 0..9 (9 = fully free). */
  occupancyLevels: number[];
  /** M19: pageblocks with the compaction skip bit set. */
  skipBlocks: number;
}

/** Per-pageblock facts the memory map draws. */
export interface PageblockMap {
  /** Pageblock migratetype (0..5), or 0xff where the block has no memory. */
  migratetype: Uint8Array;
  /** Free pages in the block. */
  free: Uint16Array;
  /** Pages with memory in the block. */
  present: Uint16Array;
  /** Allocated pages whose mobility differs from the block's type (mixed-block pollution). */
  foreign: Uint16Array;
}

/**
 * M7, M8, M9, M13 and the skip-bit count from one pass over the page classes (`classes[pfn]`,
 * see page-class.ts) and the raw pageblock flag bytes. Pure: tests feed hand-made arrays.
 */
export function pageblockCensus(classes: Uint8Array, pageblockBits: Uint8Array): { census: PageblockCensus; map: PageblockMap } {
  const perBlock = 1 << pageblock_order;
  const nr = pageblockBits.length;
  const map: PageblockMap = { migratetype: new Uint8Array(nr), free: new Uint16Array(nr), present: new Uint16Array(nr), foreign: new Uint16Array(nr) };
  const blocksByType = new Array<number>(MIGRATE_TYPES).fill(0);
  const mixedByType = new Array<number>(MIGRATE_TYPES).fill(0);
  const occupancyLevels = new Array<number>(OCCUPANCY_LEVELS).fill(0);
  let regions = 0;
  let unmovableRegions = 0;
  let recoverableRegions = 0;
  let fullyFreeRegions = 0;
  let skipBlocks = 0;
  for (let b = 0; b < nr; b++) {
    const bits = pageblockBits[b]!;
    const mt = bits & PB_MIGRATETYPE_MASK;
    let free = 0;
    let present = 0;
    let foreign = 0;
    let unmovable = 0;
    let allocated = 0;
    let movable = 0;
    const end = Math.min((b + 1) * perBlock, classes.length);
    for (let pfn = b * perBlock; pfn < end; pfn++) {
      const c = classes[pfn]!;
      if (c === PAGE_ABSENT) continue;
      present++;
      if (c === PAGE_FREE) {
        free++;
        continue;
      }
      allocated++;
      if (c === PAGE_UNMOVABLE) unmovable++;
      else if (c === PAGE_MOVABLE) movable++;
      // A page is foreign to a pcp-type block when its mobility is another one (Kim's "mixed").
      if (c !== mt && (c === PAGE_UNMOVABLE || c === PAGE_MOVABLE || c === PAGE_RECLAIMABLE)) foreign++;
    }
    map.free[b] = free;
    map.present[b] = present;
    map.foreign[b] = foreign;
    if (present === 0) {
      map.migratetype[b] = 0xff;
      continue;
    }
    map.migratetype[b] = mt;
    blocksByType[mt]!++;
    if (bits & PB_MIGRATE_SKIP) skipBlocks++;
    if (foreign > 0 && mt <= PAGE_RECLAIMABLE) mixedByType[mt]!++;
    regions++;
    if (unmovable > 0) unmovableRegions++;
    if (allocated > 0 && movable === allocated) recoverableRegions++;
    if (allocated === 0) fullyFreeRegions++;
    occupancyLevels[free === 0 ? 0 : Math.floor(free / LEVEL_PAGES) + 1]!++;
  }
  const movableBlocks = blocksByType[PAGE_MOVABLE]!;
  return {
    census: {
      blocksByType,
      mixedByType,
      mixedMovableRatio: movableBlocks ? mixedByType[PAGE_MOVABLE]! / movableBlocks : null,
      regions,
      unmovableRegions,
      unmovableSpreadRatio: regions ? unmovableRegions / regions : null,
      recoverableRegions,
      fullyFreeRegions,
      occupancyLevels,
      skipBlocks,
    },
    map,
  };
}
