import { createKernel, type Kernel } from '../kernel/kernel';
import { pageblock_nr_pages } from '../mem/constants';
import { MigrateMode } from '../migrate/migrate-mode';
import { checkBuddy } from '../zone/check-buddy';
import { __GFP_MOVABLE, __GFP_NOWARN } from '../zone/gfp';
import { MigrateType } from '../zone/migratetype';
import { CompactControl } from './compact-control';
import { FAST_START_USED, fastFindMigrateblock } from './fast-find-migrateblock';
import { onlyZone } from './__fixtures__/fragmented';

/**
 * All memory taken as movable order-4 (then order-3) blocks, then the order-4 blocks at `freed`
 * pfns given back: the MOVABLE free lists of orders 3..8 hold exactly those.
 */
function order4Holes(freed: (kernel: Kernel, held: number[]) => number[]): { kernel: Kernel; holes: number[] } {
  const kernel = createKernel({ machine: { nodes: [{ memory: '16MiB' }], layout: 'flat' }, thp: 'never' });
  kernel.alloc.sysctl.watermark_boost_factor = 0;
  kernel.alloc.setMinFreeKbytes(0);
  const held: number[] = [];
  for (let got = true; got; ) {
    kernel.alloc.drainAllPages();
    got = false;
    for (let pfn; (pfn = kernel.alloc.allocPagesPfn(__GFP_MOVABLE | __GFP_NOWARN, 4)) >= 0; got = true) held.push(pfn);
  }
  // Leftover order-3 blocks would be fast-search candidates too: take them as well.
  for (let got = true; got; ) {
    kernel.alloc.drainAllPages();
    got = false;
    while (kernel.alloc.allocPagesPfn(__GFP_MOVABLE | __GFP_NOWARN, 3) >= 0) got = true;
  }
  held.sort((a, b) => a - b);
  const holes = freed(kernel, held);
  for (const pfn of holes) kernel.alloc.freePages(pfn, 4);
  kernel.alloc.drainAllPages();
  return { kernel, holes };
}

function controlFor(kernel: Kernel, opts: Partial<Pick<CompactControl, 'order' | 'migratePfn' | 'ignoreSkipHint' | 'directCompaction' | 'migratetype'>> = {}): CompactControl {
  const zone = onlyZone(kernel);
  const order = opts.order ?? 9;
  const cc = new CompactControl(zone, kernel.migration.newList(), { order, gfpMask: 0, mode: MigrateMode.SYNC_LIGHT, highestZoneidx: zone.type });
  cc.migratePfn = opts.migratePfn ?? zone.zoneStartPfn;
  cc.freePfn = zone.zoneEndPfn - pageblock_nr_pages;
  cc.migratetype = opts.migratetype ?? MigrateType.MOVABLE;
  cc.ignoreSkipHint = opts.ignoreSkipHint ?? false;
  cc.directCompaction = opts.directCompaction ?? false;
  return cc;
}

describe('fast_find_migrateblock (mm/compaction.c, kernel.md F42)', () => {
  // A hole in the third pageblock (first half of the window) and one in the last-but-one.
  const lowAndHigh = (_k: Kernel, held: number[]): number[] => [held.find((p) => p >= 2 * pageblock_nr_pages + 64)!, held[held.length - 40]!];

  it('starts the migrate scanner at the pageblock of a MOVABLE free block in the first half of the window', () => {
    const { kernel, holes } = order4Holes(lowAndHigh);
    const cc = controlFor(kernel);
    const pfn = fastFindMigrateblock(cc, kernel.mem);
    expect(pfn).toBe(2 * pageblock_nr_pages);
    expect(pfn).toBe(holes[0]! & -pageblock_nr_pages);
    expect(cc.fastSearchFail).toBe(0);
    expect(cc.fastStartPfn).toBe(holes[0]);
    expect(cc.totalMigrateScanned).toBeGreaterThan(0);
    expect(checkBuddy(kernel.mem).problems).toEqual([]);
  });

  it.each([
    ['orders up to PAGE_ALLOC_COSTLY_ORDER scan linearly', { order: 3 }, 0],
    ['ignore_skip_hint turns the fast search off', { ignoreSkipHint: true }, 0],
    ['direct compaction for a non-movable request does not clear movable blocks', { directCompaction: true, migratetype: MigrateType.UNMOVABLE }, 0],
    ['a scan resumed inside a pageblock continues there', { migratePfn: 100 }, 0],
  ] as const)('%s', (_name, opts, fails) => {
    const { kernel } = order4Holes(lowAndHigh);
    const cc = controlFor(kernel, opts);
    expect(fastFindMigrateblock(cc, kernel.mem)).toBe(cc.migratePfn);
    expect(cc.fastSearchFail).toBe(fails);
    expect(cc.totalMigrateScanned).toBe(0);
  });

  it('skips blocks marked skip and blocks past the first half; a failure restarts once from fast_start_pfn', () => {
    const { kernel, holes } = order4Holes(lowAndHigh);
    const cc = controlFor(kernel);
    expect(fastFindMigrateblock(cc, kernel.mem)).toBe(2 * pageblock_nr_pages);
    // That block is now marked skip; the other free block lies in the second half.
    kernel.mem.pageblocks.setSkip(holes[0]!, true);
    cc.migratePfn = onlyZone(kernel).zoneStartPfn;
    expect(fastFindMigrateblock(cc, kernel.mem)).toBe(holes[0]);
    expect(cc.migratePfn).toBe(holes[0]);
    expect(cc.fastSearchFail).toBe(1);
    expect(cc.fastStartPfn).toBe(FAST_START_USED);
    cc.migratePfn = onlyZone(kernel).zoneStartPfn;
    expect(fastFindMigrateblock(cc, kernel.mem)).toBe(onlyZone(kernel).zoneStartPfn);
    expect(cc.fastSearchFail).toBe(2);
  });
});
