import { KernelError, PAGE_SIZE } from '@mmsim/core';
import { createTestKernel } from '@mmsim/testkit';
import {
  IZsmalloc, NR_ZSPAGES, ZS_INUSE_RATIO_0, ZS_OBJS_ALLOCATED, ZS_OBJS_INUSE, getSizeClassIndex, objToLocation,
  zsClassStats, zsClassesText, zsCompact, zsCreatePool, zsDestroyPool, zsFree, zsGetTotalPages, zsMalloc,
  zsMapObject, zsReadObject, zsShrinkerCount, zsShrinkerScan, zsUnmapObject, zsVerifyService, zsWriteObject,
  SHRINK_STOP,
} from './index';

const boot = () => createTestKernel({ machine: { nodes: [{ memory: '32MiB', cpus: 1 }, { memory: '32MiB', cpus: 1 }], layout: 'flat' } });
const nrZspages = (k: ReturnType<typeof boot>) => k.mem.zones.reduce((n, z) => n + z.vmStat[NR_ZSPAGES]!, 0);
const errorOf = (fn: () => unknown): KernelError => {
  try { fn(); } catch (e) { return e as KernelError; }
  throw new Error('expected a KernelError');
};

describe('zs_malloc / zs_free', () => {
  it('rejects size 0 with EINVAL and sizes above ZS_MAX_ALLOC_SIZE with ENOSPC; 4096 bytes fit (huge class)', async () => {
    const k = boot();
    const pool = zsCreatePool(k, 'zram0');
    expect(errorOf(() => zsMalloc(pool, 0)).code).toBe('EINVAL');
    expect(errorOf(() => zsMalloc(pool, 4097)).code).toBe('ENOSPC');
    const h = zsMalloc(pool, PAGE_SIZE);
    expect(zsGetTotalPages(pool)).toBe(1);
    expect(errorOf(() => zsFree(pool, h + 8)).code).toBe('EINVAL');
    zsFree(pool, h);
    expect(errorOf(() => zsFree(pool, h)).code).toBe('EINVAL');
    expect(errorOf(() => zsCreatePool(k, 'zram0')).code).toBe('EEXIST');
    await k.dispose();
  });

  it('fails with ENOMEM and leaves no page behind when the buddy runs dry', async () => {
    const k = boot();
    const pool = zsCreatePool(k, 'p');
    const handles: number[] = [];
    const err = errorOf(() => { for (;;) handles.push(zsMalloc(pool, PAGE_SIZE)); });
    expect(err.code).toBe('ENOMEM');
    expect(nrZspages(k)).toBe(handles.length);
    zsVerifyService(k.resolve(IZsmalloc));
    for (const h of handles) zsFree(pool, h);
    expect(nrZspages(k)).toBe(0);
    await k.dispose();
  });

  it('objects at the huge threshold go to 1-page zspages, one byte less to a shared class', async () => {
    const k = boot();
    const pool = zsCreatePool(k, 'p');
    const huge = zsMalloc(pool, pool.hugeClassSize);
    const below = zsMalloc(pool, pool.hugeClassSize - 1);
    const zh = pool.zspageOfPfn(objToLocation(pool.handleToObj(huge)).pfn);
    const zb = pool.zspageOfPfn(objToLocation(pool.handleToObj(below)).pfn);
    expect([zh.huge, zh.pages.length]).toEqual([true, 1]);
    expect(zb.huge).toBe(false);
    expect(zb.sizeClass.objsPerZspage).toBeGreaterThan(1);
    await k.dispose();
  });

  it('stores bytes of objects spanning two pages and reads them back; map/unmap RW writes through', async () => {
    const k = boot();
    const pool = zsCreatePool(k, 'p');
    // Class 3072: 3 pages, 4 objects; objects 1 and 2 cross page boundaries.
    const hs = Array.from({ length: 4 }, () => zsMalloc(pool, 3064));
    hs.forEach((h, i) => zsWriteObject(pool, h, new Uint8Array(3064).map((_, j) => (i * 37 + j) & 0xff)));
    const pages = new Set(hs.map((h) => objToLocation(pool.handleToObj(h)).pfn));
    expect(pages.size).toBe(3);
    hs.forEach((h, i) => expect(zsReadObject(pool, h, 3064)).toEqual(new Uint8Array(3064).map((_, j) => (i * 37 + j) & 0xff)));
    const m = zsMapObject(pool, hs[1]!, 'rw');
    expect(errorOf(() => zsMapObject(pool, hs[1]!)).code).toBe('EBUSY');
    m.bytes.fill(0xaa);
    zsUnmapObject(pool, hs[1]!);
    expect(zsReadObject(pool, hs[1]!).every((b) => b === 0xaa)).toBe(true);
    expect(zsReadObject(pool, hs[2]!, 4)).toEqual(new Uint8Array([74, 75, 76, 77]));
    zsVerifyService(k.resolve(IZsmalloc));
    await k.dispose();
  });

  it('counts zspages per fullness group, obj_allocated/obj_used, NR_ZSPAGES, and prints the classes file', async () => {
    const k = boot();
    const pool = zsCreatePool(k, 'zram0');
    const cls = pool.classes[getSizeClassIndex(100 + 8)]!;
    const hs = Array.from({ length: cls.objsPerZspage + 1 }, () => zsMalloc(pool, 100));
    expect(cls.stats[ZS_OBJS_ALLOCATED]).toBe(2 * cls.objsPerZspage);
    expect(cls.stats[ZS_OBJS_INUSE]).toBe(cls.objsPerZspage + 1);
    expect(nrZspages(k)).toBe(2 * cls.pagesPerZspage);
    const row = zsClassStats(pool).find((r) => r.class === cls.index)!;
    expect(row.inuse[10]).toBe(1); // one full zspage (100%)
    expect(row.inuse[0]).toBe(1); // one object of many: group 1 (10%)
    expect(row.pagesUsed).toBe(2 * cls.pagesPerZspage);
    const text = zsClassesText(pool);
    expect(text.split('\n')[0]).toBe(' class  size       10%       20%       30%       40%       50%       60%       70%       80%       90%       99%      100% obj_allocated   obj_used pages_used pages_per_zspage freeable');
    expect(text).toContain(` ${String(cls.index).padStart(5)} ${String(cls.size).padStart(5)}         1 `);
    expect(text).toMatch(/\n\n Total/);
    for (const h of hs) zsFree(pool, h);
    expect(cls.stats[ZS_OBJS_ALLOCATED]).toBe(0);
    expect(nrZspages(k)).toBe(0);
    await k.dispose();
  });
});

describe('free_zspage vs. page lock (F64)', () => {
  it('defers freeing a zspage with a locked page, then frees it from the work task once the lock goes', async () => {
    const k = boot();
    const pool = zsCreatePool(k, 'p');
    const h = zsMalloc(pool, 3064);
    const zspage = pool.zspageOfPfn(objToLocation(pool.handleToObj(h)).pfn);
    const locked = zspage.pages[1]!;
    expect(k.locks.trylockPage(locked)).toBe(true);
    zsFree(pool, h);
    expect(zspage.sizeClass.stats[ZS_INUSE_RATIO_0]).toBe(1);
    expect(nrZspages(k)).toBe(3);
    expect(k.mem.frames.refcount[zspage.pages[0]!]).toBe(1);
    zsVerifyService(k.resolve(IZsmalloc));
    k.sched.run();
    expect(nrZspages(k)).toBe(3); // the work task sleeps on the page lock
    k.locks.unlockPage(locked);
    k.sched.run();
    expect(nrZspages(k)).toBe(0);
    expect(zspage.sizeClass.stats[ZS_INUSE_RATIO_0]).toBe(0);
    for (const pfn of zspage.pages) expect(k.mem.frames.refcount[pfn]).toBe(0);
    zsVerifyService(k.resolve(IZsmalloc));
    await k.dispose();
  });

  it('zsDestroyPool frees every zspage (EBUSY while a page is locked) and the pool is gone', async () => {
    const k = boot();
    const pool = zsCreatePool(k, 'p');
    for (let i = 0; i < 50; i++) zsMalloc(pool, 50 + i * 40);
    const pfn = objToLocation([...pool.handles.values()][0]!).pfn;
    k.locks.trylockPage(pfn);
    expect(errorOf(() => zsDestroyPool(pool)).code).toBe('EBUSY');
    zsVerifyService(k.resolve(IZsmalloc));
    k.locks.unlockPage(pfn);
    zsDestroyPool(pool);
    expect(nrZspages(k)).toBe(0);
    expect(errorOf(() => zsMalloc(pool, 10)).code).toBe('ENODEV');
    zsCreatePool(k, 'p');
    await k.dispose();
  });
});

describe('zs_compact', () => {
  it('moves objects from the emptiest into the fullest zspages, frees the emptied ones, keeps bytes and counts pages_compacted', async () => {
    const k = boot();
    const pool = zsCreatePool(k, 'p');
    const cls = pool.classes[getSizeClassIndex(500 + 8)]!;
    const hs = Array.from({ length: cls.objsPerZspage * 6 }, () => zsMalloc(pool, 500));
    hs.forEach((h) => zsWriteObject(pool, h, new Uint8Array(500).fill(h & 0xff)));
    const live = hs.filter((_, i) => i % 3 === 0);
    for (const h of hs) if (!live.includes(h)) zsFree(pool, h);
    const before = zsGetTotalPages(pool);
    const can = zsShrinkerCount(pool);
    expect(can).toBeGreaterThan(0);
    const freed = zsShrinkerScan(pool);
    expect(freed).toBe(can);
    expect(zsGetTotalPages(pool)).toBe(before - freed);
    expect(pool.stats.pagesCompacted).toBe(freed);
    expect(zsShrinkerCount(pool)).toBe(0);
    expect(zsShrinkerScan(pool)).toBe(SHRINK_STOP);
    for (const h of live) expect(zsReadObject(pool, h, 500).every((b) => b === (h & 0xff))).toBe(true);
    zsVerifyService(k.resolve(IZsmalloc));
    expect(zsCompact(pool)).toBe(0);
    await k.dispose();
  });
});

describe('zs_compact moves objects that span two pages', () => {
  it.each([3000, 1400, 720])('objects of %i bytes keep every byte when compaction moves them between multi-page zspages', async (size) => {
    const k = boot();
    const pool = zsCreatePool(k, 'p');
    const cls = pool.classes[getSizeClassIndex(size + 8)]!;
    expect(cls.pagesPerZspage).toBeGreaterThan(1);
    const hs = Array.from({ length: cls.objsPerZspage * 5 }, () => zsMalloc(pool, size));
    const data = (h: number) => new Uint8Array(size).map((_, i) => (h * 31 + i * 7) & 0xff);
    for (const h of hs) zsWriteObject(pool, h, data(h));
    const live = hs.filter((_, i) => i % 4 === 1);
    for (const h of hs) if (!live.includes(h)) zsFree(pool, h);
    expect(zsCompact(pool)).toBeGreaterThan(0);
    for (const h of live) expect(zsReadObject(pool, h, size)).toEqual(data(h));
    zsVerifyService(k.resolve(IZsmalloc));
    await k.dispose();
  });
});

describe('zsVerifyPool', () => {
  it('reports a free object whose link word in the page disagrees with the zspage\'s free-list mirror', async () => {
    const k = boot();
    const pool = zsCreatePool(k, 'p');
    const h = zsMalloc(pool, 100);
    const { pfn, objIdx } = objToLocation(pool.handleToObj(h));
    const zspage = pool.zspageOfPfn(pfn);
    zsVerifyService(k.resolve(IZsmalloc));
    // Object 1 is free and links to object 2; make its link word name object 3.
    expect([objIdx, zspage.freeobj, zspage.freeNext[1]]).toEqual([0, 1, 2]);
    k.mem.content.writeU32(pfn, zspage.sizeClass.size, 3 << 1);
    expect(() => zsVerifyService(k.resolve(IZsmalloc))).toThrow(/object 1's link word names 3, the zspage's free list mirror 2/);
    await k.dispose();
  });
});
