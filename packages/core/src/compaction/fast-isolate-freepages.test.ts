import { tpPrintk } from '../events/ftrace-format';
import { MigrateMode } from '../migrate/migrate-mode';
import { checkBuddy } from '../zone/check-buddy';
import { GFP_HIGHUSER_MOVABLE, GFP_NOWAIT } from '../zone/gfp';
import { CompactControl } from './compact-control';
import { freelistScanLimit, nextSearchOrder } from './fast-isolate-freepages';
import { fragmentedKernel, freeHugeBlocks, onlyZone } from './__fixtures__/fragmented';

function controlOf(order: number, searchOrder: number, fastSearchFail = 0): CompactControl {
  const cc = new CompactControl(null as never, null as never, { order, gfpMask: 0, mode: MigrateMode.ASYNC, highestZoneidx: 0 });
  cc.searchOrder = searchOrder;
  cc.fastSearchFail = fastSearchFail;
  return cc;
}

describe('fast_isolate_freepages helpers (mm/compaction.c, kernel.md F43)', () => {
  it.each([
    // [fast_search_fail, limit]: (COMPACT_CLUSTER_MAX >> fail) + 1
    [0, 33], [1, 17], [5, 2], [6, 1], [40, 1],
  ])('freelist_scan_limit after %i failures is %i', (fail, limit) => {
    expect(freelistScanLimit(controlOf(9, 8, fail))).toBe(limit);
  });

  it('next_search_order walks order-1 … 0, wraps to cc->order-1 and stops at search_order (moving it down)', () => {
    const cc = controlOf(4, 1);
    const seen: number[] = [];
    for (let o = cc.searchOrder; o >= 0; o = nextSearchOrder(cc, o)) seen.push(o);
    expect(seen).toEqual([1, 0, 3, 2]);
    expect(cc.searchOrder).toBe(0);
    const wrap = controlOf(4, 0);
    for (let o = wrap.searchOrder; o >= 0; o = nextSearchOrder(wrap, o));
    expect(wrap.searchOrder).toBe(3);
  });
});

describe('fast_isolate_freepages in compact_zone (kernel.md F43)', () => {
  it('takes migration targets from the MOVABLE free lists in the top of the scan window and traces it', () => {
    const { kernel, verify } = fragmentedKernel(4096);
    while (freeHugeBlocks(kernel) > 0) while (kernel.alloc.allocPagesPfn(GFP_NOWAIT, 9) >= 0);
    const zone = onlyZone(kernel);
    const fast: { start_pfn: number; end_pfn: number; nr_scanned: number; nr_taken: number }[] = [];
    const lines: string[] = [];
    kernel.events.on('mm_compaction_fast_isolate_freepages', (e) => {
      fast.push(e);
      lines.push(tpPrintk('mm_compaction_fast_isolate_freepages', e));
    });
    const linear: number[] = [];
    kernel.events.on('mm_compaction_isolate_freepages', (e) => linear.push(e.nr_taken));
    const report = kernel.compaction.compactZone(zone, { order: 9, mode: MigrateMode.SYNC_LIGHT, gfpMask: GFP_HIGHUSER_MOVABLE });
    expect(fast.length).toBeGreaterThan(0);
    const taken = fast.reduce((n, e) => n + e.nr_taken, 0);
    expect(taken).toBeGreaterThan(0);
    // The range reported is [min_pfn (top half of the window), free_pfn).
    for (const e of fast) expect(e.start_pfn).toBeLessThanOrEqual(e.end_pfn);
    expect(lines[0]).toMatch(/^range=\(0x[0-9a-f]+ ~ 0x[0-9a-f]+\) nr_scanned=\d+ nr_taken=\d+$/);
    expect(report.freeScanned).toBeGreaterThan(0);
    verify();
    kernel.alloc.drainAllPages();
    expect(checkBuddy(kernel.mem).problems).toEqual([]);
  });

  it('compact_memory (order -1) never uses the fast path', () => {
    const { kernel } = fragmentedKernel(1024);
    let fast = 0;
    kernel.events.on('mm_compaction_fast_isolate_freepages', () => fast++);
    kernel.compaction.compactMemory();
    expect(fast).toBe(0);
    expect(kernel.vmstat.snapshot(kernel.mem).compact_isolated).toBeGreaterThan(0);
  });
});
