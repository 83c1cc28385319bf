import { GFP_KERNEL, IPageAllocator, KernelError } from '@mmsim/core';
import { createTestKernel } from './create-test-kernel';
import { deepMerge } from './deep-merge';

describe('createTestKernel', () => {
  it('boots the default machine: one node, 64 MiB, flat, seed 1', () => {
    const k = createTestKernel();
    expect(k.config.machine.nodes).toEqual([{ memory: '64MiB', cpus: 1 }]);
    expect(k.config.machine.layout).toBe('flat');
    expect(k.config.seed).toBe(1);
    expect(k.mem.nodes).toHaveLength(1);
    expect(k.resolve(IPageAllocator).allocPages(GFP_KERNEL, 0)).not.toBeNull();
  });

  it('deep-merges overrides and keeps the rest of the defaults', () => {
    const k = createTestKernel({ seed: 'abc', machine: { nodes: [{ memory: '32MiB' }, { memory: '32MiB' }] }, sysctl: { watermark_scale_factor: 100 } });
    expect(k.mem.nodes).toHaveLength(2);
    expect(k.config.machine.layout).toBe('flat');
    expect(k.config.seed).toBe('abc');
    expect(k.config.sysctl.watermark_scale_factor).toBe(100);
  });

  it('gives every call its own kernel', () => {
    const a = createTestKernel();
    const b = createTestKernel();
    a.alloc.allocPages(GFP_KERNEL, 5);
    expect(a.vmstat.snapshot(a.mem)['nr_free_pages']).not.toBe(b.vmstat.snapshot(b.mem)['nr_free_pages']);
    expect(a.container).not.toBe(b.container);
  });

  it('still validates the merged config', () => {
    expect(() => createTestKernel({ machine: { layout: 'mainframe' as 'flat' } })).toThrow(KernelError);
  });
});

describe('deepMerge', () => {
  it('merges plain objects, replaces arrays and other values, ignores undefined', () => {
    const base = { a: { b: 1, c: [1, 2] }, d: 'x' };
    expect(deepMerge(base, { a: { c: [3] }, d: undefined })).toEqual({ a: { b: 1, c: [3] }, d: 'x' });
    expect(base).toEqual({ a: { b: 1, c: [1, 2] }, d: 'x' });
  });

  it('replaces non-plain objects whole', () => {
    class Def {
      constructor(readonly name: string) {}
    }
    const merged = deepMerge<{ d: object }>({ d: { name: 'old', extra: 1 } }, { d: new Def('new') });
    expect(merged.d).toBeInstanceOf(Def);
  });
});
