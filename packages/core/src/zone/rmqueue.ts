import { ZoneStat } from '../stat/vmstat-items';
import * as allocFlagsModule from './alloc-flags';
import type { Buddy } from './buddy';
import type { Fallback } from './fallback';
import type { EventBus } from '../events/event-bus';
import { MigrateType } from './migratetype';
import * as migratetypeModule from './migratetype';
import { pcpAllowedOrder } from './per-cpu-pages';
import type { Zone } from './zone';

// Imported numeric constants as module-level consts, which V8 folds into the code; an imported
// binding is a load from the exporting module at every use (see page-flags.ts).
const { ALLOC_CMA } = allocFlagsModule;
const { MIGRATE_PCPTYPES } = migratetypeModule;

/**
 * mm/page_alloc.c: __rmqueue(): take a block of `order` for `mt` from the zone's free lists,
 * balancing movable allocations into CMA pageblocks and falling back to other migratetypes when
 * the own lists are empty. Returns the pfn or -1. NR_FREE_PAGES is left to the caller.
 */
export class Rmqueue {
  /** Migratetype of the list the last block came from (set_pcppage_migratetype). */
  lastMigratetype = 0;

  private readonly tpZoneLocked: number;

  constructor(private readonly buddy: Buddy, readonly fallback: Fallback, private readonly events: EventBus) {
    this.tpZoneLocked = events.tracepointId('mm_page_alloc_zone_locked');
  }

  /**
   * __rmqueue_smallest() that records the list's migratetype (set_pcppage_migratetype) and emits
   * mm_page_alloc_zone_locked (percpu_refill when the block feeds a pcp list).
   */
  smallest(zone: Zone, order: number, mt: number): number {
    const pfn = this.buddy.rmqueueSmallest(zone, order, mt);
    if (pfn >= 0) {
      this.lastMigratetype = mt;
      if (this.events.listening[this.tpZoneLocked]) {
        this.events.emit('mm_page_alloc_zone_locked', { pfn, order, migratetype: mt, percpu_refill: pcpAllowedOrder(order) && mt < MIGRATE_PCPTYPES ? 1 : 0 });
      }
    }
    return pfn;
  }

  rmqueue(zone: Zone, order: number, mt: number, allocFlags: number): number {
    let pfn: number;
    // Balance movable allocations between regular and CMA areas by allocating from CMA when
    // over half of the zone's free memory is in the CMA area.
    if (allocFlags & ALLOC_CMA && zone.vmStat[ZoneStat.NR_FREE_CMA_PAGES]! > zone.vmStat[ZoneStat.NR_FREE_PAGES]! / 2) {
      pfn = this.smallest(zone, order, MigrateType.CMA);
      if (pfn >= 0) return pfn;
    }
    for (;;) {
      pfn = this.smallest(zone, order, mt);
      if (pfn >= 0) return pfn;
      if (allocFlags & ALLOC_CMA) {
        pfn = this.smallest(zone, order, MigrateType.CMA);
        if (pfn >= 0) return pfn;
      }
      if (!this.fallback.rmqueueFallback(zone, order, mt, allocFlags)) return -1;
    }
  }
}
