import { Errno } from '../errors';
import { NR_PAGE_ORDERS, pageblock_nr_pages, pageblock_order } from '../mem/constants';
import { MigrateMode, MigrateReason } from '../migrate/migrate-mode';
import { COMPACTION_HPAGE_ORDER, fragmentationScoreWmark, fragmentationScoreZone } from '../stat/fragmentation';
import { VmEvent } from '../stat/vmstat-items';
import { ALLOC_WMARK_MASK } from '../zone/alloc-flags';
import type { CaptureControl } from '../zone/buddy';
import { findSuitableFallback } from '../zone/fallback';
import { gfpMigratetype } from '../zone/gfp';
import { MIGRATE_TYPES, MigrateType } from '../zone/migratetype';
import { pageblockStartPfn } from '../zone/pageblock';
import { zoneWatermarkOkSafe } from '../zone/watermarks';
import {
  type CompactControl, type CompactionEnv, CompactResult, IsolateMigrate, type ZoneCompactState, isViaCompactMemory,
} from './compact-control';
import type { CompactionTrace } from './compaction-tracepoints';
import type { Deferral } from './deferral';
import type { FreeScanner } from './free-scanner';
import type { MigrateScanner } from './migrate-scanner';
import type { SkipHints } from './skip-hints';
import { compactionSuitable } from './suitable';

/** mm/compaction.c: block_start_pfn(pfn, order) */
function blockStartPfn(pfn: number, order: number): number {
  return pfn & -(1 << order);
}

/** The parts compact_zone() is made of. */
export interface CompactZoneParts {
  readonly hints: SkipHints;
  readonly migrateScanner: MigrateScanner;
  readonly freeScanner: FreeScanner;
  readonly deferral: Deferral;
  readonly trace: CompactionTrace;
  /** kswapd_is_running(pgdat): mmsim has no kswapd thread yet unless one is hooked in. */
  kswapdIsRunning(nid: number): boolean;
}

/** The zone compaction loop of mm/compaction.c. */
export class CompactZone {
  private readonly fallbackOut = { canSteal: false };

  constructor(private readonly env: CompactionEnv, private readonly parts: CompactZoneParts) {}

  /**
   * mm/compaction.c: compact_scanners_met(): the free scanner reached the migrate scanner's
   * pageblock.
   */
  compactScannersMet(cc: CompactControl): boolean {
    return cc.freePfn >> pageblock_order <= cc.migratePfn >> pageblock_order;
  }

  /**
   * mm/compaction.c: __compact_finished(): COMPLETE / PARTIAL_SKIPPED when the scanners met
   * (cached positions reset; direct compaction asks for a skip-bit flush); proactive compaction
   * runs until the zone score drops to the low watermark; order -1 runs until the scanners meet;
   * otherwise, at pageblock boundaries, SUCCESS once a free page of the order is on a usable list
   * (own migratetype, CMA for movable, or a stealable fallback).
   */
  __compactFinished(cc: CompactControl, z: ZoneCompactState): CompactResult {
    let ret: CompactResult;
    if (this.compactScannersMet(cc)) {
      // Let the next compaction start anew.
      this.parts.hints.resetCachedPositions(z);
      // kswapd is expected to clear the skip bits when it goes to sleep.
      if (cc.directCompaction) z.blockskipFlush = true;
      return cc.wholeZone ? CompactResult.COMPACT_COMPLETE : CompactResult.COMPACT_PARTIAL_SKIPPED;
    }
    if (cc.proactiveCompaction) {
      if (this.parts.kswapdIsRunning(cc.zone.nid)) return CompactResult.COMPACT_PARTIAL_SKIPPED;
      const score = fragmentationScoreZone(cc.zone);
      const wmarkLow = fragmentationScoreWmark(true, this.env.sysctl.compaction_proactiveness);
      ret = score > wmarkLow ? CompactResult.COMPACT_CONTINUE : CompactResult.COMPACT_SUCCESS;
    } else {
      if (isViaCompactMemory(cc.order)) return CompactResult.COMPACT_CONTINUE;
      // Always finish scanning a pageblock to reduce the possibility of fallbacks in the future.
      if (cc.migratePfn & (pageblock_nr_pages - 1)) return CompactResult.COMPACT_CONTINUE;
      ret = CompactResult.COMPACT_NO_SUITABLE_PAGE;
      const zone = cc.zone;
      for (let order = cc.order; order < NR_PAGE_ORDERS; order++) {
        // Job done if page is free of the right migratetype
        if (zone.nrFreeByType[order * MIGRATE_TYPES + cc.migratetype]) return CompactResult.COMPACT_SUCCESS;
        // MIGRATE_MOVABLE can fallback on MIGRATE_CMA
        if (cc.migratetype === MigrateType.MOVABLE && zone.nrFreeByType[order * MIGRATE_TYPES + MigrateType.CMA]) return CompactResult.COMPACT_SUCCESS;
        // Job done if allocation would steal freepages from other migratetype buddy lists.
        if (cc.migratetype < MigrateType.HIGHATOMIC && findSuitableFallback(zone, order, cc.migratetype, true, this.fallbackOut) !== -1) {
          return CompactResult.COMPACT_SUCCESS;
        }
      }
    }
    if (cc.contended) ret = CompactResult.COMPACT_CONTENDED;
    return ret;
  }

  /** mm/compaction.c: compact_finished(): traced; NO_SUITABLE_PAGE means CONTINUE. */
  compactFinished(cc: CompactControl, z: ZoneCompactState): CompactResult {
    const ret = this.__compactFinished(cc, z);
    this.parts.trace.finished(cc.zone, cc.order, ret);
    return ret === CompactResult.COMPACT_NO_SUITABLE_PAGE ? CompactResult.COMPACT_CONTINUE : ret;
  }

  /**
   * mm/compaction.c: compact_zone(): unless order -1, SUCCESS if the watermark already holds and
   * SKIPPED if compaction is not suitable. Then the scanners start at the cached positions (or the
   * zone ends for whole_zone) and, until compact_finished() says otherwise, isolate a batch of
   * sources, migrate_pages() them onto free targets (compaction_alloc/compaction_free), put back
   * failures (ENOMEM with the scanners apart → CONTENDED; ASYNC/SYNC_LIGHT failure inside a
   * pageblock → rescan the rest of it) and drain the per-cpu lists when leaving an order-aligned
   * block. A block of cc->order captured by the free path meanwhile (`capc`, direct compaction)
   * ends the run with SUCCESS. Unused targets are released and the cached free pfn moved back.
   */
  compactZone(cc: CompactControl, z: ZoneCompactState, capc?: CaptureControl): CompactResult {
    const { lru, migration, alloc, vmstat } = this.env;
    const { hints, migrateScanner, freeScanner, deferral, trace } = this.parts;
    const zone = cc.zone;
    const sync = cc.mode !== MigrateMode.ASYNC;
    const syncIdx = sync ? 1 : 0;
    cc.totalMigrateScanned = 0;
    cc.totalFreeScanned = 0;
    cc.nrMigratepages = 0;
    cc.nrFreepages = 0;
    cc.migratetype = gfpMigratetype(cc.gfpMask);
    if (!isViaCompactMemory(cc.order)) {
      const watermark = zone.wmarkPages(cc.allocFlags & ALLOC_WMARK_MASK);
      if (zoneWatermarkOkSafe(zone, cc.order, watermark, cc.highestZoneidx, cc.allocFlags)) return CompactResult.COMPACT_SUCCESS;
      // Compaction is likely to fail
      if (!compactionSuitable(zone, cc.order, cc.highestZoneidx, this.env.sysctl, trace)) return CompactResult.COMPACT_SKIPPED;
    }
    // Clear pageblock skip if there were failures recently and compaction is about to be retried
    // after being deferred.
    if (deferral.compactionRestarting(z, cc.order)) hints.resetIsolationSuitable(z);
    const startPfn = zone.zoneStartPfn;
    const endPfn = zone.zoneEndPfn;
    if (cc.wholeZone) {
      cc.migratePfn = startPfn;
      cc.freePfn = pageblockStartPfn(endPfn - 1);
    } else {
      cc.migratePfn = z.cachedMigratePfn[syncIdx]!;
      cc.freePfn = z.cachedFreePfn;
      if (cc.freePfn < startPfn || cc.freePfn >= endPfn) {
        cc.freePfn = pageblockStartPfn(endPfn - 1);
        z.cachedFreePfn = cc.freePfn;
      }
      if (cc.migratePfn < startPfn || cc.migratePfn >= endPfn) {
        cc.migratePfn = startPfn;
        z.cachedMigratePfn[0] = cc.migratePfn;
        z.cachedMigratePfn[1] = cc.migratePfn;
      }
      if (cc.migratePfn <= z.initMigratePfn) cc.wholeZone = true;
    }
    let lastMigratedPfn = 0;
    // Migrate has separate cached PFNs for ASYNC and SYNC* migration on the assumption that
    // ASYNC migration is failing on a pageblock and SYNC migration should retry it.
    let updateCached = !sync && z.cachedMigratePfn[0] === z.cachedMigratePfn[1];
    trace.begin(startPfn, cc.migratePfn, cc.freePfn, endPfn, sync);
    // lru_add_drain(): folios in this cpu's LRU batches become isolatable.
    lru.lruAddDrain();
    const getNew = (src: number): number => freeScanner.compactionAlloc(cc, z, src);
    const putNew = (dst: number): void => freeScanner.compactionFree(cc, dst);
    let ret: CompactResult;
    while ((ret = this.compactFinished(cc, z)) === CompactResult.COMPACT_CONTINUE) {
      const iterationStartPfn = cc.migratePfn;
      // Avoid multiple rescans of the same pageblock: the first rescan captures the whole block.
      cc.finishPageblock = pageblockStartPfn(lastMigratedPfn) === pageblockStartPfn(iterationStartPfn);
      let contended = false;
      for (;;) {
        const isolated = migrateScanner.isolateMigratepages(cc, z);
        if (isolated === IsolateMigrate.ISOLATE_ABORT) {
          migration.putbackMovablePages(cc.migratepages);
          cc.nrMigratepages = 0;
          contended = true;
          break;
        }
        if (isolated === IsolateMigrate.ISOLATE_NONE) {
          if (updateCached) z.cachedMigratePfn[1] = z.cachedMigratePfn[0]!;
          break;
        }
        updateCached = false;
        lastMigratedPfn = Math.max(zone.zoneStartPfn, pageblockStartPfn(cc.migratePfn - 1));
        const res = migration.migratePages(cc.migratepages, getNew, putNew, cc.mode, MigrateReason.MR_COMPACTION);
        trace.migratepages(cc.nrMigratepages, res.succeeded);
        // All pages were either migrated or will be released
        cc.nrMigratepages = 0;
        if (res.ret !== 0) {
          migration.putbackMovablePages(cc.migratepages);
          // migrate_pages() may return -ENOMEM when scanners meet and compact_finished() detects it
          if (res.ret === -Errno.ENOMEM && !this.compactScannersMet(cc)) {
            contended = true;
            break;
          }
          // An ASYNC or SYNC_LIGHT failure inside a pageblock: scan the rest of the block so it
          // gets marked skip rather than revisited.
          if (cc.migratePfn & (pageblock_nr_pages - 1) && !cc.ignoreSkipHint && !cc.finishPageblock && cc.mode < MigrateMode.SYNC) {
            cc.finishPageblock = true;
            // Draining pcplists does not help THP if any page failed to migrate.
            if (cc.order === COMPACTION_HPAGE_ORDER) lastMigratedPfn = 0;
            continue;
          }
        }
        break;
      }
      if (contended) {
        ret = CompactResult.COMPACT_CONTENDED;
        break;
      }
      // Has the migration scanner moved away from the previous cc->order aligned block where we
      // migrated from? Then flush the freed pages so they merge and compact_finished() sees them.
      if (cc.order > 0 && lastMigratedPfn) {
        const currentBlockStart = blockStartPfn(cc.migratePfn, cc.order);
        if (lastMigratedPfn < currentBlockStart) {
          // lru_add_drain_cpu_zone(): this cpu's LRU batches and per-cpu free pages of the zone.
          lru.lruAddDrain();
          alloc.pcp.drainZone(zone, zone.pcp[this.env.current.cpu]!);
          lastMigratedPfn = 0;
        }
      }
      // Stop if a page has been captured
      if (capc && capc.page >= 0) {
        ret = CompactResult.COMPACT_SUCCESS;
        break;
      }
    }
    // Release free pages and update where the free scanner should restart (only go back).
    if (cc.nrFreepages > 0) {
      const freePfn = pageblockStartPfn(freeScanner.releaseFreepages(cc));
      if (freePfn > z.cachedFreePfn) z.cachedFreePfn = freePfn;
    }
    vmstat.events[VmEvent.COMPACTMIGRATE_SCANNED] += cc.totalMigrateScanned;
    vmstat.events[VmEvent.COMPACTFREE_SCANNED] += cc.totalFreeScanned;
    trace.end(startPfn, cc.migratePfn, cc.freePfn, endPfn, sync, ret);
    return ret;
  }
}
