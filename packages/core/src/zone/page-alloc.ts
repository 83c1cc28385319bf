import { ContractViolation, KernelError } from '../errors';
import type { EventBus } from '../events/event-bus';
import type { ExecutionContext } from '../kernel/current';
import type { Printk } from '../kernel/printk';
import * as constantsModule from '../mem/constants';
import { PG, PageType, formatPageFlags } from '../mem/page-flags';
import * as pageFlagsModule from '../mem/page-flags';
import type { PageFrames } from '../mem/page-frames';
import * as mappingModule from '../mem/mapping';
import { Page, type PageOwner } from '../mem/page';
import { NumaStat, VmEvent, ZoneStat } from '../stat/vmstat-items';
import type { VmStat } from '../stat/vmstat';
import { CompactResult } from '../compaction/compact-control';
import * as compactControlModule from '../compaction/compact-control';
import { type CompactRetryEvent, type CompactRetryState, shouldCompactRetry } from '../compaction/compact-retry';
import { zoneReclaimablePages } from '../compaction/suitable';
import type { AllocContext, AllocSlowpathHooks, DirectCompactResult } from './alloc-context';
import { gfpToAllocFlags, gfpToAllocFlagsCma } from './alloc-flags';
import * as allocFlagsModule from './alloc-flags';
import { Buddy } from './buddy';
import { Fallback } from './fallback';
import { formatGfp, gfpMigratetype, gfpZone, validateGfp } from './gfp';
import * as gfpModule from './gfp';
import type { VmSysctl } from './machine-config';
import { MigrateType } from './migratetype';
import { PcpLists } from './pcp';
import { pcpAllowedOrder } from './per-cpu-pages';
import type { PhysicalMemory } from './physical-memory';
import { Rmqueue } from './rmqueue';
import { calculateMinFreeKbytes, setupPerZoneLowmemReserve, setupPerZoneWmarks, zoneWatermarkFast, zoneWatermarkOk } from './watermarks';
import type { Zone } from './zone';
import { ZoneType } from './zone-type';

// Imported numeric constants as module-level consts, which V8 folds into the code; an imported
// binding is a load from the exporting module at every use (see page-flags.ts).
const { MAX_PAGE_ORDER, PAGE_ALLOC_COSTLY_ORDER } = constantsModule;
const { PAGE_FLAGS_CHECK_AT_FREE, PAGE_TYPE_MASK, PAGE_TYPE_SHIFT, ZONEID_MASK } = pageFlagsModule;
const { PAGE_MAPPING_FLAGS, PAGE_MAPPING_MOVABLE } = mappingModule;
const { DEF_COMPACT_PRIORITY, INIT_COMPACT_PRIORITY } = compactControlModule;
const { ALLOC_CMA, ALLOC_HIGHATOMIC, ALLOC_KSWAPD, ALLOC_NOFRAGMENT, ALLOC_NO_WATERMARKS, ALLOC_OOM, ALLOC_WMARK_HIGH, ALLOC_WMARK_LOW, ALLOC_WMARK_MASK } = allocFlagsModule;
const { __GFP_COMP, __GFP_DIRECT_RECLAIM, __GFP_KSWAPD_RECLAIM, __GFP_NOFAIL, __GFP_NORETRY, __GFP_NOWARN, __GFP_BITS_MASK, __GFP_MEMALLOC, __GFP_NOMEMALLOC, __GFP_RETRY_MAYFAIL, __GFP_THISNODE, __GFP_ZERO } = gfpModule;

/** mm/internal.h: MAX_RECLAIM_RETRIES */
const MAX_RECLAIM_RETRIES = 16;
const HWPOISON = 1 << PG.hwpoison;
const HEAD = 1 << PG.head;
const TAIL = 1 << PG.tail;
const BUDDY_TYPE = PageType.buddy << PAGE_TYPE_SHIFT;
const PCP_TYPE = PageType.pcp << PAGE_TYPE_SHIFT;
/** Bits a freed page keeps: its zone and the poison mark (free_pages_prepare: ~PAGE_FLAGS_CHECK_AT_PREP). */
const KEEP_AT_FREE = (ZONEID_MASK | HWPOISON) >>> 0;

/**
 * A mapping word that free_pages_prepare() objects to: a file mapping (no low bits). Anonymous,
 * KSM and released movable mappings (PageMappingFlags) are simply cleared at free; a movable page
 * whose driver still owns it is D5 (checked by isOwnedMovable).
 */
function fileMapping(mapping: number): number {
  return mapping & PAGE_MAPPING_FLAGS ? (isOwnedMovable(mapping) ? 1 : 0) : mapping;
}

/** __PageMovable with ops still attached (not __ClearPageMovable'd). */
function isOwnedMovable(mapping: number): boolean {
  return (mapping & PAGE_MAPPING_FLAGS) === PAGE_MAPPING_MOVABLE && mapping >>> 2 !== 0;
}

/** Cold path of the order checks (kept out of line so the hot functions stay inlinable). */
function badOrder(order: number): never {
  throw new KernelError('EINVAL', `order ${order} is out of range; the buddy allocator serves orders 0..${MAX_PAGE_ORDER} (MAX_PAGE_ORDER)`);
}

/** Options of a page allocation request. */
export interface AllocOptions {
  /** Preferred node (numa_node_id() of the current CPU by default). */
  nid?: number;
  /** Nodes the allocation may use (a nodemask); all by default. */
  nodemask?: readonly number[];
}

/**
 * The page allocator (mm/page_alloc.c): __alloc_pages with its fast path (get_page_from_freelist
 * at the low watermark) and slow path, the per-cpu lists, and the free path with the checks of
 * free_pages_prepare, which here throw a ContractViolation before anything is changed.
 */
export class PageAllocator implements PageOwner {
  readonly frames: PageFrames;
  readonly buddy: Buddy;
  readonly fallback: Fallback;
  readonly rmq: Rmqueue;
  readonly pcp: PcpLists;
  /** vm.min_free_kbytes in force. */
  minFreeKbytes = 0;
  private hooks: AllocSlowpathHooks = {};
  /** did_some_progress of the last __alloc_pages_may_oom(). */
  private oomProgress = false;
  private readonly acCache: AllocContext[] = [];
  private lastAc: AllocContext | undefined;
  private lastGfp = -1;
  private lastNid = -2;
  private lastCpu = -1;
  private readonly multiNode: boolean;
  private readonly vmEvents: Float64Array;
  private readonly tpPageAlloc: number;
  private readonly tpPageFree: number;
  private readonly tpCompactRetry: number;
  private readonly flags: Uint32Array;
  private readonly refcount: Int32Array;
  private readonly orderArr: Uint8Array;

  constructor(
    readonly mem: PhysicalMemory,
    private readonly events: EventBus,
    private readonly vmstat: VmStat,
    private readonly current: ExecutionContext,
    readonly sysctl: VmSysctl,
    private readonly printk: Printk,
  ) {
    this.frames = mem.frames;
    this.flags = mem.frames.flags;
    this.refcount = mem.frames.refcount;
    this.orderArr = mem.frames.order;
    this.multiNode = mem.nodes.length > 1;
    this.vmEvents = vmstat.events;
    this.tpPageAlloc = events.tracepointId('mm_page_alloc');
    this.tpPageFree = events.tracepointId('mm_page_free');
    this.tpCompactRetry = events.tracepointId('compact_retry');
    this.buddy = new Buddy(mem);
    this.fallback = new Fallback(this.buddy, events, () => this.sysctl.watermark_boost_factor);
    this.rmq = new Rmqueue(this.buddy, this.fallback, events);
    this.pcp = new PcpLists(this.buddy, this.rmq, events);
  }

  /**
   * Boot: hand all free RAM to the buddy (memblock_free_all → __free_pages_core, largest aligned
   * blocks, to the tail) and set up watermarks, lowmem reserves and per-cpu list sizes
   * (init_per_zone_wmark_min, zone_pcp_update).
   */
  boot(): void {
    for (const zone of this.mem.zones) {
      if (!zone || !zone.populated) continue;
      for (const r of this.mem.layout.nodes[zone.nid]!.zones[zone.type]!.ram) this.freeRangeToBuddy(zone, r.start, r.end);
    }
    this.setMinFreeKbytes(this.sysctl.min_free_kbytes ?? calculateMinFreeKbytes(this.mem));
  }

  /** Writing vm.min_free_kbytes (min_free_kbytes_sysctl_handler → setup_per_zone_wmarks). */
  setMinFreeKbytes(kbytes: number): void {
    if (!Number.isInteger(kbytes) || kbytes < 0) {
      throw new KernelError('EINVAL', `min_free_kbytes must be a non-negative integer, got ${kbytes}`);
    }
    this.minFreeKbytes = kbytes;
    setupPerZoneWmarks(this.mem, kbytes, this.sysctl);
    setupPerZoneLowmemReserve(this.mem, this.sysctl.lowmem_reserve_ratio);
    for (const zone of this.mem.zones) {
      if (zone) this.pcp.setHighAndBatch(zone, this.mem.nodes[zone.nid]!.cpus.length, this.sysctl.percpu_pagelist_high_fraction);
    }
  }

  private freeRangeToBuddy(zone: Zone, start: number, end: number): void {
    let pfn = start;
    while (pfn < end) {
      if (this.flags[pfn]! & (1 << PG.reserved)) {
        pfn++;
        continue;
      }
      let order = Math.min(MAX_PAGE_ORDER, pfn === 0 ? MAX_PAGE_ORDER : 31 - Math.clz32(pfn & -pfn));
      while (pfn + (1 << order) > end || this.rangeHasReserved(pfn, 1 << order)) order--;
      this.buddy.freeOnePage(zone, pfn, order, this.mem.pageblocks.migratetype(pfn), true);
      this.vmEvents[VmEvent.PGFREE] += 1 << order;
      pfn += 1 << order;
    }
  }

  private rangeHasReserved(pfn: number, nr: number): boolean {
    for (let p = pfn; p < pfn + nr; p++) if (this.flags[p]! & (1 << PG.reserved)) return true;
    return false;
  }

  /** Installs slow-path hooks (kswapd, direct reclaim, direct compaction). */
  setSlowpathHooks(hooks: AllocSlowpathHooks): void {
    this.hooks = { ...this.hooks, ...hooks };
  }

  /** A Page handle for a pfn (no reference is taken). */
  page(pfn: number): Page {
    this.mem.checkPfn(pfn);
    return new Page(this, pfn);
  }

  /**
   * alloc_pages() returning a Page handle, or null when memory cannot be had (as the kernel
   * returns NULL). Invalid requests (order above MAX_PAGE_ORDER, unknown GFP bits, no such node)
   * throw KernelError EINVAL.
   */
  allocPages(gfp: number, order: number, opts: AllocOptions = {}): Page | null {
    const pfn = this.allocPagesPfn(gfp, order, opts.nid ?? -1, opts.nodemask);
    return pfn < 0 ? null : new Page(this, pfn);
  }

  /**
   * __alloc_pages(): the pfn of the first page of a 2^order block, or -1. The hot-path form of
   * {@link allocPages}: no handle is allocated.
   */
  allocPagesPfn(gfp: number, order: number, preferredNid = -1, nodemask?: readonly number[]): number {
    if (order >>> 0 !== order || order > MAX_PAGE_ORDER) badOrder(order);
    if (gfp >>> 0 !== gfp || gfp & ~__GFP_BITS_MASK) validateGfp(gfp);
    // A one-entry cache in front of prepare_alloc_pages(): hot loops repeat the same request.
    let ac = this.lastAc;
    if (gfp !== this.lastGfp || preferredNid !== this.lastNid || this.current.cpu !== this.lastCpu || nodemask || !ac) {
      ac = this.allocContextFor(gfp, preferredNid, nodemask);
    }
    // First allocation attempt: low watermark, fragmentation avoidance (alloc_flags_nofragment).
    let pfn = this.getPageFromFreelist(gfp, order, ac.fastAllocFlags, ac);
    if (pfn < 0) pfn = this.allocPagesSlowpath(gfp, order, ac);
    if (pfn >= 0 && this.events.listening[this.tpPageAlloc]) this.tracePageAlloc(pfn, order, gfp, ac);
    return pfn;
  }

  /** prepare_alloc_pages() for a request unlike the last one, remembered when it has no nodemask. */
  private allocContextFor(gfp: number, preferredNid: number, nodemask: readonly number[] | undefined): AllocContext {
    const ac = this.prepareAllocPages(gfp, preferredNid, nodemask);
    if (!nodemask) {
      this.lastGfp = gfp;
      this.lastNid = preferredNid;
      this.lastCpu = this.current.cpu;
      this.lastAc = ac;
    }
    return ac;
  }

  /** trace_mm_page_alloc() */
  private tracePageAlloc(pfn: number, order: number, gfp: number, ac: AllocContext): void {
    this.events.emit('mm_page_alloc', { pfn, order, gfp_flags: gfp, migratetype: ac.migratetype });
  }

  /**
   * prepare_alloc_pages(): zonelist, highest zone, migratetype. Contexts without a nodemask are
   * cached per (node, highest zone, __GFP_THISNODE, migratetype) so the hot path allocates
   * nothing; {@link invalidateZonelists} drops them when zones change.
   */
  private prepareAllocPages(gfp: number, preferredNid: number, nodemask?: readonly number[]): AllocContext {
    const highestZoneidx = gfpZone(gfp);
    const nid = preferredNid < 0 ? this.mem.cpuNode(this.current.cpu) : preferredNid;
    const migratetype = gfpMigratetype(gfp);
    const thisnode = gfp & __GFP_THISNODE ? 1 : 0;
    const kswapd = gfp & __GFP_KSWAPD_RECLAIM ? 1 : 0;
    const key = (((nid * 4 + highestZoneidx) * 2 + thisnode) * 2 + kswapd) * 8 + migratetype;
    if (!nodemask) {
      const cached = this.acCache[key];
      if (cached) return cached;
      this.mem.checkNid(nid);
    } else {
      this.mem.checkNid(nid);
      for (const n of nodemask) this.mem.checkNid(n);
    }
    const pgdat = this.mem.nodes[nid]!;
    const list = thisnode ? pgdat.zonelistNoFallback : pgdat.zonelistFallback;
    const zones = list.filter((z) => z.type <= highestZoneidx && (!nodemask || nodemask.includes(z.nid)));
    const fastAllocFlags = gfpToAllocFlagsCma(gfp, ALLOC_WMARK_LOW | this.allocFlagsNofragment(zones[0], gfp));
    const ac: AllocContext = { zones, preferredZone: zones[0], highestZoneidx, migratetype, preferredNid: nid, fastAllocFlags };
    if (!nodemask) this.acCache[key] = ac;
    return ac;
  }

  /** Forget cached zonelist walks (after memory hotplug or zone changes). */
  invalidateZonelists(): void {
    this.acCache.length = 0;
    this.lastAc = undefined;
  }

  /**
   * alloc_flags_nofragment(): when the preferred zone is ZONE_NORMAL and ZONE_DMA32 can take the
   * request, avoid fragmenting fallbacks in NORMAL until DMA32 has been tried.
   */
  private allocFlagsNofragment(zone: Zone | undefined, gfp: number): number {
    let flags = gfp & __GFP_KSWAPD_RECLAIM;
    if (!zone || zone.type !== ZoneType.NORMAL) return flags;
    if (this.mem.nodes.length > 1 && !this.mem.nodes[zone.nid]!.zones[ZoneType.DMA32]!.populated) return flags;
    flags |= ALLOC_NOFRAGMENT;
    return flags;
  }

  /**
   * get_page_from_freelist(): walk the zonelist, skipping zones below their watermark, and take a
   * page from the first that has one. With ALLOC_NOFRAGMENT, moving to a remote node or running
   * out of zones retries the walk allowing fragmenting fallbacks.
   */
  getPageFromFreelist(gfp: number, order: number, allocFlags: number, ac: AllocContext): number {
    for (;;) {
      const noFallback = (allocFlags & ALLOC_NOFRAGMENT) !== 0;
      let retry = false;
      const zones = ac.zones;
      for (let i = 0; i < zones.length; i++) {
        const zone = zones[i]!;
        if (noFallback && this.multiNode && zone !== ac.preferredZone && zone.nid !== ac.preferredZone!.nid) {
          // Locality is more important than fragmentation avoidance.
          allocFlags &= ~ALLOC_NOFRAGMENT;
          retry = true;
          break;
        }
        if (!(allocFlags & ALLOC_NO_WATERMARKS)) {
          const mark = zone.watermark[allocFlags & ALLOC_WMARK_MASK]! + zone.watermarkBoost;
          // zone_watermark_fast()'s order-0 shortcut, inline: nothing reserved, plenty free.
          const quick = order === 0 && zone.nrReservedHighatomic === 0 && (allocFlags & ALLOC_CMA || zone.cmaPages === 0) &&
            zone.vmStat[ZoneStat.NR_FREE_PAGES]! > mark + zone.lowmemReserve[ac.highestZoneidx]!;
          if (!quick && !zoneWatermarkFast(zone, order, mark, ac.highestZoneidx, allocFlags)) continue;
        }
        const pfn = this.rmqueue(ac.preferredZone!, zone, order, allocFlags, ac.migratetype);
        if (pfn >= 0) {
          this.prepNewPage(pfn, order, gfp);
          if (allocFlags & ALLOC_HIGHATOMIC && order) this.fallback.reserveHighatomicPageblock(zone, pfn);
          return pfn;
        }
      }
      if (retry) continue;
      // On a UMA machine every zone may be fragmented: retry allowing fragmenting fallbacks.
      if (noFallback) {
        allocFlags &= ~ALLOC_NOFRAGMENT;
        continue;
      }
      return -1;
    }
  }

  /** rmqueue(): per-cpu lists for small orders, else the buddy under zone->lock. */
  private rmqueue(preferred: Zone, zone: Zone, order: number, allocFlags: number, mt: number): number {
    let pfn = -1;
    if (pcpAllowedOrder(order)) {
      pfn = this.pcp.rmqueuePcplist(zone, zone.pcp[this.current.cpu]!, order, mt, allocFlags);
    }
    if (pfn < 0) pfn = this.rmqueueBuddy(zone, order, allocFlags, mt);
    if (pfn < 0) return -1;
    this.vmEvents[VmEvent.PGALLOC_DMA32 + zone.type] += 1 << order;
    this.zoneStatistics(preferred, zone, 1);
    // Separate test+clear to avoid unnecessary atomics.
    if (allocFlags & ALLOC_KSWAPD && zone.boostedWatermark) {
      zone.boostedWatermark = false;
      this.hooks.wakeKswapd?.(0, 0, { zones: [zone], preferredZone: zone, highestZoneidx: zone.type, migratetype: mt, preferredNid: zone.nid, fastAllocFlags: 0 });
    }
    return pfn;
  }

  /** rmqueue_buddy(): highatomic reserve first when allowed; poisoned blocks are skipped. */
  private rmqueueBuddy(zone: Zone, order: number, allocFlags: number, mt: number): number {
    for (;;) {
      let pfn = -1;
      if (allocFlags & ALLOC_HIGHATOMIC) pfn = this.rmq.smallest(zone, order, MigrateType.HIGHATOMIC);
      if (pfn < 0) {
        pfn = this.rmq.rmqueue(zone, order, mt, allocFlags);
        // OOM handling may use the highatomic reserve: failing now is worse.
        if (pfn < 0 && allocFlags & ALLOC_OOM) pfn = this.rmq.smallest(zone, order, MigrateType.HIGHATOMIC);
        if (pfn < 0) return -1;
      }
      this.buddy.modFreepageState(zone, -(1 << order), this.rmq.lastMigratetype);
      if (!this.checkNewPagesBad(pfn, order)) return pfn;
    }
  }

  /** check_new_pages(): a block containing a hwpoisoned page is never handed out. */
  private checkNewPagesBad(pfn: number, order: number): boolean {
    for (let p = pfn; p < pfn + (1 << order); p++) if (this.flags[p]! & HWPOISON) return true;
    return false;
  }

  /** zone_statistics(): numa_hit/miss/foreign/local/other. */
  private zoneStatistics(preferred: Zone, z: Zone, nr: number): void {
    const localNid = this.mem.cpuNode(this.current.cpu);
    if (z.nid === preferred.nid) z.numaStat[NumaStat.NUMA_HIT] += nr;
    else {
      z.numaStat[NumaStat.NUMA_MISS] += nr;
      preferred.numaStat[NumaStat.NUMA_FOREIGN] += nr;
    }
    z.numaStat[z.nid === localNid ? NumaStat.NUMA_LOCAL : NumaStat.NUMA_OTHER] += nr;
  }

  /**
   * prep_new_page() for a block direct compaction captured from the free path
   * (__alloc_pages_direct_compact: "Prep a captured page if available").
   */
  prepCapturedPage(pfn: number, order: number, gfp: number): void {
    this.prepNewPage(pfn, order, gfp);
  }

  /** prep_new_page() / post_alloc_hook(): refcount 1, clean fields, compound setup, zeroing. */
  private prepNewPage(pfn: number, order: number, gfp: number): void {
    const f = this.frames;
    f.refcount[pfn] = 1;
    f.mapcount[pfn] = 0;
    f.mapping[pfn] = 0;
    f.private[pfn] = 0;
    f.index[pfn] = 0;
    f.order[pfn] = order;
    if (gfp & __GFP_ZERO) {
      if (this.mem.content.bufferedPages) for (let p = pfn; p < pfn + (1 << order); p++) this.mem.content.zero(p);
      else f.content.fill(0, pfn, pfn + (1 << order));
    }
    if (order && gfp & __GFP_COMP) this.prepCompoundPage(pfn, order);
  }

  /**
   * prep_compound_page(): PG_head on the first page, PG_tail + order on the others. Pages of a
   * free block carry only their zone bits (free_pages_prepare cleared the rest and free blocks
   * never hold poisoned pages), so the tails are written with fills.
   */
  private prepCompoundPage(pfn: number, order: number): void {
    const f = this.frames;
    const end = pfn + (1 << order);
    f.flags[pfn]! |= HEAD;
    f.flags.fill(((f.flags[pfn]! & ZONEID_MASK) | TAIL) >>> 0, pfn + 1, end);
    f.order.fill(order, pfn + 1, end);
    f.refcount.fill(0, pfn + 1, end);
    f.mapcount.fill(0, pfn + 1, end);
    f.mapping.fill(0, pfn + 1, end);
  }

  /**
   * __alloc_pages_slowpath(): retry at the min watermark with reserve access, wake kswapd, try
   * direct compaction/reclaim where hooked, unreserve highatomic blocks and drain per-cpu lists,
   * and give up as the kernel does for costly or __GFP_NORETRY requests. Direct compaction starts
   * ASYNC (INIT_COMPACT_PRIORITY) before reclaim for costly and unmovable high-order requests, runs
   * at DEF_COMPACT_PRIORITY (SYNC_LIGHT) inside the loop, and should_compact_retry() raises the
   * priority towards SYNC_FULL each time compaction fails or withdraws after reclaim progress.
   */
  private allocPagesSlowpath(gfp: number, order: number, ac: AllocContext): number {
    const canDirectReclaim = (gfp & __GFP_DIRECT_RECLAIM) !== 0 && !this.current.memalloc;
    const costlyOrder = order > PAGE_ALLOC_COSTLY_ORDER;
    let allocFlags = gfpToAllocFlags(gfp, order);
    const hooks = this.hooks;
    const compact: CompactRetryState = { priority: DEF_COMPACT_PRIORITY, retries: 0 };
    const compactOut: DirectCompactResult = { result: CompactResult.COMPACT_SKIPPED };
    if (allocFlags & ALLOC_KSWAPD) hooks.wakeKswapd?.(order, gfp, ac);
    let pfn = this.getPageFromFreelist(gfp, order, allocFlags & ~ALLOC_NO_WATERMARKS, ac);
    if (pfn >= 0) return pfn;
    // For costly allocations, try direct compaction first, as it's likely that we have enough
    // base pages and don't need to reclaim. For non-movable high-order allocations, do that as
    // well, as compaction will try prevent permanent fragmentation by migrating from blocks of
    // the same migratetype. Not for requests that may ignore watermarks (gfp_pfmemalloc_allowed).
    const pfmemallocAllowed = !(gfp & __GFP_NOMEMALLOC) && ((gfp & __GFP_MEMALLOC) !== 0 || this.current.memalloc);
    if (canDirectReclaim && (costlyOrder || (order > 0 && ac.migratetype !== MigrateType.MOVABLE)) && !pfmemallocAllowed && hooks.directCompact) {
      pfn = hooks.directCompact(gfp, order, allocFlags, ac, INIT_COMPACT_PRIORITY, compactOut);
      if (pfn >= 0) return pfn;
      // Costly __GFP_NORETRY (e.g. THP faults): all zones below the low watermark or compaction
      // deferred at this order → fail now; otherwise keep using (cheap) async compaction.
      if (costlyOrder && gfp & __GFP_NORETRY) {
        if (compactOut.result === CompactResult.COMPACT_SKIPPED || compactOut.result === CompactResult.COMPACT_DEFERRED) {
          return this.noPage(gfp, order);
        }
        compact.priority = INIT_COMPACT_PRIORITY;
      }
    }
    let noProgressLoops = 0;
    let drained = false;
    // __gfp_pfmemalloc_flags(): __GFP_MEMALLOC and PF_MEMALLOC tasks (reclaimers, and what they
    // allocate on the way, such as zram's zsmalloc pages during swap-out) may ignore watermarks.
    const reserveFlags = pfmemallocAllowed ? ALLOC_NO_WATERMARKS : 0;
    if (reserveFlags) allocFlags = gfpToAllocFlagsCma(gfp, reserveFlags) | (allocFlags & ALLOC_KSWAPD);
    for (;;) {
      if (allocFlags & ALLOC_KSWAPD) hooks.wakeKswapd?.(order, gfp, ac);
      pfn = this.getPageFromFreelist(gfp, order, allocFlags, ac);
      if (pfn >= 0) return pfn;
      if (!canDirectReclaim) break;
      // __alloc_pages_direct_reclaim(): after progress, drain pcp and highatomic and retry.
      const progress = hooks.directReclaim ? hooks.directReclaim(gfp, order, allocFlags, ac) : 0;
      if (progress > 0) {
        pfn = this.getPageFromFreelist(gfp, order, allocFlags, ac);
        if (pfn < 0 && !drained) {
          this.fallback.unreserveHighatomicPageblock(ac.zones, ac.migratetype, false);
          this.pcp.drainAll(this.mem.populatedZones);
          drained = true;
          pfn = this.getPageFromFreelist(gfp, order, allocFlags, ac);
        }
        if (pfn >= 0) return pfn;
      }
      if (hooks.directCompact) {
        pfn = hooks.directCompact(gfp, order, allocFlags, ac, compact.priority, compactOut);
        if (pfn >= 0) return pfn;
      }
      // Do not loop if specifically requested
      if (gfp & __GFP_NORETRY) break;
      // Do not retry costly high order allocations unless they are __GFP_RETRY_MAYFAIL
      if (costlyOrder && !(gfp & __GFP_RETRY_MAYFAIL)) break;
      if (progress > 0 && order <= PAGE_ALLOC_COSTLY_ORDER) noProgressLoops = 0;
      else noProgressLoops++;
      if (this.shouldReclaimRetry(order, ac, allocFlags, noProgressLoops)) continue;
      // It doesn't make any sense to retry for the compaction if the order-0 reclaim is not able
      // to make any progress because compaction depends on enough free memory (__compaction_suitable).
      if (progress > 0 && hooks.directCompact && this.shouldCompactRetry(ac, order, compactOut.result, compact)) continue;
      // Reclaim has failed us, start killing things
      pfn = this.allocPagesMayOom(gfp, order, ac);
      if (pfn >= 0) return pfn;
      // Retry as long as the OOM killer is making progress
      if (this.oomProgress) {
        noProgressLoops = 0;
        continue;
      }
      break;
    }
    return this.noPage(gfp, order);
  }

  /**
   * __alloc_pages_may_oom(): one last try at the high watermark (only to catch a parallel OOM
   * kill), then out_of_memory() unless the OOM killer cannot help: costly orders, __GFP_RETRY_MAYFAIL
   * (the caller has a fallback), __GFP_THISNODE (it may not free on that node) and lowmem-only
   * requests. Sets {@link oomProgress} (did_some_progress) when out_of_memory() freed pages.
   * The kernel also reports progress for __GFP_NOFAIL and, from out_of_memory(), for !__GFP_FS
   * requests without freeing anything, and loops; mmsim has no OOM killer that would eventually
   * make that true, so a chain that freed nothing fails the allocation (noPage).
   */
  private allocPagesMayOom(gfp: number, order: number, ac: AllocContext): number {
    this.oomProgress = false;
    const pfn = this.getPageFromFreelist(gfp & ~__GFP_DIRECT_RECLAIM, order, ALLOC_WMARK_HIGH, ac);
    if (pfn >= 0 || !this.hooks.outOfMemory) return pfn;
    // The OOM killer will not help higher order allocs
    if (order > PAGE_ALLOC_COSTLY_ORDER) return -1;
    // The caller likely has a more reasonable fallback than shooting a random task; the OOM
    // killer may not free memory on a specific node.
    if (gfp & (__GFP_RETRY_MAYFAIL | __GFP_THISNODE)) return -1;
    // The OOM killer does not needlessly kill tasks for lowmem
    if (ac.highestZoneidx < ZoneType.NORMAL) return -1;
    this.oomProgress = this.hooks.outOfMemory(gfp, order, ac) > 0;
    return -1;
  }

  /** should_compact_retry() with the compact_retry tracepoint (include/trace/events/oom.h). */
  private shouldCompactRetry(ac: AllocContext, order: number, result: number, state: CompactRetryState): boolean {
    const canReclaimAnon = this.hooks.canReclaimAnon?.() ?? false;
    const trace = this.events.listening[this.tpCompactRetry] ? (e: CompactRetryEvent): void => { this.events.emit('compact_retry', e); } : undefined;
    return shouldCompactRetry(ac, order, result as CompactResult, state, canReclaimAnon, trace);
  }

  /** The nopage: label of the slow path: __GFP_NOFAIL cannot fail; warn_alloc() unless __GFP_NOWARN. */
  private noPage(gfp: number, order: number): number {
    if (gfp & __GFP_NOFAIL) {
      throw new KernelError('ENOMEM', `a __GFP_NOFAIL order-${order} allocation (${formatGfp(gfp)}) cannot be satisfied; the kernel would loop here forever. Free memory first or drop __GFP_NOFAIL`);
    }
    if (!(gfp & __GFP_NOWARN)) {
      this.printk.log('warn', `${this.current.comm}: page allocation failure: order:${order}, mode:0x${gfp.toString(16)}(${formatGfp(gfp)}), nodemask=(null)`);
    }
    return -1;
  }

  /**
   * should_reclaim_retry(): keep retrying while some zone could meet the min watermark for this
   * order with its free (and reclaimable) pages, up to MAX_RECLAIM_RETRIES loops without progress;
   * before giving up, exhaust the highatomic reserve.
   */
  private shouldReclaimRetry(order: number, ac: AllocContext, allocFlags: number, loops: number): boolean {
    if (loops > MAX_RECLAIM_RETRIES) return this.fallback.unreserveHighatomicPageblock(ac.zones, ac.migratetype, true);
    // Would the allocation succeed if we reclaimed all reclaimable pages? (zone_reclaimable_pages
    // counts anon only while there is free swap.) no_progress_loops bounds the retries.
    const canReclaimAnon = this.hooks.canReclaimAnon?.() ?? false;
    for (const zone of ac.zones) {
      const available = zoneReclaimablePages(zone, canReclaimAnon) + zone.vmStat[ZoneStat.NR_FREE_PAGES]!;
      if (zoneWatermarkOk(zone, order, zone.minWmarkPages(), ac.highestZoneidx, allocFlags, available)) return true;
    }
    return false;
  }

  // ---------------------------------------------------------------------------------------
  // Freeing

  /**
   * __free_pages(): drop the caller's reference on a 2^order block; the last reference frees it.
   * For a non-compound block that someone else still references, the pages after the first are
   * freed now, as the kernel does.
   */
  freePages(pfnOrPage: number | Page, order: number): void {
    const pfn = typeof pfnOrPage === 'number' ? pfnOrPage : pfnOrPage.pfn;
    this.mem.checkPfn(pfn);
    if (order >>> 0 !== order || order > MAX_PAGE_ORDER) badOrder(order);
    const head = (this.flags[pfn]! & HEAD) !== 0;
    if (this.refcount[pfn]! <= 0) this.badFree(pfn, 'PG5', 'double free: the page has no reference left to drop (refcount underflow)');
    if (this.refcount[pfn] === 1) {
      this.checkFree(pfn, order, true);
      this.refcount[pfn] = 0;
      this.freeTheBlock(pfn, order);
      return;
    }
    this.refcount[pfn]!--;
    if (!head && order > 0) {
      // The remaining holder keeps only the first page, as an order-0 page.
      this.orderArr[pfn] = 0;
      while (order-- > 0) {
        const sub = pfn + (1 << order);
        this.checkFree(sub, order, false);
        this.freeTheBlock(sub, order);
      }
    }
  }

  /** put_page() / folio_put(): the last reference frees the whole folio. */
  putPage(pfn: number): void {
    const head = this.frames.compoundHead(pfn);
    if (this.refcount[head]! <= 0) this.badFree(head, 'PG5', 'put_page() on a page with no references: double free or refcount underflow');
    if (this.refcount[head] === 1) {
      const order = this.flags[head]! & HEAD ? this.orderArr[head]! : 0;
      this.checkFree(head, order, true);
      this.refcount[head] = 0;
      this.freeTheBlock(head, order);
      return;
    }
    this.refcount[head]!--;
  }

  /** get_page() */
  getPage(pfn: number): void {
    const head = this.frames.compoundHead(pfn);
    if (this.refcount[head]! <= 0) this.badFree(head, 'PG5', 'get_page() on a page with no references (use after free)');
    this.refcount[head]!++;
  }

  /**
   * free_frozen_pages() / free_unref_page(): free a block whose refcount was already frozen to 0
   * (page_ref_freeze). A non-zero refcount is a bad_page ("nonzero _refcount").
   */
  freeFrozenPages(pfn: number, order: number): void {
    this.mem.checkPfn(pfn);
    if (this.refcount[pfn] !== 0) this.badFree(pfn, 'PG1', `nonzero _refcount: freeing a page that still has ${this.refcount[pfn]} reference(s)`);
    this.checkFree(pfn, order, true);
    this.freeTheBlock(pfn, order);
  }

  /** split_page(): turn a non-compound 2^order block into independent order-0 pages. */
  splitPage(pfn: number, order: number): void {
    this.mem.checkPfn(pfn);
    if (this.flags[pfn]! & (HEAD | TAIL)) this.badFree(pfn, 'PG6', 'split_page() on a compound page; use split_huge_page()');
    if (this.orderArr[pfn] !== order) this.badFree(pfn, 'PG6', `split_page() order ${order} does not match the allocation order ${this.orderArr[pfn]}`);
    for (let p = pfn; p < pfn + (1 << order); p++) {
      this.refcount[p] = 1;
      this.orderArr[p] = 0;
    }
  }

  /**
   * free_pages_prepare() / free_page_is_bad() checks, done before any state changes:
   * PG2 nonzero mapcount, PG3 non-NULL mapping, PG4 flags that must be clear, PG5 already free,
   * PG6 order that differs from the allocation's, PG1 a referenced page inside a freed block.
   */
  private checkFree(pfn: number, order: number, checkOrder: boolean): void {
    const flags = this.flags;
    const f = this.frames;
    const type = flags[pfn]! & PAGE_TYPE_MASK;
    let bad = type === BUDDY_TYPE || type === PCP_TYPE || (checkOrder && f.order[pfn] !== order);
    if (!bad) {
      const mapcount = f.mapcount;
      const mapping = f.mapping;
      const refcount = f.refcount;
      bad = (mapcount[pfn]! | fileMapping(mapping[pfn]!) | (flags[pfn]! & PAGE_FLAGS_CHECK_AT_FREE)) !== 0;
      const end = pfn + (1 << order);
      for (let p = pfn + 1; p < end && !bad; p++) {
        bad = (mapcount[p]! | fileMapping(mapping[p]!) | (flags[p]! & PAGE_FLAGS_CHECK_AT_FREE) | refcount[p]!) !== 0;
      }
    }
    if (bad) this.explainCheckFree(pfn, order, checkOrder);
  }

  /** The cold half of checkFree(): find the first broken rule and throw it. */
  private explainCheckFree(pfn: number, order: number, checkOrder: boolean): never {
    const f = this.frames;
    const type = (this.flags[pfn]! & PAGE_TYPE_MASK) >>> PAGE_TYPE_SHIFT;
    if (type === PageType.buddy || type === PageType.pcp) this.badFree(pfn, 'PG5', 'double free: the page is already on a free list');
    if (checkOrder && f.order[pfn] !== order) {
      this.badFree(pfn, 'PG6', `freeing with order ${order} a block allocated with order ${f.order[pfn]}`);
    }
    for (let p = pfn; p < pfn + (1 << order); p++) {
      if (f.mapcount[p]! | fileMapping(f.mapping[p]!) | (this.flags[p]! & PAGE_FLAGS_CHECK_AT_FREE) || (p !== pfn && f.refcount[p]!)) this.explainBadFree(p, p !== pfn);
    }
    throw new Error('checkFree found a problem that explainCheckFree could not name');
  }

  private explainBadFree(p: number, tail: boolean): never {
    const f = this.frames;
    if (f.mapcount[p] !== 0) this.badFree(p, 'PG2', 'nonzero mapcount: the page is still mapped in a page table');
    if (isOwnedMovable(f.mapping[p]!)) {
      this.badFree(p, 'D5', 'a movable_ops page is freed while its driver still owns it; call clearPageMovable() under the page lock before freeing');
    }
    if (fileMapping(f.mapping[p]!)) this.badFree(p, 'PG3', 'non-NULL mapping: the page is still in a file mapping (page cache)');
    const bad = this.flags[p]! & PAGE_FLAGS_CHECK_AT_FREE;
    if (bad) this.badFree(p, 'PG4', `PAGE_FLAGS_CHECK_AT_FREE flag(s) set: ${formatPageFlags(bad)}`);
    void tail;
    this.badFree(p, 'PG1', 'nonzero _refcount on a page freed as part of a larger block');
  }

  private badFree(pfn: number, rule: string, reason: string): never {
    const f = this.frames;
    throw new ContractViolation(rule, `bad_page: ${reason}`, {
      pfn, flags: f.flags[pfn]!, refcount: f.refcount[pfn]!, mapcount: f.mapcount[pfn]!, mapping: f.mapping[pfn]!,
    });
  }

  /**
   * free_the_page(): destroy the compound state and clear the page flags (free_pages_prepare
   * clears all of PAGE_FLAGS_CHECK_AT_PREP), keep hwpoisoned pages out of the allocator (they are
   * never reused: the healthy pages of the block are freed one by one), then free to the per-cpu
   * lists or straight to the buddy.
   */
  private freeTheBlock(pfn: number, order: number): void {
    const f = this.frames;
    const flags = this.flags;
    const end = pfn + (1 << order);
    let poisoned = false;
    for (let p = pfn; p < end; p++) if (flags[p]! & HWPOISON) { poisoned = true; break; }
    if (this.mem.content.bufferedPages) for (let p = pfn; p < end; p++) this.mem.content.release(p);
    if (this.events.listening[this.tpPageFree]) this.events.emit('mm_page_free', { pfn, order });
    if (order === 0) {
      flags[pfn] = flags[pfn]! & KEEP_AT_FREE;
      f.mapping[pfn] = 0;
      f.order[pfn] = 0;
      f.private[pfn] = 0;
      f.index[pfn] = 0;
    } else {
      if (poisoned) {
        for (let p = pfn; p < end; p++) flags[p] = flags[p]! & KEEP_AT_FREE;
      } else {
        flags.fill((flags[pfn]! & ZONEID_MASK) >>> 0, pfn, end);
      }
      f.order.fill(0, pfn, end);
      f.mapping.fill(0, pfn, end);
      f.private.fill(0, pfn, end);
      f.index.fill(0, pfn, end);
    }
    if (poisoned) {
      for (let p = pfn; p < end; p++) if (!(flags[p]! & HWPOISON)) this.freeOne(p, 0);
      return;
    }
    this.freeOne(pfn, order);
  }

  private freeOne(pfn: number, order: number): void {
    const zone = this.mem.pageZone(pfn);
    const mt = this.mem.pageblocks.migratetype(pfn);
    this.vmEvents[VmEvent.PGFREE] += 1 << order;
    if (pcpAllowedOrder(order) && mt !== MigrateType.ISOLATE) {
      this.pcp.freeUnrefPage(zone, zone.pcp[this.current.cpu]!, pfn, order, mt);
    } else {
      this.buddy.freeOnePage(zone, pfn, order, mt, false);
    }
  }

  /** drain_all_pages(): return every per-cpu page of the zone (or all zones) to the buddy. */
  drainAllPages(zone?: Zone): void {
    this.pcp.drainAll(zone ? [zone] : this.mem.populatedZones);
  }

  /** The CMA allocation flag for callers that build alloc_flags themselves. */
  static readonly ALLOC_CMA = ALLOC_CMA;
}
