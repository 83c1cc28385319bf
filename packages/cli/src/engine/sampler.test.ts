import { afterEach, describe, expect, test } from '@jest/globals';
import { NSEC_PER_MSEC, parseGfp } from '@mmsim/core';
import { ExtfragCounter } from './extfrag-counter';
import { Sampler } from './sampler';
import { bootKernel, type SimKernel } from './sim-kernel';

let kernel: SimKernel | undefined;
afterEach(async () => {
  await kernel?.dispose();
  kernel = undefined;
});

describe('Sampler', () => {
  test('samples on the simulated clock every interval, at phase ends and at stop', () => {
    kernel = bootKernel({ machine: { nodes: [{ memory: '64MiB' }], layout: 'flat' }, seed: 1 });
    const extfrag = new ExtfragCounter(kernel.events);
    const sampler = new Sampler(kernel, 10 * NSEC_PER_MSEC, extfrag);
    sampler.start();
    kernel.clock.advance(25 * NSEC_PER_MSEC);
    kernel.alloc.allocPagesPfn(parseGfp('GFP_KERNEL'), 4, -1);
    sampler.sample();
    kernel.clock.advance(10 * NSEC_PER_MSEC);
    sampler.stop();
    expect(sampler.column('time_ns').map((t) => t / NSEC_PER_MSEC)).toEqual([0, 10, 20, 25, 30, 35]);
    // The order-4 allocation shows in the free-page column from the 25 ms sample on.
    const free = sampler.column('free_pages');
    expect(free[2]! - free[3]!).toBeGreaterThanOrEqual(16);
    const zoneFree = kernel.mem.populatedZones.reduce((s, z) => s + z.freePages, 0);
    expect(free.at(-1)).toBe(zoneFree);
    // The timer is gone: time moving on adds no rows.
    kernel.clock.advance(100 * NSEC_PER_MSEC);
    expect(sampler.rows).toHaveLength(6);
    expect(sampler.rows.every((r) => r.length === sampler.columns.length)).toBe(true);
    expect(() => sampler.column('nope')).toThrow(/no time-series column nope/);
  });

  test('counts pageblocks per migratetype (M7) in every sample, over memory only (the x86_64 PCI hole is skipped)', () => {
    kernel = bootKernel({ machine: { nodes: [{ memory: '4GiB' }] }, seed: 1 });
    const sampler = new Sampler(kernel, 10 * NSEC_PER_MSEC, new ExtfragCounter(kernel.events));
    sampler.start();
    // A steal: unmovable allocations big enough to claim a movable pageblock.
    for (let i = 0; i < 8; i++) kernel.alloc.allocPagesPfn(parseGfp('GFP_KERNEL'), 8, -1);
    sampler.stop();
    const names = ['unmovable', 'movable', 'reclaimable', 'highatomic', 'cma', 'isolate'];
    const total = (row: number) => names.reduce((s, n) => s + sampler.column(`pageblocks_${n}`)[row]!, 0);
    // 4 GiB of RAM in 2 MiB pageblocks, below and above the hole: 2048 blocks, no hole block counted.
    expect(total(0)).toBe(2048);
    expect(total(1)).toBe(2048);
    expect(sampler.column('pageblocks_unmovable')[1]!).toBeGreaterThan(sampler.column('pageblocks_unmovable')[0]!);
  });
});
