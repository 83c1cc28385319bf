import { createKernel, type Kernel } from '../kernel/kernel';
import { NR_PAGE_ORDERS, pageblock_nr_pages } from '../mem/constants';
import { tpPrintk } from '../events/ftrace-format';
import { PageFrames } from '../mem/page-frames';
import { PageLists } from '../mem/page-list';
import { ZoneStat } from '../stat/vmstat-items';
import { checkBuddy } from '../zone/check-buddy';
import { GFP_KERNEL, GFP_NOWAIT, __GFP_NORETRY, __GFP_NOWARN, __GFP_RETRY_MAYFAIL } from '../zone/gfp';
import { Zone } from '../zone/zone';
import { ZoneType } from '../zone/zone-type';
import type { AllocContext } from '../zone/alloc-context';
import { CompactPriority, CompactResult } from './compact-control';
import { type CompactRetryEvent, MAX_COMPACT_RETRIES, shouldCompactRetry } from './compact-retry';
import { compactionZonelistSuitable } from './suitable';
import { fragmentedKernel, onlyZone } from './__fixtures__/fragmented';

/** A hand-built zone with `free` order-0 pages, `file` file LRU pages; watermarks 10/20/30. */
function handZone(free: number, file = 0): Zone {
  const zone = new Zone(0, ZoneType.NORMAL, new PageLists(new PageFrames(1)));
  zone.managedPages = zone.presentPages = zone.spannedPages = 1 << 16;
  zone.watermark.set([10, 20, 30, 40]);
  for (let o = 0; o < NR_PAGE_ORDERS; o++) zone.nrFree[o] = 0;
  zone.nrFree[0] = free;
  zone.nrFreeByType[1] = free;
  zone.vmStat[ZoneStat.NR_FREE_PAGES] = free;
  zone.vmStat[ZoneStat.NR_ZONE_INACTIVE_FILE] = file;
  return zone;
}

function acOf(zone: Zone): AllocContext {
  return { zones: [zone], preferredZone: zone, highestZoneidx: zone.type, migratetype: 0, preferredNid: 0, fastAllocFlags: 0 };
}

const COMPACT_SKIPPED = CompactResult.COMPACT_SKIPPED;
const COMPACT_DEFERRED = CompactResult.COMPACT_DEFERRED;
const COMPACT_COMPLETE = CompactResult.COMPACT_COMPLETE;
const COMPACT_PARTIAL_SKIPPED = CompactResult.COMPACT_PARTIAL_SKIPPED;
const COMPACT_CONTENDED = CompactResult.COMPACT_CONTENDED;
const COMPACT_SUCCESS = CompactResult.COMPACT_SUCCESS;
const ASYNC = CompactPriority.COMPACT_PRIO_ASYNC;
const SYNC_LIGHT = CompactPriority.COMPACT_PRIO_SYNC_LIGHT;
const SYNC_FULL = CompactPriority.COMPACT_PRIO_SYNC_FULL;

describe('should_compact_retry (mm/page_alloc.c)', () => {
  it.each([
    // [case, order, result, priority, retries, expected ret, priority after, retries after]
    ['order 0 never retries compaction', 0, COMPACT_COMPLETE, ASYNC, 0, false, ASYNC, 0],
    ['COMPLETE at SYNC_LIGHT raises to SYNC_FULL for a non-costly order', 3, COMPACT_COMPLETE, SYNC_LIGHT, 5, true, SYNC_FULL, 0],
    ['COMPLETE at SYNC_FULL: nothing left to try', 3, COMPACT_COMPLETE, SYNC_FULL, 0, false, SYNC_FULL, 0],
    ['costly orders stop at SYNC_LIGHT (MIN_COMPACT_COSTLY_PRIORITY)', 9, COMPACT_COMPLETE, SYNC_LIGHT, 0, false, SYNC_LIGHT, 0],
    ['costly orders may go ASYNC → SYNC_LIGHT', 9, COMPACT_PARTIAL_SKIPPED, ASYNC, 0, true, SYNC_LIGHT, 0],
    ['DEFERRED withdraws: raise the priority', 2, COMPACT_DEFERRED, ASYNC, 0, true, SYNC_LIGHT, 0],
    ['CONTENDED withdraws: raise the priority', 2, COMPACT_CONTENDED, SYNC_LIGHT, 0, true, SYNC_FULL, 0],
    ['SUCCESS but the page was taken: retry at the same priority', 3, COMPACT_SUCCESS, SYNC_LIGHT, 0, true, SYNC_LIGHT, 1],
    ['SUCCESS: the 16th retry is still allowed', 3, COMPACT_SUCCESS, SYNC_LIGHT, MAX_COMPACT_RETRIES - 1, true, SYNC_LIGHT, MAX_COMPACT_RETRIES],
    ['SUCCESS: the 17th retry raises the priority instead', 3, COMPACT_SUCCESS, SYNC_LIGHT, MAX_COMPACT_RETRIES, true, SYNC_FULL, 0],
    ['SUCCESS for a costly order: only 16/4 = 4 retries', 9, COMPACT_SUCCESS, ASYNC, 4, true, SYNC_LIGHT, 0],
    ['SUCCESS for a costly order out of retries at its lowest priority', 9, COMPACT_SUCCESS, SYNC_LIGHT, 4, false, SYNC_LIGHT, 5],
  ] as const)('%s', (_name, order, result, priority, retries, expected, priorityAfter, retriesAfter) => {
    const state = { priority: priority as CompactPriority, retries };
    expect(shouldCompactRetry(acOf(handZone(10_000)), order, result, state, false)).toBe(expected);
    expect(state).toEqual({ priority: priorityAfter, retries: retriesAfter });
  });

  it('SKIPPED retries only if reclaiming (reclaimable / order) pages would make a zone suitable', () => {
    // order 3: min 10 + compact_gap 16 = 26 must be exceeded. 20 free + 24 file / 3 = 28 > 26.
    const state = { priority: ASYNC as CompactPriority, retries: 0 };
    expect(shouldCompactRetry(acOf(handZone(20, 24)), 3, COMPACT_SKIPPED, state, false)).toBe(true);
    expect(state).toEqual({ priority: ASYNC, retries: 0 });
    // 20 + 15 / 3 = 25: even full reclaim of that share would not help.
    expect(shouldCompactRetry(acOf(handZone(20, 15)), 3, COMPACT_SKIPPED, state, false)).toBe(false);
    expect(compactionZonelistSuitable([handZone(20, 15), handZone(20, 24)], 3, ZoneType.NORMAL)).toBe(true);
  });

  it('reports the compact_retry tracepoint fields and formats them as include/trace/events/oom.h does', () => {
    const events: CompactRetryEvent[] = [];
    shouldCompactRetry(acOf(handZone(10_000)), 9, COMPACT_COMPLETE, { priority: ASYNC, retries: 2 }, false, (e) => events.push(e));
    expect(events).toEqual([{ order: 9, priority: ASYNC, result: COMPACT_COMPLETE, retries: 2, max_retries: 16, ret: true }]);
    expect(tpPrintk('compact_retry', events[0]!)).toBe(
      'order=9 priority=COMPACT_PRIO_ASYNC compaction_result=failed retries=2 max_retries=16 should_retry=1');
    expect(tpPrintk('compact_retry', { ...events[0]!, result: COMPACT_DEFERRED, ret: false })).toMatch(/compaction_result=withdrawn .* should_retry=0$/);
  });
});

/**
 * A machine whose free memory is order-0 pages between unmovable kernel pages: every page is
 * allocated with GFP_NOWAIT (stealing whole pageblocks for UNMOVABLE), then every other one
 * freed. No compaction can create a high-order block: nothing there is movable.
 */
function unmovableChequerboard(): Kernel {
  const kernel = createKernel({ machine: { nodes: [{ memory: '16MiB' }], layout: 'flat' }, thp: 'never' });
  compactionOnly(kernel);
  const held: number[] = [];
  // Watermarks at zero and no boosting so that nothing is left over below them; restored afterwards.
  const minFree = kernel.alloc.minFreeKbytes;
  const boost = kernel.alloc.sysctl.watermark_boost_factor;
  kernel.alloc.sysctl.watermark_boost_factor = 0;
  kernel.alloc.setMinFreeKbytes(0);
  for (let got = true; got; ) {
    kernel.alloc.drainAllPages();
    got = false;
    for (let pfn; (pfn = kernel.alloc.allocPagesPfn(GFP_NOWAIT | __GFP_NOWARN, 0)) >= 0; got = true) held.push(pfn);
  }
  kernel.alloc.drainAllPages();
  expect(onlyZone(kernel).vmStat[ZoneStat.NR_FREE_PAGES]).toBe(0);
  kernel.alloc.setMinFreeKbytes(minFree);
  kernel.alloc.sysctl.watermark_boost_factor = boost;
  for (const pfn of held) if (pfn & 1) kernel.alloc.freePages(pfn, 0);
  kernel.alloc.drainAllPages();
  for (let o = 1; o < NR_PAGE_ORDERS; o++) expect(onlyZone(kernel).nrFree[o]).toBe(0);
  return kernel;
}

/**
 * Compaction alone: kswapd and direct reclaim (reclaim/) would free or drain pages between the
 * steps and blur which compaction run produced the page. `progress` is what direct reclaim reports.
 */
function compactionOnly(kernel: Kernel, progress = 0): { reclaimCalls: number } {
  const calls = { reclaimCalls: 0 };
  kernel.alloc.setSlowpathHooks({
    wakeKswapd: () => undefined,
    directReclaim: () => {
      calls.reclaimCalls++;
      return progress;
    },
  });
  return calls;
}

/** Records the priority of every try_to_compact_pages() call. */
function recordPriorities(kernel: Kernel): number[] {
  const prios: number[] = [];
  kernel.events.on('mm_compaction_try_to_compact_pages', (e) => prios.push(e.prio));
  return prios;
}

function counters(kernel: Kernel): { stall: number; success: number; fail: number } {
  const s = kernel.vmstat.snapshot(kernel.mem);
  return { stall: s.compact_stall!, success: s.compact_success!, fail: s.compact_fail! };
}

describe('compaction priority escalation in __alloc_pages_slowpath (kernel.md F39, F40)', () => {
  it('an order-3 request whose every pageblock is marked skip succeeds only at SYNC_FULL (ignore_skip_hint)', () => {
    const { kernel, verify } = fragmentedKernel(4096);
    compactionOnly(kernel, 1);
    // Take every free block of order >= 3 so that only compaction can make one.
    for (;;) {
      kernel.alloc.drainAllPages();
      if (kernel.alloc.allocPagesPfn(GFP_NOWAIT | __GFP_NOWARN, 3) < 0 && kernel.alloc.allocPagesPfn(GFP_NOWAIT | __GFP_NOWARN, 3) < 0) break;
    }
    const zone = onlyZone(kernel);
    kernel.alloc.drainAllPages();
    for (let o = 3; o < NR_PAGE_ORDERS; o++) expect(zone.nrFree[o]).toBe(0);
    // As if earlier scans had found nothing anywhere: ASYNC and SYNC_LIGHT honour the hints.
    for (let pfn = zone.zoneStartPfn; pfn < zone.zoneEndPfn; pfn += pageblock_nr_pages) kernel.mem.pageblocks.setSkip(pfn, true);
    const prios = recordPriorities(kernel);
    const c0 = counters(kernel);
    const pfn = kernel.alloc.allocPagesPfn(GFP_KERNEL, 3);
    expect(pfn).toBeGreaterThanOrEqual(0);
    expect(prios).toEqual([ASYNC, SYNC_LIGHT, SYNC_FULL]);
    const c1 = counters(kernel);
    expect({ stall: c1.stall - c0.stall, success: c1.success - c0.success, fail: c1.fail - c0.fail }).toEqual({ stall: 3, success: 1, fail: 2 });
    verify();
    kernel.alloc.freePages(pfn, 3);
    kernel.alloc.drainAllPages();
    expect(checkBuddy(kernel.mem).problems).toEqual([]);
  });

  it('a failing costly request: ASYNC, then one SYNC_LIGHT run that defers the zone; the next attempt is deferred', () => {
    const kernel = unmovableChequerboard();
    const z = kernel.compaction.state(onlyZone(kernel));
    const prios = recordPriorities(kernel);
    const c0 = counters(kernel);
    expect(kernel.alloc.allocPagesPfn(GFP_KERNEL | __GFP_NOWARN, 9)).toBe(-1);
    expect(prios).toEqual([ASYNC, SYNC_LIGHT]);
    // Only the sync failure defers (try_to_compact_pages: prio != COMPACT_PRIO_ASYNC); order_failed
    // stays 0 (it starts 0 and defer_compaction only lowers it).
    expect({ shift: z.deferShift, considered: z.considered, orderFailed: z.orderFailed }).toEqual({ shift: 1, considered: 0, orderFailed: 0 });
    const c1 = counters(kernel);
    expect({ stall: c1.stall - c0.stall, success: c1.success - c0.success, fail: c1.fail - c0.fail }).toEqual({ stall: 2, success: 0, fail: 2 });
    const deferred: number[] = [];
    kernel.events.on('mm_compaction_deferred', (e) => deferred.push(e.order));
    const ends: number[] = [];
    kernel.events.on('mm_compaction_end', (e) => ends.push(e.status));
    expect(kernel.alloc.allocPagesPfn(GFP_KERNEL | __GFP_NOWARN, 9)).toBe(-1);
    // considered 1 < 1 << 1: ASYNC is deferred; considered 2: SYNC_LIGHT runs and fails again.
    expect(deferred).toEqual([9]);
    expect(ends).toEqual([COMPACT_COMPLETE]);
    expect(z.deferShift).toBe(2);
    expect(checkBuddy(kernel.mem).problems).toEqual([]);
  });

  it('__GFP_NORETRY costly requests stay ASYNC, and fail at once when compaction was deferred', () => {
    const kernel = unmovableChequerboard();
    const prios = recordPriorities(kernel);
    expect(kernel.alloc.allocPagesPfn(GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN, 9)).toBe(-1);
    expect(prios.splice(0)).toEqual([ASYNC, ASYNC]);
    expect(kernel.compaction.state(onlyZone(kernel)).deferShift).toBe(0);
    // Defer the zone with a sync failure, then NORETRY gives up right after the deferred ASYNC try.
    expect(kernel.alloc.allocPagesPfn(GFP_KERNEL | __GFP_NOWARN, 9)).toBe(-1);
    prios.length = 0;
    const c0 = counters(kernel);
    expect(kernel.alloc.allocPagesPfn(GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN, 9)).toBe(-1);
    expect(prios).toEqual([ASYNC]);
    const c1 = counters(kernel);
    // COMPACT_DEFERRED is not COMPACT_SKIPPED: the stall and the failure are counted.
    expect({ stall: c1.stall - c0.stall, fail: c1.fail - c0.fail }).toEqual({ stall: 1, fail: 1 });
  });

  it('with reclaim progress, a non-costly request escalates to SYNC_FULL (whole zone) before giving up', () => {
    const kernel = unmovableChequerboard();
    const calls = compactionOnly(kernel, 1);
    const prios = recordPriorities(kernel);
    const retries: string[] = [];
    kernel.events.on('compact_retry', (e) => retries.push(tpPrintk('compact_retry', e)));
    const begins: number[] = [];
    kernel.events.on('mm_compaction_begin', (e) => begins.push(e.migrate_pfn));
    expect(kernel.alloc.allocPagesPfn(GFP_KERNEL | __GFP_NOWARN, 3)).toBe(-1);
    expect(prios).toEqual([ASYNC, SYNC_LIGHT, SYNC_FULL]);
    expect(retries).toEqual([
      'order=3 priority=COMPACT_PRIO_SYNC_LIGHT compaction_result=failed retries=0 max_retries=16 should_retry=1',
      'order=3 priority=COMPACT_PRIO_SYNC_FULL compaction_result=failed retries=0 max_retries=16 should_retry=0',
    ]);
    // SYNC_FULL scans the whole zone from its first pfn.
    expect(begins.at(-1)).toBe(onlyZone(kernel).zoneStartPfn);
    expect(calls.reclaimCalls).toBe(2);
  });

  it('a costly __GFP_RETRY_MAYFAIL request never goes below SYNC_LIGHT', () => {
    const kernel = unmovableChequerboard();
    compactionOnly(kernel, 1);
    const prios = recordPriorities(kernel);
    expect(kernel.alloc.allocPagesPfn(GFP_KERNEL | __GFP_RETRY_MAYFAIL | __GFP_NOWARN, 9)).toBe(-1);
    expect(prios).toEqual([ASYNC, SYNC_LIGHT]);
  });
});
