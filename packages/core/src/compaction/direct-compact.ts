import { VmEvent } from '../stat/vmstat-items';
import type { AllocContext } from '../zone/alloc-context';
import { __GFP_IO, gfpMigratetype } from '../zone/gfp';
import { MigrateMode } from '../migrate/migrate-mode';
import {
  CompactControl, type CompactionEnv, CompactPriority, CompactResult, MIN_COMPACT_PRIORITY, type ZoneCompactState,
} from './compact-control';
import { CompactCapture } from './capture';
import type { CompactZone } from './compact-zone';
import type { CompactionTrace } from './compaction-tracepoints';
import type { Deferral } from './deferral';
import type { Zone } from '../zone/zone';

/** The outcome of one __alloc_pages_direct_compact() call. */
export interface DirectCompactOutcome {
  /** The page obtained, or -1. */
  pfn: number;
  /** try_to_compact_pages()'s result. */
  result: CompactResult;
  /** The page was captured from the free path (compaction_capture), not taken from a free list. */
  captured: boolean;
}

/**
 * Direct compaction (mm/compaction.c: try_to_compact_pages, compact_zone_order;
 * mm/page_alloc.c: __alloc_pages_direct_compact), the allocator slow path's compaction step.
 * While a zone is compacted, a freed block of the requested order is captured for the caller
 * (struct capture_control, compaction_capture() in the buddy free path); otherwise the page is
 * taken from the free lists after compaction.
 */
export class DirectCompact {
  constructor(
    private readonly env: CompactionEnv,
    private readonly compactZone: CompactZone,
    private readonly deferral: Deferral,
    private readonly trace: CompactionTrace,
    private readonly state: (zone: Zone) => ZoneCompactState,
  ) {}

  /**
   * mm/compaction.c: compact_zone_order(): one zone at `prio`: ASYNC for COMPACT_PRIO_ASYNC,
   * SYNC_LIGHT otherwise; SYNC_FULL (MIN_COMPACT_PRIORITY) scans the whole zone ignoring skip
   * hints and pageblock suitability. The capture control is armed in the buddy for the run; a
   * block it caught is stored in `capture.pfn` and makes the result COMPACT_SUCCESS.
   */
  compactZoneOrder(
    zone: Zone, order: number, gfp: number, prio: CompactPriority, allocFlags: number, highestZoneidx: number, capture: { pfn: number },
  ): CompactResult {
    const list = this.env.migration.newList();
    const cc = new CompactControl(zone, list, {
      order, gfpMask: gfp, highestZoneidx,
      mode: prio === CompactPriority.COMPACT_PRIO_ASYNC ? MigrateMode.ASYNC : MigrateMode.SYNC_LIGHT,
    });
    cc.migratetype = gfpMigratetype(gfp);
    cc.allocFlags = allocFlags;
    cc.directCompaction = true;
    cc.wholeZone = prio === MIN_COMPACT_PRIORITY;
    cc.ignoreSkipHint = prio === MIN_COMPACT_PRIORITY;
    cc.ignoreBlockSuitable = prio === MIN_COMPACT_PRIORITY;
    const capc = new CompactCapture(cc);
    const buddy = this.env.alloc.buddy;
    const outer = buddy.capture;
    buddy.capture = capc;
    let ret: CompactResult;
    try {
      ret = this.compactZone.compactZone(cc, this.state(zone), capc);
    } finally {
      // Hide the capture control before reading the captured page.
      buddy.capture = outer;
      list.release();
    }
    // A captured page means success, even if compaction itself was skipped.
    if (capc.page >= 0) {
      capture.pfn = capc.page;
      ret = CompactResult.COMPACT_SUCCESS;
    }
    return ret;
  }

  /**
   * mm/compaction.c: try_to_compact_pages(): no __GFP_IO → SKIPPED. Each zone of the zonelist
   * that is not deferred (deferral is ignored at MIN_COMPACT_PRIORITY) is compacted; SUCCESS
   * stops the walk (defer reset, not yet a real success); a non-async COMPLETE/PARTIAL_SKIPPED
   * defers the zone. Returns the best result.
   */
  tryToCompactPages(gfp: number, order: number, allocFlags: number, ac: AllocContext, prio: CompactPriority, capture: { pfn: number }): CompactResult {
    let rc = CompactResult.COMPACT_SKIPPED;
    // Check if the GFP flags allow compaction
    if (!(gfp & __GFP_IO)) return rc;
    this.trace.tryToCompactPages(order, gfp, prio);
    for (const zone of ac.zones) {
      const z = this.state(zone);
      if (prio > MIN_COMPACT_PRIORITY && this.deferral.compactionDeferred(z, order)) {
        rc = Math.max(CompactResult.COMPACT_DEFERRED, rc);
        continue;
      }
      const status = this.compactZoneOrder(zone, order, gfp, prio, allocFlags, ac.highestZoneidx, capture);
      rc = Math.max(status, rc);
      // The allocation should succeed, stop compacting
      if (status === CompactResult.COMPACT_SUCCESS) {
        this.deferral.compactionDeferReset(z, order, false);
        break;
      }
      if (prio !== CompactPriority.COMPACT_PRIO_ASYNC && (status === CompactResult.COMPACT_COMPLETE || status === CompactResult.COMPACT_PARTIAL_SKIPPED)) {
        this.deferral.deferCompaction(z, order);
      }
    }
    return rc;
  }

  /**
   * mm/page_alloc.c: __alloc_pages_direct_compact(): order 0 never compacts. Compaction runs
   * with PF_MEMALLOC; SKIPPED counts nothing; otherwise COMPACTSTALL, then a page from the free
   * lists: COMPACTSUCCESS (zone defer reset, skip-bit flush cancelled) or COMPACTFAIL.
   */
  allocPagesDirectCompact(gfp: number, order: number, allocFlags: number, ac: AllocContext, prio: CompactPriority): DirectCompactOutcome {
    if (!order) return { pfn: -1, result: CompactResult.COMPACT_SKIPPED, captured: false };
    const current = this.env.current;
    const noreclaim = current.memalloc;
    current.memalloc = true;
    const capture = { pfn: -1 };
    let result: CompactResult;
    try {
      result = this.tryToCompactPages(gfp, order, allocFlags, ac, prio, capture);
    } finally {
      current.memalloc = noreclaim;
    }
    if (result === CompactResult.COMPACT_SKIPPED) return { pfn: -1, result, captured: false };
    const events = this.env.vmstat.events;
    events[VmEvent.COMPACTSTALL]++;
    const captured = capture.pfn >= 0;
    // Prep a captured page if available, else try the free lists.
    let pfn = capture.pfn;
    if (captured) this.env.alloc.prepCapturedPage(pfn, order, gfp);
    else pfn = this.env.alloc.getPageFromFreelist(gfp, order, allocFlags, ac);
    if (pfn >= 0) {
      const z = this.state(this.env.mem.pageZone(pfn));
      z.blockskipFlush = false;
      this.deferral.compactionDeferReset(z, order, true);
      events[VmEvent.COMPACTSUCCESS]++;
      return { pfn, result, captured };
    }
    events[VmEvent.COMPACTFAIL]++;
    return { pfn: -1, result, captured: false };
  }
}
