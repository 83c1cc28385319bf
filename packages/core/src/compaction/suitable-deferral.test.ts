import { createKernel } from '../kernel/kernel';
import { NR_PAGE_ORDERS } from '../mem/constants';
import { ZoneStat } from '../stat/vmstat-items';
import { Zone } from '../zone/zone';
import { ZoneType } from '../zone/zone-type';
import { PageLists } from '../mem/page-list';
import { PageFrames } from '../mem/page-frames';
import { EventBus } from '../events/event-bus';
import { tpPrintk } from '../events/ftrace-format';
import { CompactResult, ZoneCompactState, compactGap } from './compact-control';
import { CompactionTrace } from './compaction-tracepoints';
import { Deferral } from './deferral';
import { __compactionSuitable, compactionSuitableResult } from './suitable';

/** A hand-built zone: free lists as given, watermarks min 10 / low 20 / high 30. */
function handZone(nrFree: Partial<Record<number, number>>): Zone {
  const zone = new Zone(0, ZoneType.NORMAL, new PageLists(new PageFrames(1)));
  zone.managedPages = zone.presentPages = zone.spannedPages = 1 << 16;
  zone.watermark.set([10, 20, 30, 40]);
  let free = 0;
  for (let o = 0; o < NR_PAGE_ORDERS; o++) {
    zone.nrFree[o] = nrFree[o] ?? 0;
    zone.nrFreeByType[o * 6 + 1] = nrFree[o] ?? 0;
    free += (nrFree[o] ?? 0) << o;
  }
  zone.vmStat[ZoneStat.NR_FREE_PAGES] = free;
  return zone;
}

describe('compaction_suitable (mm/compaction.c, kernel.md F37)', () => {
  it.each([
    // [case, nr_free, order, threshold, expected]
    ['costly order: low wmark 20 + gap 2<<4=32 needs > 52 free pages', { 0: 52 }, 4, 500, CompactResult.COMPACT_SKIPPED],
    ['costly order: 53 order-0 pages pass the watermark; fragindex 1000-(1000+3312)/53=919 > 500', { 0: 53 }, 4, 500, CompactResult.COMPACT_CONTINUE],
    ['fragindex 919 <= threshold 950 → lack of memory: not suitable', { 0: 53 }, 4, 950, CompactResult.COMPACT_NOT_SUITABLE_ZONE],
    ['non-costly order uses the min wmark 10 + gap 2<<3=16 and ignores fragindex', { 0: 27 }, 3, 1000, CompactResult.COMPACT_CONTINUE],
    ['non-costly order: 26 free pages fail min 10 + gap 16', { 0: 26 }, 3, 1000, CompactResult.COMPACT_SKIPPED],
    ['fragindex -1000 (a block already exists) is below 0: suitable', { 0: 60, 5: 1 }, 4, 1000, CompactResult.COMPACT_CONTINUE],
  ] as const)('%s', (_name, nrFree, order, threshold, expected) => {
    const zone = handZone(nrFree);
    expect(compactionSuitableResult(zone, order, zone.type, { extfrag_threshold: threshold })).toBe(expected);
  });

  it('__compaction_suitable compares against the wmark_target given, not NR_FREE_PAGES', () => {
    const zone = handZone({ 0: 1000 });
    expect(__compactionSuitable(zone, 9, zone.type, 20 + compactGap(9))).toBe(false);
    expect(__compactionSuitable(zone, 9, zone.type, 21 + compactGap(9))).toBe(true);
  });

  it('traces mm_compaction_suitable with the kernel TP_printk', () => {
    const kernel = createKernel({ machine: { nodes: [{ memory: '16MiB' }], layout: 'flat' } });
    const lines: string[] = [];
    kernel.events.on('mm_compaction_suitable', (e) => lines.push(`${e.nid} ${e.order} ${e.ret}`));
    const zone = kernel.mem.populatedZones[0]!;
    expect(kernel.compaction.compactionSuitable(zone, 9)).toBe(CompactResult.COMPACT_CONTINUE);
    expect(lines).toEqual([`0 9 ${CompactResult.COMPACT_CONTINUE}`]);
  });
});

describe('deferred compaction (kernel.md F38)', () => {
  const fresh = () => {
    const zone = handZone({});
    return { z: new ZoneCompactState(zone), d: new Deferral(new CompactionTrace(new EventBus())) };
  };

  it('defer_compaction: considered = 0, shift++ capped at 6, order_failed = min', () => {
    const { z, d } = fresh();
    z.orderFailed = 9;
    const shifts: number[] = [];
    for (let i = 0; i < 8; i++) {
      z.considered = 5;
      d.deferCompaction(z, 9 - (i % 2));
      shifts.push(z.deferShift);
      expect(z.considered).toBe(0);
    }
    expect(shifts).toEqual([1, 2, 3, 4, 5, 6, 6, 6]);
    expect(z.orderFailed).toBe(8);
  });

  it('compaction_deferred: orders below order_failed never deferred; otherwise the (1<<shift)-th attempt passes', () => {
    const { z, d } = fresh();
    z.orderFailed = 5;
    z.deferShift = 2;
    expect(d.compactionDeferred(z, 4)).toBe(false);
    expect(z.considered).toBe(0);
    const got = [1, 2, 3, 4, 5].map(() => d.compactionDeferred(z, 5));
    expect(got).toEqual([true, true, true, false, false]);
    // clamped at the limit
    expect(z.considered).toBe(4);
  });

  it('compaction_defer_reset: success resets the back-off; order_failed rises above the order', () => {
    const { z, d } = fresh();
    z.orderFailed = 3;
    z.deferShift = 4;
    z.considered = 7;
    d.compactionDeferReset(z, 5, false);
    expect([z.considered, z.deferShift, z.orderFailed]).toEqual([7, 4, 6]);
    d.compactionDeferReset(z, 2, true);
    expect([z.considered, z.deferShift, z.orderFailed]).toEqual([0, 0, 6]);
  });

  it('compaction_restarting: only at shift 6 with considered >= 64, for orders >= order_failed', () => {
    const { z, d } = fresh();
    z.orderFailed = 4;
    z.deferShift = 6;
    z.considered = 63;
    expect(d.compactionRestarting(z, 9)).toBe(false);
    expect(d.compactionDeferred(z, 9)).toBe(false); // 64th attempt passes and clamps
    expect(d.compactionRestarting(z, 9)).toBe(true);
    expect(d.compactionRestarting(z, 3)).toBe(false);
    z.deferShift = 5;
    expect(d.compactionRestarting(z, 9)).toBe(false);
  });

  it('defer tracepoints print order_failed, consider and limit', () => {
    const events = new EventBus();
    const out: string[] = [];
    events.on('mm_compaction_defer_compaction', (e) => out.push(tpPrintk('mm_compaction_defer_compaction', e)));
    const d = new Deferral(new CompactionTrace(events));
    const z = new ZoneCompactState(handZone({}));
    z.orderFailed = 10;
    d.deferCompaction(z, 9);
    expect(out).toEqual(['node=0 zone=Normal   order=9 order_failed=9 consider=0 limit=2']);
  });
});
