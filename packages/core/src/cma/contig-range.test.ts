import { Errno, KernelError } from '../errors';
import { pageblock_nr_pages } from '../mem/constants';
import { MigrateReason } from '../migrate/migrate-mode';
import { ZoneStat } from '../stat/vmstat-items';
import { FOLL_LONGTERM, Gup } from '../vm/gup';
import { GFP_KERNEL, __GFP_NOWARN } from '../zone/gfp';
import { MigrateType } from '../zone/migratetype';
import type { Kernel } from '../kernel/kernel';
import { anonProcess, buddyProblems, cmaKernel, onlyZone } from './__fixtures__/cma-kernel';
import { freeBlockContaining } from './free-range';

const MOVABLE = MigrateType.MOVABLE;

/** The first pageblock whose pages are all free (after draining the pcp lists). */
function freePageblock(kernel: Kernel, from = 0): number {
  kernel.alloc.drainAllPages();
  const zone = onlyZone(kernel);
  for (let pb = Math.max(from, zone.zoneStartPfn); pb + pageblock_nr_pages <= zone.zoneEndPfn; pb += pageblock_nr_pages) {
    let ok = true;
    for (let pfn = pb; pfn < pb + pageblock_nr_pages && ok; ) {
      const head = freeBlockContaining(kernel.alloc.buddy, pfn);
      if (head < 0) ok = false;
      else pfn = head + (1 << kernel.mem.frames.order[head]!);
    }
    if (ok) return pb;
  }
  throw new Error('no free pageblock');
}

function isolatedBlocks(kernel: Kernel): number {
  let n = 0;
  for (let pb = 0; pb < kernel.mem.maxPfn; pb += pageblock_nr_pages) if (kernel.mem.pageblocks.migratetype(pb) === MigrateType.ISOLATE) n++;
  return n;
}

describe('alloc_contig_range / free_contig_range (mm/page_alloc.c)', () => {
  it.each([
    ['a whole free pageblock', 0, pageblock_nr_pages],
    ['two pageblocks (straddling an order-10 block)', pageblock_nr_pages, 3 * pageblock_nr_pages],
    ['an unaligned start and end', 3, 700],
    ['a single page', 77, 78],
  ])('takes %s and gives it back exactly', (_what, off, offEnd) => {
    const kernel = cmaKernel();
    const zone = onlyZone(kernel);
    const base = freePageblock(kernel, 4 * pageblock_nr_pages);
    const [start, end] = [base + off, base + offEnd];
    const free = zone.freePages;
    expect(kernel.cma.contig.allocContigRange(start, end, MOVABLE, GFP_KERNEL)).toBe(0);
    const f = kernel.mem.frames;
    for (let p = start; p < end; p++) expect([f.refcount[p], f.order[p], kernel.alloc.buddy.isBuddy(p)]).toEqual([1, 0, false]);
    expect(zone.freePages).toBe(free - (end - start));
    expect(isolatedBlocks(kernel)).toBe(0);
    expect(buddyProblems(kernel)).toEqual([]);
    kernel.cma.contig.freeContigRange(start, end - start);
    kernel.alloc.drainAllPages();
    expect(zone.freePages).toBe(free);
    expect(buddyProblems(kernel)).toEqual([]);
    expect(kernel.printk.dmesg()).not.toMatch(/still in use/);
  });

  it('migrates the anon pages mapped in the range (MR_CONTIG_RANGE): bytes kept, PTEs point at the new pages', () => {
    const kernel = cmaKernel();
    const a = anonProcess(kernel, 1500);
    const before = a.pfns();
    // A pageblock of the process that holds nothing unmovable (its page tables live elsewhere).
    const start = before
      .map((p) => p & ~(pageblock_nr_pages - 1))
      .find((pb) => kernel.cma.contig.isolation.hasUnmovablePages(pb, pb + pageblock_nr_pages, MOVABLE, 0) < 0)!;
    const end = start + pageblock_nr_pages;
    const inRange = before.filter((p) => p >= start && p < end).length;
    expect(inRange).toBeGreaterThan(0);
    const reasons: number[] = [];
    kernel.events.on('mm_migrate_pages', (e) => reasons.push(e.reason));
    expect(kernel.cma.contig.allocContigRange(start, end, MOVABLE, GFP_KERNEL)).toBe(0);
    a.verify();
    const after = a.pfns();
    for (let i = 0; i < before.length; i++) {
      if (before[i]! >= start && before[i]! < end) expect(after[i]! < start || after[i]! >= end).toBe(true);
      else expect(after[i]).toBe(before[i]);
    }
    expect(kernel.vmstat.snapshot(kernel.mem)).toMatchObject({ pgmigrate_success: inRange });
    expect(new Set(reasons)).toEqual(new Set([MigrateReason.MR_CONTIG_RANGE]));
    for (let p = start; p < end; p++) expect(kernel.mem.frames.refcount[p]).toBe(1);
    expect(buddyProblems(kernel)).toEqual([]);
  });

  it.each([
    ['an unmovable (GFP_KERNEL) page', 'unmovable'],
    ['a long-term pinned anon page', 'pinned'],
  ])('fails with -EBUSY and changes nothing when the range holds %s', (_what, kind) => {
    const kernel = cmaKernel();
    const zone = onlyZone(kernel);
    const a = anonProcess(kernel, 1500);
    let culprit: number;
    if (kind === 'unmovable') {
      culprit = kernel.alloc.allocPagesPfn(GFP_KERNEL, 0);
    } else {
      // Pin a page whose pageblock is otherwise movable, so that only the pin stands in the way.
      const i = a.pfns().findIndex((p) => {
        const pb = p & ~(pageblock_nr_pages - 1);
        return kernel.cma.contig.isolation.hasUnmovablePages(pb, pb + pageblock_nr_pages, MOVABLE, 0) < 0;
      });
      culprit = new Gup(kernel).pinUserPages(a.p, a.addr + i * 4096, 1, FOLL_LONGTERM)[0]!;
    }
    kernel.alloc.drainAllPages();
    const start = culprit & ~(pageblock_nr_pages - 1);
    const end = start + pageblock_nr_pages;
    const mapped = a.pfns();
    const blockMt = kernel.mem.pageblocks.migratetype(start);
    const free = zone.freePages;
    const refs = kernel.mem.frames.refcount[culprit];
    expect(kernel.cma.contig.allocContigRange(start, end, MOVABLE, GFP_KERNEL | __GFP_NOWARN)).toBe(-Errno.EBUSY);
    kernel.lru.lruAddDrainAll(); // putback_lru_page() parks folios (with a reference) in the lru_add batch
    kernel.alloc.drainAllPages();
    expect(zone.freePages).toBe(free);
    expect(kernel.mem.frames.refcount[culprit]).toBe(refs);
    expect(isolatedBlocks(kernel)).toBe(0);
    expect(kernel.mem.pageblocks.migratetype(start)).toBe(blockMt);
    a.verify();
    if (kind === 'unmovable') expect(a.pfns()).toEqual(mapped);
    else expect(a.pfns()).toContain(culprit);
    expect(buddyProblems(kernel)).toEqual([]);
  });

  it('throws KernelError EINVAL on empty, out-of-memory, fractional ranges and other migratetypes', () => {
    const kernel = cmaKernel();
    for (const [s, e, mt] of [[10, 5, MOVABLE], [0, kernel.mem.maxPfn + 1, MOVABLE], [0, 10, MigrateType.UNMOVABLE], [1.5, 10, MOVABLE]]) {
      expect(() => kernel.cma.contig.allocContigRange(s!, e!, mt!, GFP_KERNEL)).toThrow(KernelError);
    }
  });

  it('alloc_contig_pages() finds an aligned range of the zone, migrating what it must', () => {
    const kernel = cmaKernel();
    const zone = onlyZone(kernel);
    const a = anonProcess(kernel, 100);
    kernel.alloc.drainAllPages();
    const free = zone.freePages;
    const pfn = kernel.cma.contig.allocContigPages(1024, GFP_KERNEL);
    expect(pfn).toBeGreaterThanOrEqual(0);
    expect(pfn % 1024).toBe(0);
    a.verify();
    kernel.alloc.drainAllPages();
    expect(zone.freePages).toBe(free - 1024);
    kernel.cma.contig.freeContigRange(pfn, 1024);
    kernel.alloc.drainAllPages();
    expect(zone.freePages).toBe(free);
    expect(kernel.cma.contig.allocContigPages(1 << 20, GFP_KERNEL)).toBe(-1);
    expect(buddyProblems(kernel)).toEqual([]);
    expect(zone.vmStat[ZoneStat.NR_FREE_CMA_PAGES]).toBe(0);
  });
});
