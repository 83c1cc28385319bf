import * as constantsModule from '../mem/constants';
import { PG, PageType } from '../mem/page-flags';
import * as pageFlagsModule from '../mem/page-flags';
import type { PageFrames } from '../mem/page-frames';
import type { PageLists } from '../mem/page-list';
import { mappingIsMovable } from '../mem/mapping';
import { ZoneStat } from '../stat/vmstat-items';
import { MigrateType, migratetypeIsMergeable } from './migratetype';
import * as migratetypeModule from './migratetype';
import type { PageblockFlags } from './pageblock';
import type { PhysicalMemory } from './physical-memory';
import type { Zone } from './zone';

// Imported numeric constants as module-level consts, which V8 folds into the code; an imported
// binding is a load from the exporting module at every use (see page-flags.ts).
const { MAX_PAGE_ORDER, pageblock_nr_pages, pageblock_order } = constantsModule;
const { PAGE_TYPE_MASK, PAGE_TYPE_SHIFT, ZONEID_SHIFT } = pageFlagsModule;
const { MIGRATE_TYPES } = migratetypeModule;

const BUDDY_TYPE = PageType.buddy << PAGE_TYPE_SHIFT;

/**
 * mm/internal.h: struct capture_control as __free_one_page() sees it: direct compaction of
 * `zone` for a block of `order` and `migratetype` (capc->cc) and the block captured (capc->page).
 */
export interface CaptureControl {
  readonly zone: Zone;
  readonly order: number;
  readonly migratetype: number;
  /** The captured block's pfn; -1 until one is captured. */
  page: number;
}
const LRU_BIT = 1 << PG.lru;

/**
 * The buddy free lists of every zone (mm/page_alloc.c). A free block is a frame of page type
 * PageBuddy with `order` = its buddy order and `index` = the migratetype of the list it is on.
 *
 * Hot paths: everything here touches typed arrays only, allocates nothing and never throws.
 */
export class Buddy {
  private readonly flags: Uint32Array;
  private readonly order: Uint8Array;
  private readonly index: Uint32Array;
  private readonly maxPfn: number;
  readonly frames: PageFrames;
  readonly lists: PageLists;
  readonly pageblocks: PageblockFlags;
  /**
   * current->capture_control: set by direct compaction (compact_zone_order) while it runs, so that
   * a block of the requested order freed meanwhile goes to it instead of the free lists.
   */
  capture: CaptureControl | null = null;

  constructor(readonly mem: PhysicalMemory) {
    this.frames = mem.frames;
    this.lists = mem.lists;
    this.pageblocks = mem.pageblocks;
    this.flags = mem.frames.flags;
    this.order = mem.frames.order;
    this.index = mem.frames.index;
    this.maxPfn = mem.layout.maxPfn;
  }

  /** PageBuddy() */
  isBuddy(pfn: number): boolean {
    return (this.flags[pfn]! & PAGE_TYPE_MASK) === BUDDY_TYPE;
  }

  /** buddy_order() of a free block. */
  buddyOrder(pfn: number): number {
    return this.order[pfn]!;
  }

  /** Migratetype of the free list a buddy block sits on. */
  freeListType(pfn: number): MigrateType {
    return this.index[pfn]! as MigrateType;
  }

  /** __add_to_free_list() (head) / add_to_free_list_tail() */
  addToFreeList(zone: Zone, pfn: number, order: number, mt: number, tail: boolean): void {
    const slot = order * MIGRATE_TYPES + mt;
    if (tail) this.lists.addTail(pfn, zone.freeList[slot]!);
    else this.lists.add(pfn, zone.freeList[slot]!);
    this.flags[pfn] = (this.flags[pfn]! & ~PAGE_TYPE_MASK) | BUDDY_TYPE;
    this.order[pfn] = order;
    this.index[pfn] = mt;
    zone.nrFree[order]++;
    zone.nrFreeByType[slot]++;
  }

  /** del_page_from_free_list(): also clears PageBuddy. */
  delFromFreeList(zone: Zone, pfn: number, order: number): void {
    const slot = order * MIGRATE_TYPES + this.index[pfn]!;
    this.lists.del(pfn);
    this.flags[pfn] = this.flags[pfn]! & ~PAGE_TYPE_MASK;
    this.index[pfn] = 0;
    zone.nrFree[order]--;
    zone.nrFreeByType[slot]--;
  }

  /** move_to_free_list(): to the tail of another migratetype's list, same order. */
  moveToFreeList(zone: Zone, pfn: number, order: number, mt: number): void {
    const from = order * MIGRATE_TYPES + this.index[pfn]!;
    const to = order * MIGRATE_TYPES + mt;
    this.lists.moveTail(pfn, zone.freeList[to]!);
    this.index[pfn] = mt;
    zone.nrFreeByType[from]--;
    zone.nrFreeByType[to]++;
  }

  /** get_page_from_free_area(): first block of the list, or -1. */
  firstFree(zone: Zone, order: number, mt: number): number {
    const head = zone.freeList[order * MIGRATE_TYPES + mt]!;
    const first = this.lists.first(head);
    return first === head ? -1 : first;
  }

  /** __mod_zone_freepage_state(): NR_FREE_PAGES (and NR_FREE_CMA_PAGES) follow the buddy. */
  modFreepageState(zone: Zone, nr: number, mt: number): void {
    zone.vmStat[ZoneStat.NR_FREE_PAGES] += nr;
    if (mt === MigrateType.CMA) zone.vmStat[ZoneStat.NR_FREE_CMA_PAGES] += nr;
  }

  /**
   * find_buddy_page_pfn() + page_is_buddy(): the buddy of the block at pfn if it is free, of the
   * same order and in the same zone; else -1.
   */
  findBuddy(pfn: number, order: number): number {
    const buddy = pfn ^ (1 << order);
    if (buddy >= this.maxPfn) return -1;
    const f = this.flags[buddy]!;
    if ((f & PAGE_TYPE_MASK) !== BUDDY_TYPE) return -1;
    if (this.order[buddy] !== order) return -1;
    if (f >>> ZONEID_SHIFT !== this.flags[pfn]! >>> ZONEID_SHIFT) return -1;
    return buddy;
  }

  /**
   * __free_one_page(): merge the block with free buddies up to MAX_PAGE_ORDER and put it on the
   * free list of `mt`, at the tail when a further merge is likely (buddy_merge_likely) so that it
   * stays free longer. Merging stops at pageblock order across pageblocks whose types may not mix
   * (ISOLATE, CMA, HIGHATOMIC).
   */
  freeOnePage(zone: Zone, pfn: number, order: number, mt: number, toTail: boolean): void {
    if (this.capture !== null) {
      this.freeOnePageCapturing(zone, pfn, order, mt, toTail, this.capture);
      return;
    }
    if (mt !== MigrateType.ISOLATE) this.modFreepageState(zone, 1 << order, mt);
    let buddy = -1;
    while (order < MAX_PAGE_ORDER) {
      buddy = this.findBuddy(pfn, order);
      if (buddy < 0 || this.pageblocksForbidMerge(buddy, order, mt)) break;
      this.delFromFreeList(zone, buddy, order);
      pfn &= buddy;
      order++;
    }
    const tail = toTail || this.buddyMergeLikely(pfn, order);
    this.addToFreeList(zone, pfn, order, mt, tail);
  }

  /**
   * __free_one_page() while a compaction capture is armed (kept out of the hot path above): at each
   * merge step, compaction_capture() may take the block (task_capture_control(): same zone, nothing
   * captured yet) and it never reaches the free lists.
   */
  private freeOnePageCapturing(zone: Zone, pfn: number, order: number, mt: number, toTail: boolean, capc: CaptureControl): void {
    const armed = capc.page < 0 && capc.zone === zone;
    if (mt !== MigrateType.ISOLATE) this.modFreepageState(zone, 1 << order, mt);
    while (order < MAX_PAGE_ORDER) {
      if (armed && compactionCapture(capc, pfn, order, mt)) {
        this.modFreepageState(zone, -(1 << order), mt);
        return;
      }
      const buddy = this.findBuddy(pfn, order);
      if (buddy < 0 || this.pageblocksForbidMerge(buddy, order, mt)) break;
      this.delFromFreeList(zone, buddy, order);
      pfn &= buddy;
      order++;
    }
    this.addToFreeList(zone, pfn, order, mt, toTail || this.buddyMergeLikely(pfn, order));
  }

  /**
   * __free_one_page()'s pageblock rule: from pageblock order up, a block of type `mt` may not merge
   * with a buddy pageblock of another type unless both types are mergeable (not ISOLATE, CMA or
   * HIGHATOMIC).
   */
  private pageblocksForbidMerge(buddy: number, order: number, mt: number): boolean {
    if (order < pageblock_order) return false;
    const buddyMt = this.pageblocks.migratetype(buddy);
    return mt !== buddyMt && (!migratetypeIsMergeable(mt) || !migratetypeIsMergeable(buddyMt));
  }

  /**
   * buddy_merge_likely(): if the buddy of the block one order up is free, the block will
   * probably merge soon; queue it at the tail so it is not handed out meanwhile.
   */
  private buddyMergeLikely(pfn: number, order: number): boolean {
    if (order >= MAX_PAGE_ORDER - 1) return false;
    const buddy = pfn ^ (1 << order);
    const higher = buddy & pfn;
    return this.findBuddy(higher, order + 1) >= 0;
  }

  /**
   * expand(): split an order-`high` block taken at pfn down to order `low`, putting each upper
   * half on the free list of `mt`. The lowest part (at pfn) is what the caller gets.
   */
  expand(zone: Zone, pfn: number, low: number, high: number, mt: number): void {
    let size = 1 << high;
    while (high > low) {
      high--;
      size >>= 1;
      this.addToFreeList(zone, pfn + size, high, mt, false);
    }
  }

  /**
   * __rmqueue_smallest(): the smallest free block of at least `order` on the lists of `mt`,
   * split down to `order`. Returns the pfn or -1. NR_FREE_PAGES is left to the caller.
   */
  rmqueueSmallest(zone: Zone, order: number, mt: number): number {
    for (let current = order; current <= MAX_PAGE_ORDER; current++) {
      if (zone.nrFreeByType[current * MIGRATE_TYPES + mt] === 0) continue;
      const pfn = this.firstFree(zone, current, mt);
      this.delFromFreeList(zone, pfn, current);
      this.expand(zone, pfn, order, current, mt);
      return pfn;
    }
    return -1;
  }

  /**
   * move_freepages_block(): move every free block of the pageblock holding pfn to the lists of
   * `mt`. Returns the pages moved (0 if the pageblock crosses the zone's end) and, in
   * `counts.movable`, how many in-use pages look movable (on the LRU or __PageMovable).
   */
  moveFreepagesBlock(zone: Zone, pfn: number, mt: number, counts?: { movable: number }): number {
    let start = pfn & ~(pageblock_nr_pages - 1);
    const end = start + pageblock_nr_pages - 1;
    if (!zone.spansPfn(start)) start = pfn;
    if (!zone.spansPfn(end)) return 0;
    let moved = 0;
    const mapping = this.frames.mapping;
    for (let p = start; p <= end; ) {
      if (!this.isBuddy(p)) {
        if (counts && (this.flags[p]! & LRU_BIT || mappingIsMovable(mapping[p]!))) counts.movable++;
        p++;
        continue;
      }
      const order = this.order[p]!;
      this.moveToFreeList(zone, p, order, mt);
      p += 1 << order;
      moved += 1 << order;
    }
    return moved;
  }

  /** change_pageblock_range(): set the migratetype of every pageblock of a 2^order block. */
  changePageblockRange(pfn: number, order: number, mt: MigrateType): void {
    let nr = order >= pageblock_order ? 1 << (order - pageblock_order) : 1;
    while (nr--) {
      this.pageblocks.setMigratetype(pfn, mt);
      pfn += pageblock_nr_pages;
    }
  }
}

/**
 * mm/page_alloc.c: compaction_capture(): take a block of exactly the compaction's order, except
 * from CMA or isolated pageblocks, and not a movable sub-pageblock block for a non-movable request
 * (no worse than the normal fallback logic, but do not pollute movable pageblocks).
 */
function compactionCapture(capc: CaptureControl, pfn: number, order: number, mt: number): boolean {
  if (order !== capc.order) return false;
  // Do not accidentally pollute CMA or isolated regions
  if (mt === MigrateType.CMA || mt === MigrateType.ISOLATE) return false;
  if (order < pageblock_order && mt === MigrateType.MOVABLE && capc.migratetype !== MigrateType.MOVABLE) return false;
  capc.page = pfn;
  return true;
}
