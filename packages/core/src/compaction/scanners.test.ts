import { createKernel } from '../kernel/kernel';
import { PAGE_SIZE, pageblock_nr_pages } from '../mem/constants';
import { PG } from '../mem/page-flags';
import { ISOLATE_ASYNC_MIGRATE, ISOLATE_UNEVICTABLE, MigrateMode } from '../migrate/migrate-mode';
import { NodeStat } from '../stat/vmstat-items';
import { MAP_ANONYMOUS, MAP_PRIVATE, PROT_READ, PROT_WRITE } from '../vm/constants';
import { checkBuddy } from '../zone/check-buddy';
import { GFP_KERNEL, __GFP_COMP } from '../zone/gfp';
import { MigrateType } from '../zone/migratetype';
import { CompactControl, CompactResult } from './compact-control';
import { fragmentedKernel, onlyZone } from './__fixtures__/fragmented';

interface Boot {
  kernel: ReturnType<typeof createKernel>;
  p: ReturnType<ReturnType<typeof createKernel>['vm']['createProcess']>;
  addr: number;
}

function bootWithAnon(pages = 8) {
  const kernel = createKernel({ machine: { nodes: [{ memory: '16MiB' }], layout: 'flat' }, thp: 'never' });
  const p = kernel.vm.createProcess({ comm: 'p' });
  const addr = kernel.vm.mmap(p, { length: pages * PAGE_SIZE, prot: PROT_READ | PROT_WRITE, flags: MAP_PRIVATE | MAP_ANONYMOUS });
  for (let i = 0; i < pages; i++) kernel.vm.write(p, addr + i * PAGE_SIZE, new Uint8Array([i + 1]));
  kernel.lru.lruAddDrainAll();
  const pfnOf = (i: number) => kernel.vm.followPage(p, addr + i * PAGE_SIZE).pfn;
  const zone = onlyZone(kernel);
  const cc = (mode = MigrateMode.SYNC): CompactControl => new CompactControl(zone, kernel.migration.newList(), { order: -1, gfpMask: GFP_KERNEL, mode, highestZoneidx: zone.type });
  const isolateOne = (pfn: number, mode: number, control: CompactControl = cc()): { rc: number; n: number; scanned: number } => {
    const rc = kernel.compaction.migrateScanner.isolateMigratepagesBlock(control, kernel.compaction.state(zone), pfn, pfn + 1, mode);
    const n = control.nrMigratepages;
    kernel.migration.putbackMovablePages(control.migratepages);
    control.migratepages.release();
    return { rc, n, scanned: control.totalMigrateScanned };
  };
  return { kernel, p, addr, pfnOf, zone, cc, isolateOne };
}

describe('isolate_migratepages_block skip rules (kernel.md F41)', () => {
  it.each([
    ['a mapped anonymous LRU page is isolated', (_k: Boot, _pfn: number): void => undefined, 0, 1],
    ['a pinned anonymous page (refcount beyond mapcount) is skipped', (k: Boot, pfn: number): void => { k.kernel.alloc.getPage(pfn); }, 0, 0],
    ['an unevictable page is skipped without ISOLATE_UNEVICTABLE', (k: Boot): void => k.kernel.vm.mlock(k.p, k.addr, PAGE_SIZE), 0, 0],
    ['an unevictable page is isolated with ISOLATE_UNEVICTABLE', (k: Boot): void => { k.kernel.vm.mlock(k.p, k.addr, PAGE_SIZE); k.kernel.lru.lruAddDrainAll(); }, ISOLATE_UNEVICTABLE, 1],
    ['a writeback page is skipped with ISOLATE_ASYNC_MIGRATE', (k: ReturnType<typeof bootWithAnon>, pfn: number) => k.kernel.mem.frames.setFlag(pfn, PG.writeback), ISOLATE_ASYNC_MIGRATE, 0],
    ['a writeback page is isolated in SYNC (no ISOLATE_ASYNC_MIGRATE)', (k: ReturnType<typeof bootWithAnon>, pfn: number) => k.kernel.mem.frames.setFlag(pfn, PG.writeback), 0, 1],
    ['a dirty anonymous page (no mapping) is isolated even in async', (k: ReturnType<typeof bootWithAnon>, pfn: number) => k.kernel.mem.frames.setFlag(pfn, PG.dirty), ISOLATE_ASYNC_MIGRATE, 1],
  ] as const)('%s', (_name, prepare, mode, expected) => {
    const k = bootWithAnon();
    const pfn = k.pfnOf(0);
    prepare(k, pfn);
    const { rc, n } = k.isolateOne(pfn, mode);
    expect(rc).toBe(0);
    expect(n).toBe(expected);
    if (k.kernel.mem.frames.testFlag(pfn, PG.writeback)) k.kernel.mem.frames.clearFlag(pfn, PG.writeback);
    const node = k.kernel.mem.nodes[0]!;
    expect(node.vmStat[NodeStat.NR_ISOLATED_ANON]).toBe(0);
  });

  it('free buddy pages are skipped by their order; compound and unmovable kernel pages are not taken', () => {
    const k = bootWithAnon();
    const { kernel, zone } = k;
    const comp = kernel.alloc.allocPagesPfn(GFP_KERNEL | __GFP_COMP, 2);
    const plain = kernel.alloc.allocPagesPfn(GFP_KERNEL, 0);
    const c1 = k.cc();
    expect(kernel.compaction.migrateScanner.isolateMigratepagesBlock(c1, kernel.compaction.state(zone), comp, comp + 4, 0)).toBe(0);
    expect([c1.nrMigratepages, c1.totalMigrateScanned]).toEqual([0, 4]);
    c1.migratepages.release();
    expect(k.isolateOne(plain, 0).n).toBe(0);
    kernel.alloc.drainAllPages();
    const free = kernel.alloc.buddy.firstFree(zone, 10, MigrateType.MOVABLE);
    const c2 = k.cc();
    kernel.compaction.migrateScanner.isolateMigratepagesBlock(c2, kernel.compaction.state(zone), free, free + pageblock_nr_pages, 0);
    // one probe of the order-10 block walks past the whole pageblock
    expect(c2.totalMigrateScanned).toBe(1024);
    c2.migratepages.release();
  });

  it('stops after COMPACT_CLUSTER_MAX (32) isolated pages unless finishing the pageblock', () => {
    const k = bootWithAnon(100);
    const first = k.pfnOf(0);
    const c = k.cc();
    const z = k.kernel.compaction.state(k.zone);
    k.kernel.compaction.migrateScanner.isolateMigratepagesBlock(c, z, first, first + 100, 0);
    expect(c.nrMigratepages).toBe(32);
    k.kernel.migration.putbackMovablePages(c.migratepages);
    c.nrMigratepages = 0;
    // putback goes through the LRU batches; drain them so the pages are PG_lru again.
    k.kernel.lru.lruAddDrainAll();
    let onLru = 0;
    for (let pfn = first; pfn < first + 100; pfn++) if (k.kernel.mem.frames.testFlag(pfn, PG.lru)) onLru++;
    expect(onLru).toBeGreaterThan(32);
    c.finishPageblock = true;
    k.kernel.compaction.migrateScanner.isolateMigratepagesBlock(c, z, first, first + 100, 0);
    expect(c.nrMigratepages).toBe(onLru);
    k.kernel.migration.putbackMovablePages(c.migratepages);
    c.migratepages.release();
    expect(checkBuddy(k.kernel.mem).problems).toEqual([]);
  });
});

describe('free scanner (kernel.md F43)', () => {
  it.each([
    [MigrateType.MOVABLE, true],
    [MigrateType.CMA, true],
    [MigrateType.UNMOVABLE, false],
    [MigrateType.RECLAIMABLE, false],
  ])('suitable_migration_target of a %s pageblock is %s', (mt, ok) => {
    const { kernel, zone, cc } = bootWithAnon();
    const control = cc();
    const taken = kernel.alloc.allocPagesPfn(GFP_KERNEL, 0);
    const block = taken & ~(pageblock_nr_pages - 1);
    kernel.mem.pageblocks.setMigratetype(block, mt);
    expect(kernel.compaction.freeScanner.suitableMigrationTarget(control, block)).toBe(ok);
    control.ignoreBlockSuitable = true;
    expect(kernel.compaction.freeScanner.suitableMigrationTarget(control, block)).toBe(true);
    // A free block of pageblock order or more is refused whatever the type or the flags.
    const head = kernel.alloc.buddy.firstFree(zone, 10, MigrateType.MOVABLE);
    expect(kernel.compaction.freeScanner.suitableMigrationTarget(control, head)).toBe(false);
    control.migratepages.release();
  });

  it('a sync compaction of a fragmented zone never takes targets from an UNMOVABLE pageblock', () => {
    const { kernel, verify } = fragmentedKernel(2048);
    const zone = onlyZone(kernel);
    // Mark the top pageblock with free pages UNMOVABLE: it must keep its free pages.
    const top = (zone.zoneEndPfn - pageblock_nr_pages) & ~(pageblock_nr_pages - 1);
    kernel.mem.pageblocks.setMigratetype(top, MigrateType.UNMOVABLE);
    kernel.alloc.drainAllPages();
    const freeInTop = () => {
      let n = 0;
      for (let p = top; p < top + pageblock_nr_pages; ) {
        if (kernel.alloc.buddy.isBuddy(p)) {
          n += 1 << kernel.alloc.buddy.buddyOrder(p);
          p += 1 << kernel.alloc.buddy.buddyOrder(p);
        } else p++;
      }
      return n;
    };
    const before = freeInTop();
    const r = kernel.compaction.compactZone(zone, { order: -1, mode: MigrateMode.SYNC, wholeZone: true, ignoreSkipHint: true });
    expect(r.result).toBe(CompactResult.COMPACT_COMPLETE);
    kernel.alloc.drainAllPages();
    expect(freeInTop()).toBeGreaterThanOrEqual(before);
    verify();
  });
});
