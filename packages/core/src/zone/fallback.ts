import { MAX_PAGE_ORDER, pageblock_nr_pages, pageblock_order } from '../mem/constants';
import type { EventBus } from '../events/event-bus';
import { ALLOC_KSWAPD, ALLOC_NOFRAGMENT } from './alloc-flags';
import type { Buddy } from './buddy';
import { FALLBACKS, MIGRATE_PCPTYPES, MIGRATE_TYPES, MigrateType, migratetypeIsMergeable } from './migratetype';
import { boostWatermark } from './watermarks';
import type { Zone } from './zone';

/**
 * mm/page_alloc.c: can_steal_fallback(). Whole-pageblock stealing is allowed for large requests
 * (at least half a pageblock) and for unmovable/reclaimable ones, whose pollution we want to
 * concentrate in as few pageblocks as possible.
 */
export function canStealFallback(order: number, startMt: number): boolean {
  if (order >= pageblock_order) return true;
  return order >= pageblock_order >> 1 || startMt === MigrateType.RECLAIMABLE || startMt === MigrateType.UNMOVABLE;
}

/**
 * mm/page_alloc.c: find_suitable_fallback(). The first fallback type (fallbacks[][] order) with a
 * free block of this order, and whether stealing the whole pageblock is allowed.
 */
export function findSuitableFallback(zone: Zone, order: number, mt: number, onlyStealable: boolean, out: { canSteal: boolean }): number {
  out.canSteal = false;
  if (zone.nrFree[order] === 0) return -1;
  const fallbacks = FALLBACKS[mt]!;
  for (let i = 0; i < MIGRATE_PCPTYPES - 1; i++) {
    const fallbackMt = fallbacks[i]!;
    if (zone.nrFreeByType[order * MIGRATE_TYPES + fallbackMt] === 0) continue;
    if (canStealFallback(order, mt)) out.canSteal = true;
    if (!onlyStealable) return fallbackMt;
    if (out.canSteal) return fallbackMt;
  }
  return -1;
}

/**
 * Stealing from other migratetypes' free lists (mm/page_alloc.c: __rmqueue_fallback and
 * steal_suitable_fallback, v6.1–v6.8).
 */
export class Fallback {
  private readonly steal = { canSteal: false };
  private readonly counts = { movable: 0 };

  private readonly tpExtfrag: number;

  constructor(private readonly buddy: Buddy, private readonly events: EventBus, private readonly boostFactor: () => number) {
    this.tpExtfrag = events.tracepointId('mm_page_alloc_extfrag');
  }

  /**
   * __rmqueue_fallback(): take the largest free block of a fallback type (approximating the
   * pageblock with the most free pages), or for a movable request that may not steal the whole
   * block, the smallest one. Moves it (or its whole pageblock) to the requested type's list and
   * returns true so the caller retries __rmqueue_smallest. Emits mm_page_alloc_extfrag.
   */
  rmqueueFallback(zone: Zone, order: number, startMt: number, allocFlags: number): boolean {
    let minOrder = order;
    // Do not steal from other pageblocks' free lists below pageblock order while avoiding
    // fragmentation; the zonelist is then retried without ALLOC_NOFRAGMENT.
    if (order < pageblock_order && allocFlags & ALLOC_NOFRAGMENT) minOrder = pageblock_order;
    let current = MAX_PAGE_ORDER;
    let fallbackMt = -1;
    for (; current >= minOrder; current--) {
      fallbackMt = findSuitableFallback(zone, current, startMt, false, this.steal);
      if (fallbackMt === -1) continue;
      // We cannot steal all free pages from the pageblock and the requested migratetype is
      // movable: steal and split the smallest available page instead of the largest, because
      // it won't cause permanent fragmentation.
      if (!this.steal.canSteal && startMt === MigrateType.MOVABLE && current > order) {
        for (current = order; current <= MAX_PAGE_ORDER; current++) {
          fallbackMt = findSuitableFallback(zone, current, startMt, false, this.steal);
          if (fallbackMt !== -1) break;
        }
      }
      break;
    }
    if (fallbackMt === -1) return false;
    const pfn = this.buddy.firstFree(zone, current, fallbackMt);
    this.stealSuitableFallback(zone, pfn, allocFlags, startMt, this.steal.canSteal);
    if (this.events.listening[this.tpExtfrag]) {
      this.events.emit('mm_page_alloc_extfrag', {
        pfn,
        alloc_order: order,
        fallback_order: current,
        alloc_migratetype: startMt,
        fallback_migratetype: fallbackMt,
        change_ownership: this.buddy.pageblocks.migratetype(pfn) === startMt ? 1 : 0,
      });
    }
    return true;
  }

  /**
   * steal_suitable_fallback(): claim the whole pageblock for the new type if at least half of
   * it is free or already compatible; otherwise move just the one block. Blocks of pageblock
   * order or more change owner outright. A fragmenting fallback boosts the watermark.
   */
  stealSuitableFallback(zone: Zone, pfn: number, allocFlags: number, startType: number, wholeBlock: boolean): void {
    const b = this.buddy;
    const currentOrder = b.buddyOrder(pfn);
    const oldBlockType = b.pageblocks.migratetype(pfn);
    // This can happen due to races and we want to prevent broken highatomic accounting.
    if (oldBlockType === MigrateType.HIGHATOMIC) {
      b.moveToFreeList(zone, pfn, currentOrder, startType);
      return;
    }
    // Take ownership for orders >= pageblock_order.
    if (currentOrder >= pageblock_order) {
      b.changePageblockRange(pfn, currentOrder, startType as MigrateType);
      b.moveToFreeList(zone, pfn, currentOrder, startType);
      return;
    }
    // Boost watermarks to increase reclaim pressure and reduce future fallbacks.
    if (boostWatermark(zone, this.boostFactor()) && allocFlags & ALLOC_KSWAPD) zone.boostedWatermark = true;
    if (!wholeBlock) {
      b.moveToFreeList(zone, pfn, currentOrder, startType);
      return;
    }
    this.counts.movable = 0;
    const freePages = b.moveFreepagesBlock(zone, pfn, startType, this.counts);
    // Moving the whole block can fail due to zone boundary conditions.
    if (!freePages) {
      b.moveToFreeList(zone, pfn, currentOrder, startType);
      return;
    }
    let alikePages: number;
    if (startType === MigrateType.MOVABLE) {
      alikePages = this.counts.movable;
    } else if (oldBlockType === MigrateType.MOVABLE) {
      // Falling back an unmovable/reclaimable allocation into a movable block: every in-use
      // page that is not movable counts as compatible.
      alikePages = pageblock_nr_pages - (freePages + this.counts.movable);
    } else {
      alikePages = 0;
    }
    // If enough of the block is free or compatible, claim it.
    if (freePages + alikePages >= 1 << (pageblock_order - 1)) {
      b.pageblocks.setMigratetype(pfn, startType as MigrateType);
    }
  }

  /**
   * reserve_highatomic_pageblock(): after a successful high-order atomic allocation, turn its
   * pageblock into MIGRATE_HIGHATOMIC, up to about 1% of the zone.
   */
  reserveHighatomicPageblock(zone: Zone, pfn: number): void {
    if (Math.floor(zone.managedPages / 100) < pageblock_nr_pages) return;
    const maxManaged = Math.ceil(Math.floor(zone.managedPages / 100) / pageblock_nr_pages) * pageblock_nr_pages;
    if (zone.nrReservedHighatomic >= maxManaged) return;
    const mt = this.buddy.pageblocks.migratetype(pfn);
    // Only reserve normal pageblocks (i.e., they can merge with others).
    if (migratetypeIsMergeable(mt)) {
      zone.nrReservedHighatomic += pageblock_nr_pages;
      this.buddy.pageblocks.setMigratetype(pfn, MigrateType.HIGHATOMIC);
      this.buddy.moveFreepagesBlock(zone, pfn, MigrateType.HIGHATOMIC);
    }
  }

  /**
   * unreserve_highatomic_pageblock(): give a highatomic pageblock back to `mt` when an
   * allocation is about to fail. Keeps one pageblock unless `force`.
   */
  unreserveHighatomicPageblock(zones: readonly Zone[], mt: number, force: boolean): boolean {
    for (const zone of zones) {
      if (!force && zone.nrReservedHighatomic <= pageblock_nr_pages) continue;
      for (let order = 0; order <= MAX_PAGE_ORDER; order++) {
        const pfn = this.buddy.firstFree(zone, order, MigrateType.HIGHATOMIC);
        if (pfn < 0) continue;
        if (this.buddy.pageblocks.migratetype(pfn) === MigrateType.HIGHATOMIC) {
          zone.nrReservedHighatomic -= Math.min(pageblock_nr_pages, zone.nrReservedHighatomic);
        }
        this.buddy.pageblocks.setMigratetype(pfn, mt as MigrateType);
        if (this.buddy.moveFreepagesBlock(zone, pfn, mt)) return true;
      }
    }
    return false;
  }
}
