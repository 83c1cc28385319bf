import {
  type EventBus, type InjectionToken, type MovableOpsEntry, type MovableOpsRegistry, type PageAllocator,
  type PageLocks, type PhysicalMemory, type Scheduler, ZONE_STAT_NAMES,
} from '@mmsim/core';
import type { ZsPool } from './pool';
import type { Zspage } from './zspage';

/** ZoneStat.NR_ZSPAGES, looked up by name (core's enum is const, so not importable here). */
export const NR_ZSPAGES = ZONE_STAT_NAMES.indexOf('nr_zspages');

/**
 * What zsmalloc needs from the kernel, plus the state the kernel keeps in struct page for it:
 * `zspageOf` is page->private (the zspage a sub-page belongs to), `entry` is &zsmalloc_mops.
 */
export interface ZsmallocService {
  readonly mem: PhysicalMemory;
  readonly alloc: PageAllocator;
  readonly locks: PageLocks;
  readonly movable: MovableOpsRegistry;
  readonly sched: Scheduler;
  readonly events: EventBus;
  /** The movable_operations entry every zsmalloc page points at (zsmalloc_mops). */
  readonly entry: MovableOpsEntry;
  /** page->private of every zsmalloc sub-page: its zspage. */
  readonly zspageOf: Map<number, Zspage>;
  /** Live pools by name (the debugfs zsmalloc/ directory). */
  readonly pools: Map<string, ZsPool>;
}

/** The zsmalloc service of a kernel that loaded `zsmallocDriver`: `kernel.resolve(IZsmalloc)`. */
export const IZsmalloc: InjectionToken<ZsmallocService> = Symbol('IZsmalloc');

/** inc/dec_zone_page_state(page, NR_ZSPAGES) */
export function modZspages(svc: ZsmallocService, pfn: number, delta: number): void {
  svc.mem.pageZone(pfn).vmStat[NR_ZSPAGES]! += delta;
}
