import { PAGE_ALLOC_COSTLY_ORDER } from '../mem/constants';
import { fragmentationIndex } from '../stat/fragmentation';
import { ZoneStat } from '../stat/vmstat-items';
import { ALLOC_CMA } from '../zone/alloc-flags';
import type { VmSysctl } from '../zone/machine-config';
import { zoneWatermarkOk } from '../zone/watermarks';
import type { Zone } from '../zone/zone';
import { CompactResult, compactGap } from './compact-control';
import type { CompactionTrace } from './compaction-tracepoints';

/**
 * mm/compaction.c: __compaction_suitable(): the order-0 watermark compaction needs to find
 * migration targets: the low watermark for costly orders (min otherwise) plus compact_gap(order),
 * checked with ALLOC_CMA against `wmarkTarget` free pages.
 */
export function __compactionSuitable(zone: Zone, order: number, highestZoneidx: number, wmarkTarget: number): boolean {
  let watermark = order > PAGE_ALLOC_COSTLY_ORDER ? zone.lowWmarkPages() : zone.minWmarkPages();
  watermark += compactGap(order);
  return zoneWatermarkOk(zone, 0, watermark, highestZoneidx, ALLOC_CMA, wmarkTarget);
}

/**
 * mm/compaction.c: compaction_suitable(): the watermark check, then for costly orders the
 * fragmentation index: 0 <= fragindex <= extfrag_threshold means the failure is from lack of
 * memory (COMPACT_NOT_SUITABLE_ZONE, reclaim instead). Returns the result the tracepoint reports:
 * COMPACT_CONTINUE (suitable), COMPACT_SKIPPED or COMPACT_NOT_SUITABLE_ZONE.
 */
export function compactionSuitableResult(zone: Zone, order: number, highestZoneidx: number, sysctl: Pick<VmSysctl, 'extfrag_threshold'>, trace?: CompactionTrace): CompactResult {
  let result: CompactResult;
  if (__compactionSuitable(zone, order, highestZoneidx, zone.vmStat[ZoneStat.NR_FREE_PAGES]!)) {
    result = CompactResult.COMPACT_CONTINUE;
    if (order > PAGE_ALLOC_COSTLY_ORDER) {
      const fragindex = fragmentationIndex(zone, order);
      if (fragindex >= 0 && fragindex <= sysctl.extfrag_threshold) result = CompactResult.COMPACT_NOT_SUITABLE_ZONE;
    }
  } else {
    result = CompactResult.COMPACT_SKIPPED;
  }
  trace?.suitable(zone, order, result);
  return result;
}

/** mm/compaction.c: compaction_suitable() as a boolean. */
export function compactionSuitable(zone: Zone, order: number, highestZoneidx: number, sysctl: Pick<VmSysctl, 'extfrag_threshold'>, trace?: CompactionTrace): boolean {
  return compactionSuitableResult(zone, order, highestZoneidx, sysctl, trace) === CompactResult.COMPACT_CONTINUE;
}

/**
 * mm/vmscan.c: zone_reclaimable_pages(): the file LRU pages, plus the anon LRU pages when they
 * can be reclaimed (swap space is available: get_nr_swap_pages() > 0, which the caller knows).
 */
export function zoneReclaimablePages(zone: Zone, canReclaimAnon: boolean): number {
  const s = zone.vmStat;
  let nr = s[ZoneStat.NR_ZONE_INACTIVE_FILE]! + s[ZoneStat.NR_ZONE_ACTIVE_FILE]!;
  if (canReclaimAnon) nr += s[ZoneStat.NR_ZONE_INACTIVE_ANON]! + s[ZoneStat.NR_ZONE_ACTIVE_ANON]!;
  return nr;
}

/**
 * mm/compaction.c: compaction_zonelist_suitable(): would compaction be suitable in some zone of
 * the zonelist if reclaim freed a share of what it can? Only `reclaimable / order` is counted:
 * thrashing for one high-order allocation that is not even guaranteed to appear is not wanted.
 * Used by should_compact_retry() when compaction was skipped for lack of order-0 targets.
 */
export function compactionZonelistSuitable(zones: readonly Zone[], order: number, highestZoneidx: number, canReclaimAnon = false): boolean {
  for (const zone of zones) {
    const available = Math.floor(zoneReclaimablePages(zone, canReclaimAnon) / order) + zone.vmStat[ZoneStat.NR_FREE_PAGES]!;
    if (__compactionSuitable(zone, order, highestZoneidx, available)) return true;
  }
  return false;
}
