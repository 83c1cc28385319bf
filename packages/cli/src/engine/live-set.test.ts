import { describe, expect, test } from '@jest/globals';
import { createKernel, GFP_KERNEL } from '@mmsim/core';
import { LiveSet } from './live-set';

function setup() {
  const kernel = createKernel({ machine: { nodes: [{ memory: '64MiB' }], layout: 'flat' }, seed: 1 });
  kernel.alloc.drainAllPages(); // boot leaves pages on the per-cpu lists (ZERO_PAGE allocation)
  const free0 = kernel.mem.populatedZones[0]!.freePages;
  return { kernel, alloc: kernel.alloc, free0 };
}

describe('LiveSet', () => {
  test('expire frees exactly the allocations due, in expiry order', () => {
    const { alloc } = setup();
    const live = new LiveSet();
    const expiries = [50, 10, 40, 20, 30, Infinity];
    const pfns = expiries.map((e, i) => {
      const pfn = alloc.allocPagesPfn(GFP_KERNEL, i % 3);
      live.add(pfn, i % 3, 0, e);
      return pfn;
    });
    expect(live.expire(25, alloc)).toBe(2);
    expect(live.size).toBe(4);
    // The two freed blocks (expiry 10 and 20) have no reference left; the others still do.
    expect(expiries.map((_, i) => alloc.frames.refcount[pfns[i]!])).toEqual([1, 0, 1, 0, 1, 1]);
    expect(live.expire(1e12, alloc)).toBe(3);
    expect(live.size).toBe(1);
  });

  test('pages are counted per class and freeAll honours the class filter', () => {
    const { alloc, kernel, free0 } = setup();
    const live = new LiveSet();
    for (let i = 0; i < 100; i++) live.add(alloc.allocPagesPfn(GFP_KERNEL, i % 2), i % 2, i % 2, i % 3 === 0 ? Infinity : 1000 + i);
    expect(live.pagesByClass).toEqual([50, 100]);
    expect(live.freeAll(alloc, new Set([1]))).toBe(50);
    expect(live.pagesByClass).toEqual([50, 0]);
    // The heap is still ordered after the filtered free: expiries 1000.. come out in order.
    expect(live.expire(1000 + 10, alloc)).toBe(4); // i = 2, 4, 8, 10 (0 and 6 live forever)
    live.freeAll(alloc);
    expect(live.size).toBe(0);
    alloc.drainAllPages();
    expect(kernel.mem.populatedZones[0]!.freePages).toBe(free0);
  });
});
