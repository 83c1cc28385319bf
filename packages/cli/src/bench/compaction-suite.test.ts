import { describe, expect, test } from '@jest/globals';
import { fragmentLlfree, freeHugeBlocks } from './compaction-suite';

/** The benchmark's fixture at test scale: its shape, not its speed, is what a test can check. */
describe('fragmentLlfree (the compaction benchmark machine)', () => {
  test('fills 90 % of free memory with mapped anonymous LRU pages and frees a seeded-random half', async () => {
    const { kernel, faulted, freed } = fragmentLlfree('64MiB');
    const s = kernel.vmstat.snapshot(kernel.mem);
    expect(freed).toBe(Math.floor(faulted / 2));
    // Every remaining page is a mapped anonymous page on an LRU list: what compaction can migrate.
    expect(s.nr_anon_pages).toBe(faulted - freed);
    expect(s.nr_inactive_anon! + s.nr_active_anon!).toBe(faulted - freed);
    await kernel.dispose();
  });

  test('the freed half is scattered: compact_memory then migrates pages and gains free order-9 blocks', async () => {
    const { kernel } = fragmentLlfree('64MiB');
    const hugeBefore = freeHugeBlocks(kernel);
    const before = kernel.vmstat.snapshot(kernel.mem);
    kernel.compaction.compactMemory(1);
    expect(freeHugeBlocks(kernel)).toBeGreaterThan(hugeBefore + 5);
    const after = kernel.vmstat.snapshot(kernel.mem);
    expect(after.pgmigrate_success! - before.pgmigrate_success!).toBeGreaterThan(1000);
    expect(after.nr_anon_pages).toBe(before.nr_anon_pages);
    await kernel.dispose();
  });

  test('the same seed frees the same pages', async () => {
    const a = fragmentLlfree('32MiB', 7);
    const b = fragmentLlfree('32MiB', 7);
    const c = fragmentLlfree('32MiB', 8);
    const buddy = (k: typeof a.kernel) => k.mem.populatedZones.map((z) => Array.from(z.nrFree)).join('|');
    expect(buddy(b.kernel)).toBe(buddy(a.kernel));
    expect(buddy(c.kernel)).not.toBe(buddy(a.kernel));
    for (const m of [a, b, c]) await m.kernel.dispose();
  });
});
