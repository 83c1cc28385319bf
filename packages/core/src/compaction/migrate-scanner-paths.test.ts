import { tpPrintk } from '../events/ftrace-format';
import { createKernel } from '../kernel/kernel';
import { PoolDriver } from '../migrate/__fixtures__/pool-driver';
import { MigrateMode } from '../migrate/migrate-mode';
import { NodeStat } from '../stat/vmstat-items';
import { checkBuddy } from '../zone/check-buddy';
import { GFP_HIGHUSER_MOVABLE, GFP_NOWAIT } from '../zone/gfp';
import { CompactResult } from './compact-control';
import { fragmentedKernel, freeHugeBlocks, onlyZone } from './__fixtures__/fragmented';

describe('compaction tracepoints: TP_printk (include/trace/events/compaction.h)', () => {
  it.each([
    ['mm_compaction_begin', { zone_start: 0, migrate_pfn: 0x200, free_pfn: 0x3e00, zone_end: 0x4000, sync: false },
      'zone_start=0x0 migrate_pfn=0x200 free_pfn=0x3e00 zone_end=0x4000, mode=async'],
    ['mm_compaction_end', { zone_start: 0x1000, migrate_pfn: 0x1200, free_pfn: 0x1200, zone_end: 0x8000, sync: true, status: CompactResult.COMPACT_COMPLETE },
      'zone_start=0x1000 migrate_pfn=0x1200 free_pfn=0x1200 zone_end=0x8000, mode=sync status=complete'],
    ['mm_compaction_isolate_migratepages', { start_pfn: 0x200, end_pfn: 0x400, nr_scanned: 512, nr_taken: 32 },
      'range=(0x200 ~ 0x400) nr_scanned=512 nr_taken=32'],
  ] as const)('%s', (name, event, text) => {
    expect(tpPrintk(name, event as never)).toBe(text);
  });

  it('a real run emits begin/end lines in that format', () => {
    const { kernel } = fragmentedKernel(1024);
    const lines: string[] = [];
    kernel.events.on('mm_compaction_begin', (e) => lines.push(tpPrintk('mm_compaction_begin', e)));
    kernel.events.on('mm_compaction_end', (e) => lines.push(tpPrintk('mm_compaction_end', e)));
    kernel.compaction.compactZone(onlyZone(kernel), { order: -1, mode: MigrateMode.SYNC, wholeZone: true, ignoreSkipHint: true });
    expect(lines[0]).toMatch(/^zone_start=0x[0-9a-f]+ migrate_pfn=0x[0-9a-f]+ free_pfn=0x[0-9a-f]+ zone_end=0x[0-9a-f]+, mode=sync$/);
    expect(lines[1]).toMatch(/, mode=sync status=complete$/);
  });
});

describe('migrate scanner paths (mm/compaction.c: isolate_migratepages_block, kernel.md F41)', () => {
  it('too_many_isolated() in ASYNC mode aborts the run: COMPACT_CONTENDED', () => {
    const { kernel } = fragmentedKernel(1024);
    // No free order-9 block left, so compact_zone() has to scan.
    while (freeHugeBlocks(kernel) > 0) while (kernel.alloc.allocPagesPfn(GFP_NOWAIT, 9) >= 0);
    const pgdat = kernel.mem.nodes[0]!;
    const saved = pgdat.vmStat[NodeStat.NR_ISOLATED_ANON]!;
    // More isolated than half of the (>> 3 for __GFP_FS) LRU: other compactors hold them.
    pgdat.vmStat[NodeStat.NR_ISOLATED_ANON] = saved + 1_000_000;
    const report = kernel.compaction.compactZone(onlyZone(kernel), { order: 9, mode: MigrateMode.ASYNC, gfpMask: GFP_HIGHUSER_MOVABLE });
    expect(report.result).toBe(CompactResult.COMPACT_CONTENDED);
    expect(report.migrateScanned).toBe(0);
    pgdat.vmStat[NodeStat.NR_ISOLATED_ANON] = saved;
    const again = kernel.compaction.compactZone(onlyZone(kernel), { order: -1, mode: MigrateMode.SYNC, wholeZone: true, ignoreSkipHint: true });
    expect(again.result).toBe(CompactResult.COMPACT_COMPLETE);
    expect(again.migrateScanned).toBeGreaterThan(0);
  });

  it('isolates non-LRU movable_ops pages through the driver and migrates them with their contents', () => {
    const kernel = createKernel({ machine: { nodes: [{ memory: '16MiB' }], layout: 'flat' }, thp: 'never' });
    const k = { env: kernel.migration.env, alloc: kernel.alloc, mem: kernel.mem, locks: kernel.migration.env.locks };
    const driver = new PoolDriver(k as never);
    // Pool pages interleaved with filler pages, then the filler freed: holes between pool pages.
    const filler: number[] = [];
    for (let i = 0; i < 512; i++) {
      driver.addPage(i & 0xff);
      filler.push(kernel.alloc.allocPagesPfn(GFP_HIGHUSER_MOVABLE, 0));
    }
    for (const pfn of filler) kernel.alloc.freePages(pfn, 0);
    kernel.alloc.drainAllPages();
    const before = new Map(driver.pages);
    kernel.compaction.compactZone(onlyZone(kernel), { order: -1, mode: MigrateMode.SYNC, wholeZone: true, ignoreSkipHint: true });
    const migrated = driver.calls.filter((c) => c.op === 'migrate').length;
    expect(driver.calls.filter((c) => c.op === 'isolate').length).toBeGreaterThan(0);
    expect(migrated).toBeGreaterThan(0);
    expect(driver.isolated).toBe(0);
    // Every object kept its bytes at its (possibly new) pfn.
    expect([...driver.pages.values()].sort((a, b) => a - b)).toEqual([...before.values()].sort((a, b) => a - b));
    for (const [pfn, fill] of driver.pages) expect(kernel.mem.content.read(pfn, 0, 64)).toEqual(new Uint8Array(64).fill(fill));
    expect([...driver.pages.keys()].filter((pfn) => !before.has(pfn)).length).toBe(migrated);
    expect(checkBuddy(kernel.mem).problems).toEqual([]);
  });

  it('a driver refusing isolation keeps its pages where they are', () => {
    const kernel = createKernel({ machine: { nodes: [{ memory: '16MiB' }], layout: 'flat' }, thp: 'never' });
    const k = { env: kernel.migration.env, alloc: kernel.alloc, mem: kernel.mem, locks: kernel.migration.env.locks };
    const driver = new PoolDriver(k as never);
    const filler: number[] = [];
    for (let i = 0; i < 256; i++) {
      driver.addPage(i & 0xff);
      filler.push(kernel.alloc.allocPagesPfn(GFP_HIGHUSER_MOVABLE, 0));
    }
    for (const pfn of filler) kernel.alloc.freePages(pfn, 0);
    driver.refuseIsolation = true;
    const before = [...driver.pages.keys()];
    kernel.compaction.compactZone(onlyZone(kernel), { order: -1, mode: MigrateMode.SYNC, wholeZone: true, ignoreSkipHint: true });
    expect(driver.calls.some((c) => c.op === 'isolate')).toBe(true);
    expect(driver.calls.some((c) => c.op === 'migrate')).toBe(false);
    expect([...driver.pages.keys()]).toEqual(before);
  });
});

describe('skip_on_failure: async direct compaction gives up a cc->order block at its first failure (kernel.md F41)', () => {
  /** The fragmented machine with no free order-4 block and one pinned keeper page in every order-4 block. */
  function pinnedPerBlock() {
    const f = fragmentedKernel(2048);
    const { kernel, keeper, addr, pages } = f;
    for (;;) {
      kernel.alloc.drainAllPages();
      if (kernel.alloc.allocPagesPfn(GFP_NOWAIT, 4) < 0 && kernel.alloc.allocPagesPfn(GFP_NOWAIT, 4) < 0) break;
    }
    const pinnedBlocks = new Set<number>();
    for (let i = 0; i < pages; i++) {
      const pfn = kernel.vm.followPage(keeper, addr + i * 4096).pfn;
      if (pinnedBlocks.has(pfn >> 4)) continue;
      kernel.alloc.getPage(pfn); // a pin: refcount beyond the mappings makes isolation fail
      pinnedBlocks.add(pfn >> 4);
    }
    return { ...f, pinnedBlocks };
  }

  function isolatedBy(direct: boolean): number {
    const { kernel } = pinnedPerBlock();
    let taken = 0;
    kernel.events.on('mm_compaction_isolate_migratepages', (e) => (taken += e.nr_taken));
    kernel.compaction.compactZone(onlyZone(kernel), { order: 4, mode: MigrateMode.ASYNC, gfpMask: GFP_HIGHUSER_MOVABLE, directCompaction: direct });
    return taken;
  }

  it('puts back what it isolated from a block with a pinned page, where kcompactd-style async keeps it', () => {
    const indirect = isolatedBy(false);
    const direct = isolatedBy(true);
    expect(indirect).toBeGreaterThan(0);
    // Every order-4 block with a keeper page holds a pinned one: direct async keeps nothing.
    expect(direct).toBe(0);
  });
});

describe('compact_migrate_scanned counts the free pages the migrate scanner jumps over (kernel.md F41, F45)', () => {
  it('a second whole-zone ASYNC run covers the free top of the zone: more "scanned" than the first, all of it free blocks', () => {
    const { kernel } = fragmentedKernel(2048);
    const zone = onlyZone(kernel);
    const first = kernel.compaction.compactZone(zone, { order: -1, mode: MigrateMode.ASYNC, wholeZone: true });
    // The first run stops where the free scanner met it, just above the fragmented region.
    expect(first.result).toBe(CompactResult.COMPACT_COMPLETE);
    expect(first.migratePfn).toBeLessThan(4 * 512);
    // The free scanner skips blocks that start with a free page of pageblock order or more, but
    // scans (and marks skip) the second pageblock of each free order-10 block: no PageBuddy head.
    const skipped = kernel.compaction.hints.countSkip(zone);
    expect(skipped).toBeGreaterThan(10);
    const events: { start_pfn: number; end_pfn: number; nr_scanned: number; nr_taken: number }[] = [];
    kernel.events.on('mm_compaction_isolate_migratepages', (e) => events.push(e));
    const second = kernel.compaction.compactZone(zone, { order: -1, mode: MigrateMode.ASYNC, wholeZone: true });
    // Nothing to migrate: the free scanner never runs and the migrate scanner walks to its start.
    expect(second.freeScanned).toBe(0);
    expect(second.migratePfn).toBe(zone.zoneEndPfn - 512);
    expect(events.every((e) => e.nr_taken === 0)).toBe(true);
    // An order-10 free block is jumped in one step but counts 1024 (nr_scanned += 2^order - 1),
    // though the pageblock scanned is 512 pfns.
    expect(events.some((e) => e.end_pfn - e.start_pfn === 512 && e.nr_scanned === 1024)).toBe(true);
    expect(second.migrateScanned).toBe(events.reduce((n, e) => n + e.nr_scanned, 0));
    expect(second.migrateScanned).toBeGreaterThan(first.migrateScanned);
    expect(kernel.compaction.hints.countSkip(zone)).toBe(32);
  });
});
