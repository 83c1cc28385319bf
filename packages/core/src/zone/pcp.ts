import * as constantsModule from '../mem/constants';
import { PG, PageType } from '../mem/page-flags';
import * as pageFlagsModule from '../mem/page-flags';
import type { EventBus } from '../events/event-bus';
import { ZoneStat } from '../stat/vmstat-items';
import type { Buddy } from './buddy';
import { MigrateType } from './migratetype';
import * as migratetypeModule from './migratetype';
import { type PerCpuPages, orderToPindex, pindexToOrder } from './per-cpu-pages';
import * as perCpuPagesModule from './per-cpu-pages';
import type { Rmqueue } from './rmqueue';
import type { Zone } from './zone';

// Imported numeric constants as module-level consts, which V8 folds into the code; an imported
// binding is a load from the exporting module at every use (see page-flags.ts).
const { PAGE_ALLOC_COSTLY_ORDER } = constantsModule;
const { PAGE_TYPE_MASK, PAGE_TYPE_SHIFT } = pageFlagsModule;
const { MIGRATE_PCPTYPES } = migratetypeModule;
const { NR_PCP_LISTS } = perCpuPagesModule;

/** mm/Kconfig: CONFIG_PCP_BATCH_SCALE_MAX (nr_pcp_free doubles the batch up to 2^5 times). */
const PCP_BATCH_SCALE_MAX = 5;
const PCP_TYPE = PageType.pcp << PAGE_TYPE_SHIFT;
const HWPOISON = 1 << PG.hwpoison;

/** mm/page_alloc.c: zone_batchsize(): ~0.1% of the zone or 1 MiB, /4, clamped to 2^n - 1. */
export function zoneBatchsize(zone: Zone): number {
  let batch = Math.min(Math.floor(zone.managedPages / 1024), 256);
  batch = Math.floor(batch / 4);
  if (batch < 1) batch = 1;
  const x = batch + Math.floor(batch / 2);
  return (1 << Math.floor(Math.log2(x))) - 1;
}

/**
 * mm/page_alloc.c: zone_highsize(): the low watermark (or managed / high_fraction) split across
 * the CPUs of the zone's node, at least 4 batches.
 */
export function zoneHighsize(zone: Zone, batch: number, nrNodeCpus: number, highFraction: number): number {
  const total = highFraction ? Math.floor(zone.managedPages / highFraction) : zone.lowWmarkPages();
  const high = Math.floor(total / Math.max(1, nrNodeCpus));
  return Math.max(high, batch << 2);
}

/**
 * The per-cpu free page lists (mm/page_alloc.c: free_unref_page, rmqueue_pcplist,
 * free_pcppages_bulk, drain_pages_zone). Pages on them have refcount 0, page type `pcp` and
 * their migratetype in `index` (set_pcppage_migratetype); they are not counted in NR_FREE_PAGES.
 */
export class PcpLists {
  private readonly flags: Uint32Array;
  private readonly index: Uint32Array;

  private readonly tpPcpuDrain: number;

  constructor(private readonly buddy: Buddy, private readonly rmq: Rmqueue, private readonly events: EventBus) {
    this.tpPcpuDrain = events.tracepointId('mm_page_pcpu_drain');
    this.flags = buddy.frames.flags;
    this.index = buddy.frames.index;
  }

  /** zone_set_pageset_high_and_batch() */
  setHighAndBatch(zone: Zone, nrNodeCpus: number, highFraction: number): void {
    // zone_batchsize() is 0 for zones under 16 MiB managed; the kernel clamps it to 1 here
    // (max(1, zone_batchsize(zone)), since b92ca18e8ca5) so frees past `high` still reach the buddy.
    const batch = Math.max(1, zoneBatchsize(zone));
    const high = zoneHighsize(zone, batch, nrNodeCpus, highFraction);
    for (const pcp of zone.pcp) {
      if (!pcp) continue;
      pcp.batch = batch;
      pcp.high = high;
    }
  }

  /**
   * free_unref_page_commit(): queue a freed block on the cpu's list; when the list holds
   * `high` pages or more, return a batch to the buddy. Caller has counted PGFREE.
   */
  freeUnrefPage(zone: Zone, pcp: PerCpuPages, pfn: number, order: number, mt: number): void {
    // HIGHATOMIC and CMA go on the movable list but keep their pcppage migratetype, so a drain
    // returns them to their own free list (free_unref_page: set_pcppage_migratetype first).
    const pindex = orderToPindex(mt >= MIGRATE_PCPTYPES ? MigrateType.MOVABLE : mt, order);
    this.buddy.lists.add(pfn, pcp.lists[pindex]!);
    this.flags[pfn] = (this.flags[pfn]! & ~PAGE_TYPE_MASK) | PCP_TYPE;
    this.index[pfn] = mt;
    pcp.count += 1 << order;
    const freeHigh = pcp.freeFactor > 0 && order > 0 && order <= PAGE_ALLOC_COSTLY_ORDER;
    const high = freeHigh ? 0 : pcp.high;
    if (pcp.count >= high) this.freePcppagesBulk(zone, this.nrPcpFree(pcp, high, freeHigh), pcp, pindex);
  }

  /** nr_pcp_free(): double the batch on consecutive frees without allocation. */
  private nrPcpFree(pcp: PerCpuPages, high: number, freeHigh: boolean): number {
    let batch = pcp.batch;
    if (freeHigh) return pcp.count;
    if (high < batch) return 1;
    const minNrFree = batch;
    const maxNrFree = high - batch;
    batch <<= pcp.freeFactor;
    if (batch < maxNrFree && pcp.freeFactor < PCP_BATCH_SCALE_MAX) pcp.freeFactor++;
    return Math.min(Math.max(batch, minNrFree), Math.max(minNrFree, maxNrFree));
  }

  /**
   * free_pcppages_bulk(): return `count` pages to the buddy, round-robin over the lists starting
   * after `pindex`, oldest (tail) first.
   */
  freePcppagesBulk(zone: Zone, count: number, pcp: PerCpuPages, pindex: number): void {
    let minP = 0;
    let maxP = NR_PCP_LISTS - 1;
    const lists = this.buddy.lists;
    count = Math.min(pcp.count, count);
    pindex = pindex - 1;
    const tracing = this.events.listening[this.tpPcpuDrain] !== 0;
    while (count > 0) {
      let head: number;
      for (;;) {
        if (++pindex > maxP) pindex = minP;
        head = pcp.lists[pindex]!;
        if (!lists.isEmpty(head)) break;
        if (pindex === maxP) maxP--;
        if (pindex === minP) minP++;
      }
      const order = pindexToOrder(pindex);
      const nr = 1 << order;
      do {
        const pfn = lists.last(head);
        const mt = this.index[pfn]!;
        lists.del(pfn);
        this.flags[pfn] = this.flags[pfn]! & ~PAGE_TYPE_MASK;
        count -= nr;
        pcp.count -= nr;
        // Pageblock could have been isolated meanwhile.
        const blockMt = this.buddy.pageblocks.migratetype(pfn);
        this.buddy.freeOnePage(zone, pfn, order, blockMt === MigrateType.ISOLATE ? blockMt : mt, false);
        if (tracing) this.events.emit('mm_page_pcpu_drain', { pfn, order, migratetype: mt });
      } while (count > 0 && !lists.isEmpty(head));
    }
  }

  /**
   * rmqueue_pcplist() + __rmqueue_pcplist(): the first page of the cpu's list for (mt, order),
   * refilling the list with a batch from the buddy when empty. Poisoned pages found on the list
   * are dropped, never handed out (check_new_pages). Returns the pfn or -1.
   */
  rmqueuePcplist(zone: Zone, pcp: PerCpuPages, order: number, mt: number, allocFlags: number): number {
    pcp.freeFactor >>= 1;
    const head = pcp.lists[orderToPindex(mt, order)]!;
    const lists = this.buddy.lists;
    for (;;) {
      if (lists.isEmpty(head)) {
        let batch = pcp.batch;
        if (batch > 1) batch = Math.max(batch >> order, 2);
        const alloced = this.rmqueueBulk(zone, order, batch, head, mt, allocFlags);
        pcp.count += alloced << order;
        if (lists.isEmpty(head)) return -1;
      }
      const pfn = lists.first(head);
      lists.del(pfn);
      this.flags[pfn] = this.flags[pfn]! & ~PAGE_TYPE_MASK;
      pcp.count -= 1 << order;
      if (!(this.flags[pfn]! & HWPOISON)) return pfn;
    }
  }

  /** rmqueue_bulk(): move `count` blocks from the buddy to a pcp list, in pfn order. */
  private rmqueueBulk(zone: Zone, order: number, count: number, head: number, mt: number, allocFlags: number): number {
    let allocated = 0;
    let i = 0;
    for (; i < count; i++) {
      const pfn = this.rmq.rmqueue(zone, order, mt, allocFlags);
      if (pfn < 0) break;
      // The list the block came from is its pcp migratetype (CMA stays CMA).
      const from = this.rmq.lastMigratetype;
      this.buddy.lists.addTail(pfn, head);
      this.flags[pfn] = (this.flags[pfn]! & ~PAGE_TYPE_MASK) | PCP_TYPE;
      this.index[pfn] = from;
      if (from === MigrateType.CMA) zone.vmStat[ZoneStat.NR_FREE_CMA_PAGES] -= 1 << order;
      allocated++;
    }
    zone.vmStat[ZoneStat.NR_FREE_PAGES] -= i << order;
    return allocated;
  }

  /** drain_pages_zone() (v6.6): give every page on the cpu's lists back to the buddy at once. */
  drainZone(zone: Zone, pcp: PerCpuPages): void {
    if (pcp.count) this.freePcppagesBulk(zone, pcp.count, pcp, 0);
  }

  /** drain_all_pages(zone): every cpu's lists of one zone, or of all zones. */
  drainAll(zones: readonly Zone[]): void {
    for (const zone of zones) for (const pcp of zone.pcp) if (pcp && pcp.count) this.drainZone(zone, pcp);
  }
}
