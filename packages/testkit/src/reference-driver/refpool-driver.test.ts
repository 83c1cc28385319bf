import { KernelError } from '@mmsim/core';
import { createTestKernel } from '../create-test-kernel';
import { DriverTester } from '../driver-tester';
import { IRefpool, refpoolDriver } from './refpool-driver';
import { refpoolHarness } from './refpool-harness';

new DriverTester().run('refpool', refpoolHarness());

new DriverTester({ seed: 'refpool-one-node', pages: 4, steps: 60 }).run('refpool on one node, 64-byte slots', {
  ...refpoolHarness(),
  options: { slotSize: 64 },
  kernel: { machine: { nodes: [{ memory: '32MiB', cpus: 1 }] } },
});

describe('refpool service', () => {
  const boot = () => {
    const kernel = createTestKernel();
    kernel.loadDriver(refpoolDriver, { slotSize: 128 });
    return { kernel, refpool: kernel.resolve(IRefpool) };
  };

  it('stores objects in slots of movable pages and reads them back', async () => {
    const { kernel, refpool } = boot();
    const handles = Array.from({ length: 40 }, (_, i) => refpool.alloc(new Uint8Array(1 + i).fill(i)));
    expect(refpool.pool.allPfns()).toHaveLength(2); // 32 slots of 128 bytes per page
    handles.forEach((h, i) => expect(refpool.read(h)).toEqual(new Uint8Array(1 + i).fill(i)));
    for (const pfn of refpool.pool.allPfns()) expect(kernel.migration.movable.pageMovable(pfn)).toBe(true);
    refpool.pool.verify();
    await kernel.dispose();
  });

  it('frees a page once its last object goes, clearing movability first (D5)', async () => {
    const { kernel, refpool } = boot();
    const h = refpool.alloc(new Uint8Array([1, 2, 3]));
    const pfn = refpool.pool.pfnOf(h);
    refpool.free(h);
    expect(refpool.pool.allPfns()).toEqual([]);
    expect(kernel.mem.frames.refcount[pfn]).toBe(0);
    expect(() => refpool.read(h)).toThrow(RangeError);
    await kernel.dispose();
  });

  it('rejects objects larger than a slot and bad options', async () => {
    const { kernel, refpool } = boot();
    expect(() => refpool.alloc(new Uint8Array(129))).toThrow(RangeError);
    expect(() => refpool.alloc(new Uint8Array(0))).toThrow(RangeError);
    expect(() => createTestKernel().loadDriver(refpoolDriver, { slotSize: 8 })).toThrow(KernelError);
    await kernel.dispose();
  });

  it('verify() catches corrupted object bytes', async () => {
    const { kernel, refpool } = boot();
    const h = refpool.alloc(new Uint8Array([7, 7, 7]));
    kernel.mem.content.write(refpool.pool.pfnOf(h), 0, new Uint8Array([9]));
    expect(() => refpool.pool.verify()).toThrow(/reads back different bytes/);
    await kernel.dispose();
  });
});
