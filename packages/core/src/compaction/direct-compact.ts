import { VmEvent } from '../stat/vmstat-items';
import type { AllocContext } from '../zone/alloc-context';
import { __GFP_IO } from '../zone/gfp';
import { MigrateMode } from '../migrate/migrate-mode';
import {
  CompactControl, type CompactionEnv, CompactPriority, CompactResult, MIN_COMPACT_PRIORITY, type ZoneCompactState,
} from './compact-control';
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
}

/**
 * Direct compaction (mm/compaction.c: try_to_compact_pages, compact_zone_order;
 * mm/page_alloc.c: __alloc_pages_direct_compact), the allocator slow path's compaction step.
 *
 * compaction_capture() needs a hook in __free_one_page that mmsim's buddy does not have; as the
 * documented alternative the page is taken from the free lists right after compaction, which is
 * what the kernel does whenever nothing was captured.
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
   * hints and pageblock suitability.
   */
  compactZoneOrder(zone: Zone, order: number, gfp: number, prio: CompactPriority, allocFlags: number, highestZoneidx: number): CompactResult {
    const list = this.env.migration.newList();
    const cc = new CompactControl(zone, list, {
      order, gfpMask: gfp, highestZoneidx,
      mode: prio === CompactPriority.COMPACT_PRIO_ASYNC ? MigrateMode.ASYNC : MigrateMode.SYNC_LIGHT,
    });
    cc.allocFlags = allocFlags;
    cc.directCompaction = true;
    cc.wholeZone = prio === MIN_COMPACT_PRIORITY;
    cc.ignoreSkipHint = prio === MIN_COMPACT_PRIORITY;
    cc.ignoreBlockSuitable = prio === MIN_COMPACT_PRIORITY;
    try {
      return this.compactZone.compactZone(cc, this.state(zone));
    } finally {
      list.release();
    }
  }

  /**
   * mm/compaction.c: try_to_compact_pages(): no __GFP_IO → SKIPPED. Each zone of the zonelist
   * that is not deferred (deferral is ignored at MIN_COMPACT_PRIORITY) is compacted; SUCCESS
   * stops the walk (defer reset, not yet a real success); a non-async COMPLETE/PARTIAL_SKIPPED
   * defers the zone. Returns the best result.
   */
  tryToCompactPages(gfp: number, order: number, allocFlags: number, ac: AllocContext, prio: CompactPriority): CompactResult {
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
      const status = this.compactZoneOrder(zone, order, gfp, prio, allocFlags, ac.highestZoneidx);
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
    if (!order) return { pfn: -1, result: CompactResult.COMPACT_SKIPPED };
    const current = this.env.current;
    const noreclaim = current.memalloc;
    current.memalloc = true;
    let result: CompactResult;
    try {
      result = this.tryToCompactPages(gfp, order, allocFlags, ac, prio);
    } finally {
      current.memalloc = noreclaim;
    }
    if (result === CompactResult.COMPACT_SKIPPED) return { pfn: -1, result };
    const events = this.env.vmstat.events;
    events[VmEvent.COMPACTSTALL]++;
    const pfn = this.env.alloc.getPageFromFreelist(gfp, order, allocFlags, ac);
    if (pfn >= 0) {
      const z = this.state(this.env.mem.pageZone(pfn));
      z.blockskipFlush = false;
      this.deferral.compactionDeferReset(z, order, true);
      events[VmEvent.COMPACTSUCCESS]++;
      return { pfn, result };
    }
    events[VmEvent.COMPACTFAIL]++;
    return { pfn: -1, result };
  }
}
