import { GFP_HIGHUSER_MOVABLE, KernelError, MigrateMode, MigrateReason, PAGE_SIZE } from '@mmsim/core';
import { createTestKernel } from '@mmsim/testkit';
import { IZsmalloc, zsVerifyService } from '../index';
import { sameFilledElement, zramCreate } from './zram';

const boot = () => createTestKernel({ machine: { nodes: [{ memory: '32MiB', cpus: 1 }], layout: 'flat' } });

/** Text-like, compressible page content. */
function textPage(seed: number): Uint8Array {
  const words = ['page', 'zone', 'folio', 'migrate', 'compact', 'zspage', 'handle', 'class'];
  let s = '';
  for (let i = 0; s.length < PAGE_SIZE; i++) s += `${words[(seed + i * 7) % words.length]} ${seed + i} `;
  return new Uint8Array(Buffer.from(s.slice(0, PAGE_SIZE)));
}

/** Incompressible bytes (xorshift). */
function noisePage(seed: number): Uint8Array {
  const out = new Uint8Array(PAGE_SIZE);
  let x = seed | 1;
  for (let i = 0; i < PAGE_SIZE; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

describe('zram over zsmalloc', () => {
  it('round-trips compressible, incompressible (huge) and same-filled pages byte-exact, with mm_stat in the kernel format', async () => {
    const k = boot();
    const zram = zramCreate(k, { disksize: 64 * PAGE_SIZE });
    expect(zram.name).toBe('zram0');
    const pages = new Map<number, Uint8Array>();
    for (let i = 0; i < 20; i++) pages.set(i, textPage(i));
    for (let i = 20; i < 24; i++) pages.set(i, noisePage(i));
    const same = new Uint8Array(PAGE_SIZE);
    new DataView(same.buffer).setBigUint64(0, 0x0102030405060708n, true);
    for (let off = 8; off < PAGE_SIZE; off += 8) same.copyWithin(off, 0, 8);
    pages.set(30, same);
    pages.set(31, new Uint8Array(PAGE_SIZE));
    for (const [i, p] of pages) zram.write(i, p);
    for (const [i, p] of pages) expect(zram.read(i)).toEqual(p);
    expect(zram.read(40)).toEqual(new Uint8Array(PAGE_SIZE));
    expect(zram.stats.samePages).toBe(2);
    expect(zram.stats.hugePages).toBe(4);
    expect(zram.stats.comprDataSize).toBeLessThan(20 * PAGE_SIZE / 2 + 4 * PAGE_SIZE);
    const fields = zram.mmStat().trim().split(/\s+/).map(Number);
    expect(fields).toHaveLength(9);
    expect(fields[0]).toBe(pages.size * PAGE_SIZE);
    expect(fields[1]).toBe(zram.stats.comprDataSize);
    expect(fields[2]).toBe(zram.pool.pagesAllocated * PAGE_SIZE);
    expect(fields[4]).toBeGreaterThanOrEqual(fields[2]!);
    expect(fields.slice(5, 9)).toEqual([2, 0, 4, 4]);
    expect(zram.mmStat()).toMatch(/^ {0,7}\d+ +\d+ /);
    zsVerifyService(k.resolve(IZsmalloc));
    await k.dispose();
  });

  it('frees on overwrite and discard, compacts, and keeps data across migration of its pages', async () => {
    const k = boot();
    const zram = zramCreate(k, { disksize: 256 * PAGE_SIZE });
    for (let i = 0; i < 200; i++) zram.write(i, textPage(i));
    for (let i = 0; i < 200; i += 2) zram.freePage(i);
    zram.write(1, textPage(999));
    const before = zram.pool.pagesAllocated;
    const freed = zram.compact();
    expect(freed).toBeGreaterThan(0);
    expect(zram.pool.pagesAllocated).toBe(before - freed);
    expect(zram.mmStat().trim().split(/\s+/).map(Number)[6]).toBe(freed);
    // Migrate every zsmalloc page of the device once.
    const list = k.migration.newList();
    for (const pfn of k.resolve(IZsmalloc).zspageOf.keys()) if (k.migration.isolateMovablePage(pfn) === 0) list.add(pfn);
    const res = k.migration.migratePages(list, k.migration.targetAllocator({ nid: 0, gfpMask: GFP_HIGHUSER_MOVABLE }), undefined, MigrateMode.SYNC, MigrateReason.MR_COMPACTION);
    expect(res.ret).toBe(0);
    list.release();
    expect(zram.read(1)).toEqual(textPage(999));
    for (let i = 3; i < 200; i += 2) expect(zram.read(i)).toEqual(textPage(i));
    zsVerifyService(k.resolve(IZsmalloc));
    zram.reset();
    await k.dispose();
  });

  it('enforces mem_limit with ENOMEM and rejects bad sizes and indices with EINVAL', async () => {
    const k = boot();
    expect(() => zramCreate(k, { disksize: 1000 })).toThrow(KernelError);
    const zram = zramCreate(k, { disksize: 16 * PAGE_SIZE, memLimit: 2 * PAGE_SIZE });
    zram.write(0, noisePage(1));
    zram.write(1, noisePage(2));
    expect(() => zram.write(2, noisePage(3))).toThrow(/ENOMEM/);
    expect(zram.pool.pagesAllocated).toBe(2);
    expect(() => zram.write(16, noisePage(3))).toThrow(/EINVAL/);
    expect(() => zram.write(3, new Uint8Array(10))).toThrow(/EINVAL/);
    expect(sameFilledElement(new Uint8Array(PAGE_SIZE).fill(7))).toBe(0x0707070707070707n);
    await k.dispose();
  });
});
