import { afterEach, describe, expect, test } from '@jest/globals';
import { parseGfp } from '@mmsim/core';
import { bootKernel, type SimKernel } from '../engine/sim-kernel';
import { PAGE_FREE, PAGE_MOVABLE, PAGE_RECLAIMABLE, PAGE_UNMOVABLE } from './page-class';
import { PageOwner } from './page-owner';

let kernel: SimKernel | undefined;
afterEach(async () => {
  await kernel?.dispose();
  kernel = undefined;
});

describe('PageOwner', () => {
  test('classes follow the gfp migratetype of each allocation; freed pages become free', () => {
    kernel = bootKernel({ machine: { nodes: [{ memory: '64MiB' }], layout: 'flat' }, seed: 1 });
    const owner = new PageOwner(kernel.events, kernel.mem.maxPfn);
    const { alloc } = kernel;
    const u = alloc.allocPagesPfn(parseGfp('GFP_KERNEL'), 2, -1);
    const m = alloc.allocPagesPfn(parseGfp('GFP_HIGHUSER_MOVABLE'), 0, -1);
    const r = alloc.allocPagesPfn(parseGfp('GFP_KERNEL|__GFP_RECLAIMABLE'), 0, -1);
    const gone = alloc.allocPagesPfn(parseGfp('GFP_KERNEL'), 3, -1);
    alloc.freePages(gone, 3);
    alloc.drainAllPages();
    const c = owner.classify(kernel.mem);
    expect(Array.from(c.subarray(u, u + 4))).toEqual([PAGE_UNMOVABLE, PAGE_UNMOVABLE, PAGE_UNMOVABLE, PAGE_UNMOVABLE]);
    expect([c[m], c[r]]).toEqual([PAGE_MOVABLE, PAGE_RECLAIMABLE]);
    expect(Array.from(c.subarray(gone, gone + 8)).every((x) => x === PAGE_FREE)).toBe(true);
    // Every free page in the zones is classed free, and nothing else is.
    const free = kernel.mem.populatedZones.reduce((s, z) => s + z.freePages, 0);
    expect(c.reduce((n, x) => n + (x === PAGE_FREE ? 1 : 0), 0)).toBe(free);
    owner.stop();
  });
});
