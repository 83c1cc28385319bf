import type { Kernel } from '@mmsim/core';
import type { DriverHarness } from '@mmsim/testkit';
import {
  IZsmalloc, type ZsPool, getSizeClassIndex, objToLocation, zsCreatePool, zsFree, zsMalloc, zsReadObject,
  zsVerifyService, zsWriteObject, zsmallocDriver, ZS_HANDLE_SIZE,
} from '../index';

/** User sizes the harness stores: three classes, all with multi-page chains (objects span pages). */
export const HARNESS_SIZES = [3064, 1000, 200] as const;

/** The bytes each live handle must read back as, per kernel. */
const expected = new WeakMap<Kernel, Map<number, Uint8Array>>();

/** The harness pool of a kernel, created on first use. */
export function harnessPool(kernel: Kernel): ZsPool {
  return kernel.resolve(IZsmalloc).pools.get('tester') ?? zsCreatePool(kernel, 'tester');
}

export function expectedBytes(kernel: Kernel): Map<number, Uint8Array> {
  let m = expected.get(kernel);
  if (!m) expected.set(kernel, (m = new Map()));
  return m;
}

/** Bytes that differ per object, so a lost or mixed-up copy shows. */
export function pattern(seed: number, length: number): Uint8Array {
  const b = new Uint8Array(length);
  for (let i = 0; i < length; i++) b[i] = (seed * 131 + i * 7 + (i >> 8)) & 0xff;
  return b;
}

/**
 * Creates `n` new zspages, filled completely with patterned objects, and returns one sub-page of
 * each (sub-page i % chain length, so first, middle and last pages all get migrated). Distinct
 * zspages keep release() of one page from freeing another returned page.
 */
export function populateZspages(kernel: Kernel, n: number): number[] {
  const pool = harnessPool(kernel);
  const bytes = expectedBytes(kernel);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const size = HARNESS_SIZES[i % HARNESS_SIZES.length]!;
    const cls = pool.classes[getSizeClassIndex(size + ZS_HANDLE_SIZE)]!;
    const before = cls.stats.slice();
    const first = zsMalloc(pool, size);
    const zspage = pool.zspageOfPfn(objToLocation(pool.handleToObj(first)).pfn);
    if (zspage.inuse !== 1) throw new Error(`harness: class ${cls.index} had a partial zspage (${before.join(',')})`);
    const handles = [first];
    while (zspage.inuse < cls.objsPerZspage) handles.push(zsMalloc(pool, size));
    for (const h of handles) {
      const data = pattern(h, size);
      zsWriteObject(pool, h, data);
      bytes.set(h, data);
    }
    out.push(zspage.pages[i % zspage.pages.length]!);
  }
  return out;
}

/** The pool's integrity check plus every live object's bytes. */
export function verifyHarness(kernel: Kernel): void {
  zsVerifyService(kernel.resolve(IZsmalloc));
  const pool = harnessPool(kernel);
  for (const [h, data] of expectedBytes(kernel)) {
    const got = zsReadObject(pool, h, data.length);
    if (Buffer.compare(Buffer.from(got), Buffer.from(data)) !== 0) throw new Error(`zsmalloc harness: handle ${h} reads back different bytes`);
  }
}

/** Frees every object of the zspage holding `pfn` (the zspage is freed with its last object). */
export function releaseZspageOf(kernel: Kernel, pfn: number): void {
  const pool = harnessPool(kernel);
  const zspage = pool.zspageOfPfn(pfn);
  const bytes = expectedBytes(kernel);
  for (const [h, obj] of [...pool.handles]) {
    if (zspage.pages.includes(objToLocation(obj).pfn)) {
      zsFree(pool, h);
      bytes.delete(h);
    }
  }
}

/** DriverTester hooks for zsmalloc: MIGRATE_SYNC_NO_COPY → -EINVAL, never -EAGAIN (no contend). */
export const zsmallocHarness: DriverHarness = {
  driver: zsmallocDriver,
  populate: populateZspages,
  verify: verifyHarness,
  release: releaseZspageOf,
  noCopy: 'einval',
};
