import { describe, expect, test } from '@jest/globals';
import { compactionTestVerdict } from './hugepages';

/** MemFree in pages for a given KiB. */
const pages = (kib: number): number => kib / 4;

describe('compaction_test pass rule: int(0.8·MemFree / (nr_hugepages · 2 MiB)) ≤ 3', () => {
  test.each([
    // 0.8 · 768000 KiB = 614400 KiB = 300 huge pages' worth; ratio = 300 / nr.
    ['all of it: index 1, pass', 768_000, 300, 1, 1, true],
    ['a third: index 3, pass', 768_000, 100, 3, 3, true],
    ['a bit less than a third: ratio 3.03 truncates to 3, pass', 768_000, 99, 3.03, 3, true],
    ['a quarter: index 4, fail', 768_000, 75, 4, 4, false],
    ['just above a quarter: ratio 3.95 truncates to 3, pass', 768_000, 76, 3.947, 3, true],
  ])('%s', (_, memFreeKiB, nr, ratio, index, pass) => {
    const v = compactionTestVerdict(pages(memFreeKiB), nr);
    expect(v.ratio).toBeCloseTo(ratio, 2);
    expect(v.compactionIndex).toBe(index);
    expect(v.pass).toBe(pass);
    expect(v).toMatchObject({ memFreeKiB, hugepageKiB: 2048, nrHugepages: nr, limit: 3 });
  });

  test('no huge page at all fails, with no ratio or index (the C code would divide by zero)', () => {
    expect(compactionTestVerdict(pages(768_000), 0)).toMatchObject({ ratio: null, compactionIndex: null, pass: false });
  });
});
