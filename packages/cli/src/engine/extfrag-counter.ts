import { pageblock_order, type EventBus, type MmPageAllocExtfrag } from '@mmsim/core';

/** MigrateType values (a const enum in core, so spelled out here for a runtime comparison). */
const MIGRATE_UNMOVABLE = 0;
const MIGRATE_MOVABLE = 1;

/**
 * Fragmentation events (experiments.md M10), counted from mm_page_alloc_extfrag the way mmtests'
 * MonitorFtraceextfrag does: every fallback, the fragmenting ones (fallback_order <
 * pageblock_order), unmovable allocations placed in a movable pageblock, and whole-block steals.
 */
export class ExtfragCounter {
  total = 0;
  fragmenting = 0;
  unmovableInMovable = 0;
  changeOwnership = 0;
  private readonly listener = (e: MmPageAllocExtfrag): void => {
    this.total++;
    if (e.fallback_order < pageblock_order) this.fragmenting++;
    if (e.alloc_migratetype === MIGRATE_UNMOVABLE && e.fallback_migratetype === MIGRATE_MOVABLE) this.unmovableInMovable++;
    if (e.change_ownership) this.changeOwnership++;
  };

  constructor(private readonly events: EventBus) {
    events.on('mm_page_alloc_extfrag', this.listener);
  }

  stop(): void {
    this.events.off('mm_page_alloc_extfrag', this.listener);
  }

  toJSON(): { total: number; fragmenting: number; unmovableInMovable: number; changeOwnership: number } {
    return { total: this.total, fragmenting: this.fragmenting, unmovableInMovable: this.unmovableInMovable, changeOwnership: this.changeOwnership };
  }
}
