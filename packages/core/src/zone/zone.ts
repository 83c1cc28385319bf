import { NR_PAGE_ORDERS } from '../mem/constants';
import type { PageLists } from '../mem/page-list';
import { NUMA_STAT_NAMES, ZONE_STAT_NAMES, ZoneStat } from '../stat/vmstat-items';
import { MIGRATE_TYPES } from './migratetype';
import { PerCpuPages } from './per-cpu-pages';
import { MAX_NR_ZONES, ZONE_NAMES, ZoneType } from './zone-type';

/** include/linux/mmzone.h: enum zone_watermarks */
export const enum Wmark {
  MIN = 0,
  LOW = 1,
  HIGH = 2,
  PROMO = 3,
}

/**
 * include/linux/mmzone.h: struct zone. The free areas are the buddy free lists per order and
 * migratetype; `nrFree` is free_area[order].nr_free and `nrFreeByType` keeps the per-list counts
 * that /proc/pagetypeinfo would otherwise obtain by walking the lists.
 */
export class Zone {
  /** Global zone id: nid * MAX_NR_ZONES + type (the id stored in each frame's flags). */
  readonly id: number;
  readonly name: string;
  zoneStartPfn = 0;
  spannedPages = 0;
  presentPages = 0;
  managedPages = 0;
  cmaPages = 0;
  /** free_area[order].nr_free */
  readonly nrFree = new Int32Array(NR_PAGE_ORDERS);
  /** Blocks per (order, migratetype): index order * MIGRATE_TYPES + mt. */
  readonly nrFreeByType = new Int32Array(NR_PAGE_ORDERS * MIGRATE_TYPES);
  /** List heads per (order, migratetype), same indexing. */
  readonly freeList: Int32Array;
  /** _watermark[WMARK_MIN..WMARK_PROMO] */
  readonly watermark = new Float64Array(4);
  watermarkBoost = 0;
  /** ZONE_BOOSTED_WATERMARK in zone->flags: kswapd should be woken on the next allocation. */
  boostedWatermark = false;
  /** lowmem_reserve[MAX_NR_ZONES]: pages kept back from allocations that could use higher zones. */
  readonly lowmemReserve = new Float64Array(MAX_NR_ZONES);
  nrReservedHighatomic = 0;
  /**
   * Pages drivers took out of the managed count with adjust_managed_page_count() (balloon
   * inflation without DEFLATE_ON_OOM); negative when they gave pages back.
   */
  managedAdjusted = 0;
  /** vm_stat[] (zone_stat_item) */
  readonly vmStat = new Float64Array(ZONE_STAT_NAMES.length);
  /** vm_numa_event[] */
  readonly numaStat = new Float64Array(NUMA_STAT_NAMES.length);
  /** per_cpu_pageset, indexed by global cpu id; only CPUs of the machine exist. */
  readonly pcp: PerCpuPages[] = [];

  constructor(readonly nid: number, readonly type: ZoneType, lists: PageLists) {
    this.id = nid * MAX_NR_ZONES + type;
    this.name = ZONE_NAMES[type]!;
    this.freeList = new Int32Array(NR_PAGE_ORDERS * MIGRATE_TYPES);
    for (let i = 0; i < this.freeList.length; i++) this.freeList[i] = lists.newHead();
  }

  get zoneEndPfn(): number {
    return this.zoneStartPfn + this.spannedPages;
  }

  /** populated_zone(): has present pages. */
  get populated(): boolean {
    return this.presentPages > 0;
  }

  /** managed_zone() */
  get managed(): boolean {
    return this.managedPages > 0;
  }

  /** zone_spans_pfn() */
  spansPfn(pfn: number): boolean {
    return pfn >= this.zoneStartPfn && pfn < this.zoneStartPfn + this.spannedPages;
  }

  /** wmark_pages(): the watermark plus the current boost. */
  wmarkPages(w: Wmark): number {
    return this.watermark[w]! + this.watermarkBoost;
  }

  minWmarkPages(): number {
    return this.wmarkPages(Wmark.MIN);
  }

  lowWmarkPages(): number {
    return this.wmarkPages(Wmark.LOW);
  }

  highWmarkPages(): number {
    return this.wmarkPages(Wmark.HIGH);
  }

  /** zone_page_state(zone, NR_FREE_PAGES) */
  get freePages(): number {
    return this.vmStat[ZoneStat.NR_FREE_PAGES]!;
  }

  /** Pages sitting on this zone's per-cpu lists. */
  get pcpPages(): number {
    let n = 0;
    for (const p of this.pcp) n += p.count;
    return n;
  }

  addPcp(lists: PageLists, cpu: number): PerCpuPages {
    const pcp = new PerCpuPages(lists, cpu);
    this.pcp[cpu] = pcp;
    return pcp;
  }
}
