import fc from 'fast-check';
import { KernelError } from '../errors';
import { createKernel } from '../kernel/kernel';
import { pageblock_nr_pages } from '../mem/constants';
import { ZoneStat } from '../stat/vmstat-items';
import { Gup } from '../vm/gup';
import { GFP_HIGHUSER_MOVABLE, GFP_KERNEL, GFP_NOWAIT, __GFP_NOWARN } from '../zone/gfp';
import { MIGRATE_TYPES, MigrateType } from '../zone/migratetype';
import type { Kernel } from '../kernel/kernel';
import { anonProcess, buddyProblems, cmaKernel, onlyZone } from './__fixtures__/cma-kernel';

const inArea = (k: Kernel, pfn: number): boolean => k.cma.areas.some((a) => pfn >= a.basePfn && pfn < a.basePfn + a.count);
const freeCma = (k: Kernel): number => onlyZone(k).vmStat[ZoneStat.NR_FREE_CMA_PAGES]!;
const counters = (k: Kernel) => {
  const s = k.vmstat.snapshot(k.mem);
  return { success: s.cma_alloc_success, fail: s.cma_alloc_fail };
};

describe('CMA areas (mm/cma.c: cma_declare_contiguous_nid, cma_init_reserved_areas)', () => {
  it('reserves the configured areas as MIGRATE_CMA pageblocks, counted in NR_FREE_CMA_PAGES, cma_pages and CmaTotal/CmaFree', () => {
    const k = cmaKernel([{ name: 'camera', size: '8MiB' }, { name: 'fixed', size: '4MiB', base: '16MiB', orderPerBit: 2 }]);
    const zone = onlyZone(k);
    const [camera, fixed] = k.cma.areas;
    expect(fixed).toMatchObject({ name: 'fixed', basePfn: 4096, count: 1024, orderPerBit: 2 });
    expect(camera!.count).toBe(2048);
    expect(camera!.basePfn % pageblock_nr_pages).toBe(0);
    for (const a of k.cma.areas) {
      for (let pb = a.basePfn; pb < a.basePfn + a.count; pb += pageblock_nr_pages) expect(k.mem.pageblocks.migratetype(pb)).toBe(MigrateType.CMA);
    }
    expect(zone.cmaPages).toBe(3072);
    expect(freeCma(k)).toBe(3072);
    expect(k.cma.meminfo()).toEqual({ CmaTotal: 12288, CmaFree: 12288 });
    expect(k.proc.zoneinfo()).toMatch(/cma\s+3072/);
    expect(buddyProblems(k)).toEqual([]);
  });

  it.each([
    ['a size that is not a multiple of a pageblock', [{ name: 'a', size: '3MiB' }], /not a positive multiple of the pageblock size/],
    ['a zero size', [{ name: 'a', size: 0 }], /not a positive multiple/],
    ['a base that is not pageblock aligned', [{ name: 'a', size: '2MiB', base: '1MiB' }], /is not aligned to 2048 KiB/],
    ['overlapping areas', [{ name: 'a', size: '4MiB', base: '8MiB' }, { name: 'b', size: '2MiB', base: '10MiB' }], /"b".*overlaps CMA area "a"/],
    ['an area over reserved memory (the memmap at the top)', [{ name: 'a', size: '2MiB', base: '62MiB' }], /overlaps reserved memory/],
    ['an area beyond the end of memory', [{ name: 'a', size: '4MiB', base: '64MiB' }], /ends beyond the last pfn/],
    ['an area that does not fit anywhere', [{ name: 'a', size: '128MiB' }], /no free, 32768-page range inside one zone/],
    ['a node that does not exist', [{ name: 'a', size: '2MiB', node: 3 }], /node 3 does not exist/],
    ['a size that is not a multiple of the bitmap granule', [{ name: 'a', size: '2MiB', orderPerBit: 10 }], /not a multiple of 2\^orderPerBit/],
    ['duplicate names', [{ name: 'a', size: '2MiB' }, { name: 'a', size: '2MiB' }], /duplicate CMA area name "a"/],
  ])('rejects %s with KernelError EINVAL', (_what, cma, message) => {
    let err: unknown;
    try {
      createKernel({ machine: { nodes: [{ memory: '64MiB' }], layout: 'flat', cma: cma as never } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KernelError);
    expect((err as KernelError).code).toBe('EINVAL');
    expect((err as Error).message).toMatch(message);
  });
});

describe('the allocator and CMA pageblocks (mm/page_alloc.c: __rmqueue, __zone_watermark_unusable_free)', () => {
  it('unmovable allocations never land in CMA; free CMA pages do not count for their watermark; movable ones still succeed from CMA', () => {
    const k = cmaKernel([{ name: 'big', size: '48MiB' }]);
    const zone = onlyZone(k);
    const taken: number[] = [];
    for (;;) {
      const pfn = k.alloc.allocPagesPfn(GFP_NOWAIT | __GFP_NOWARN, 0);
      if (pfn < 0) break;
      taken.push(pfn);
    }
    expect(taken.length).toBeGreaterThan(1000);
    expect(taken.filter((p) => inArea(k, p))).toEqual([]);
    // What is left free is (nearly) all CMA: the non-CMA part fell below the min watermark.
    k.alloc.drainAllPages();
    expect(zone.freePages - freeCma(k)).toBeLessThanOrEqual(zone.watermark[1]!);
    expect(freeCma(k)).toBeGreaterThan(12000);
    const movable = k.alloc.allocPagesPfn(GFP_HIGHUSER_MOVABLE | __GFP_NOWARN, 0);
    expect(inArea(k, movable)).toBe(true);
  });

  it.each([
    ['more than half of the free memory is CMA', '48MiB', true],
    ['CMA is a small part of the free memory', '8MiB', false],
  ])('a movable allocation takes a CMA page first when %s', (_what, size, fromCma) => {
    const k = cmaKernel([{ name: 'area', size }]);
    const pfn = k.alloc.allocPagesPfn(GFP_HIGHUSER_MOVABLE, 0);
    expect(inArea(k, pfn)).toBe(fromCma);
  });
});

describe('cma_alloc / cma_release (mm/cma.c)', () => {
  it('hands out bitmap-tracked ranges, aligned on request, and takes them back (cma_alloc_success/fail)', () => {
    const k = cmaKernel([{ name: 'area', size: '8MiB' }]);
    const area = k.cma.area('area');
    const events: string[] = [];
    for (const tp of ['cma_alloc_start', 'cma_alloc_finish', 'cma_release'] as const) k.events.on(tp, () => events.push(tp));
    const a = k.cma.cmaAlloc('area', 100);
    expect(a).toBe(area.basePfn);
    expect(area.usedPages).toBe(100);
    expect(freeCma(k)).toBe(2048 - 100);
    const b = k.cma.cmaAlloc(area, 10, 6);
    expect(b % 64).toBe(0);
    expect(b).toBe(area.basePfn + 128);
    expect(counters(k)).toEqual({ success: 2, fail: 0 });
    expect(k.cma.cmaRelease(area, a, 100)).toBe(true);
    expect(k.cma.cmaRelease(area, area.basePfn + 2048, 1)).toBe(false);
    expect(area.usedPages).toBe(10);
    k.alloc.drainAllPages();
    expect(freeCma(k)).toBe(2048 - 10);
    // Requests the area cannot hold fail and are counted.
    expect(k.cma.cmaAlloc(area, 4096, 0, true)).toBe(-1);
    expect(k.cma.cmaAlloc(area, 0)).toBe(-1);
    expect(counters(k)).toEqual({ success: 2, fail: 2 });
    expect(events).toEqual(['cma_alloc_start', 'cma_alloc_finish', 'cma_alloc_start', 'cma_alloc_finish', 'cma_release', 'cma_alloc_start', 'cma_alloc_start']);
    expect(() => k.cma.cmaAlloc('nope', 1)).toThrow(/no CMA area "nope"/);
    expect(buddyProblems(k)).toEqual([]);
  });

  it('alloc_contig_range() into a CMA area needs MIGRATE_CMA: as MIGRATE_MOVABLE the range is -EBUSY (has_unmovable_pages)', () => {
    const k = cmaKernel([{ name: 'area', size: '4MiB' }]);
    const area = k.cma.area('area');
    expect(k.cma.contig.allocContigRange(area.basePfn, area.basePfn + 10, MigrateType.MOVABLE, GFP_KERNEL | __GFP_NOWARN)).toBe(-16);
    expect(freeCma(k)).toBe(1024);
    expect(k.cma.contig.allocContigRange(area.basePfn, area.basePfn + 10, MigrateType.CMA, GFP_KERNEL)).toBe(0);
    expect(freeCma(k)).toBe(1014);
    expect(k.mem.pageblocks.migratetype(area.basePfn)).toBe(MigrateType.CMA);
    expect(buddyProblems(k)).toEqual([]);
  });

  it('migrates movable pages that borrowed the area out of the way, keeping their bytes', () => {
    const k = cmaKernel([{ name: 'area', size: '40MiB' }]);
    const proc = anonProcess(k, 2000);
    const inCma = proc.pfns().filter((p) => inArea(k, p)).length;
    expect(inCma).toBeGreaterThan(0);
    const area = k.cma.area('area');
    const pfn = k.cma.cmaAlloc(area, 4096);
    expect(pfn).toBe(area.basePfn);
    proc.verify();
    expect(proc.pfns().filter((p) => p >= pfn && p < pfn + 4096)).toEqual([]);
    expect(counters(k).success).toBe(1);
    expect(k.cma.cmaRelease(area, pfn, 4096)).toBe(true);
    expect(buddyProblems(k)).toEqual([]);
  });

  it('retries past a busy range (a pinned page) and fails, counted, when no range is free', () => {
    const k = cmaKernel([{ name: 'area', size: '40MiB' }]);
    const area = k.cma.area('area');
    const proc = anonProcess(k, 2000);
    const i = proc.pfns().findIndex((p) => inArea(k, p));
    const [pinned] = new Gup(k).pinUserPages(proc.p, proc.addr + i * 4096, 1, 0);
    const pinnedBlock = pinned! & ~(pageblock_nr_pages - 1);
    // Fill the bitmap up to the pinned page's pageblock, so that is the next candidate.
    let success = 0;
    if (pinnedBlock > area.basePfn) {
      expect(k.cma.cmaAlloc(area, pinnedBlock - area.basePfn)).toBe(area.basePfn);
      success++;
    }
    const retries: number[] = [];
    k.events.on('cma_alloc_busy_retry', (e) => retries.push(e.pfn));
    const got = k.cma.cmaAlloc(area, pageblock_nr_pages, 9, true);
    expect(retries).toEqual([pinnedBlock]);
    expect(got).toBe(pinnedBlock + pageblock_nr_pages);
    expect(area.usedPages).toBe(pinnedBlock - area.basePfn + pageblock_nr_pages);
    proc.verify();
    // The whole area cannot be had while the page is pinned.
    expect(k.cma.cmaAlloc(area, area.count, 0, true)).toBe(-1);
    expect(counters(k)).toEqual({ success: success + 1, fail: 1 });
    k.lru.lruAddDrainAll();
    expect(buddyProblems(k)).toEqual([]);
  });

  it('property: random allocations, frees and cma_alloc/cma_release keep the buddy consistent and the free counts exact', () => {
    type Op = { kind: 'alloc'; order: number; movable: boolean } | { kind: 'free'; pick: number } | { kind: 'cma'; count: number; align: number } | { kind: 'release'; pick: number };
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      { weight: 4, arbitrary: fc.record({ kind: fc.constant('alloc' as const), order: fc.integer({ min: 0, max: 4 }), movable: fc.boolean() }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('free' as const), pick: fc.nat() }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('cma' as const), count: fc.integer({ min: 1, max: 700 }), align: fc.integer({ min: 0, max: 9 }) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('release' as const), pick: fc.nat() }) },
    );
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 40 }), (ops) => {
        const k = createKernel({ machine: { nodes: [{ memory: '32MiB' }], layout: 'flat', reserveMemmap: false, cma: [{ name: 'a', size: '8MiB' }] }, thp: 'never' });
        const zone = onlyZone(k);
        k.alloc.drainAllPages();
        const free0 = zone.freePages;
        const pages: { pfn: number; order: number; movable: boolean }[] = [];
        const ranges: { pfn: number; count: number }[] = [];
        let held = 0;
        for (const op of ops) {
          if (op.kind === 'alloc') {
            const pfn = k.alloc.allocPagesPfn((op.movable ? GFP_HIGHUSER_MOVABLE : GFP_KERNEL) | __GFP_NOWARN, op.order);
            if (pfn >= 0) {
              pages.push({ pfn, order: op.order, movable: op.movable });
              held += 1 << op.order;
            }
          } else if (op.kind === 'free' && pages.length) {
            const [p] = pages.splice(op.pick % pages.length, 1);
            k.alloc.freePages(p!.pfn, p!.order);
            held -= 1 << p!.order;
          } else if (op.kind === 'cma') {
            const pfn = k.cma.cmaAlloc('a', op.count, op.align, true);
            if (pfn >= 0) {
              ranges.push({ pfn, count: op.count });
              held += op.count;
            }
          } else if (op.kind === 'release' && ranges.length) {
            const [r] = ranges.splice(op.pick % ranges.length, 1);
            expect(k.cma.cmaRelease('a', r!.pfn, r!.count)).toBe(true);
            held -= r!.count;
          }
        }
        expect(buddyProblems(k)).toEqual([]);
        expect(zone.freePages).toBe(free0 - held);
        // NR_FREE_CMA_PAGES is exactly what the CMA free lists hold, and those blocks lie in the area.
        let onCmaLists = 0;
        for (let o = 0; o < zone.nrFree.length; o++) onCmaLists += zone.nrFreeByType[o * MIGRATE_TYPES + MigrateType.CMA]! << o;
        expect(freeCma(k)).toBe(onCmaLists);
        const s = k.vmstat.snapshot(k.mem);
        expect(s.cma_alloc_success).toBe(ops.filter((o) => o.kind === 'cma').length - s.cma_alloc_fail!);
        // Unmovable pages never sit in the area; CMA ranges never overlap.
        for (const p of pages) if (!p.movable) expect(inArea(k, p.pfn)).toBe(false);
        const sorted = [...ranges].sort((x, y) => x.pfn - y.pfn);
        for (let i = 1; i < sorted.length; i++) expect(sorted[i]!.pfn).toBeGreaterThanOrEqual(sorted[i - 1]!.pfn + sorted[i - 1]!.count);
      }),
      { numRuns: 40 },
    );
  });
});
