import { describe, expect, test } from '@jest/globals';
import { compactionTestVerdict } from './hugepages';

/** MemFree in pages for a given KiB. */
const pages = (kib: number): number => kib / 4;

describe('compaction_test pass rule: 0.8·MemFree / (nr_hugepages · 2 MiB) ≤ 3', () => {
  test.each([
    // 0.8 · 768000 KiB = 614400 KiB = 300 huge pages' worth; index = 300 / nr.
    ['a third comes back huge: index 3, pass', 768_000, 100, 3, true],
    ['all of it: index 1, pass', 768_000, 300, 1, true],
    ['a bit less than a third: fail', 768_000, 99, 3.03, false],
    ['a quarter (the header comment\'s 1/4): index 4, fail', 768_000, 75, 4, false],
  ])('%s', (_, memFreeKiB, nr, index, pass) => {
    const v = compactionTestVerdict(pages(memFreeKiB), nr);
    expect(v.compactionIndex).toBeCloseTo(index, 2);
    expect(v.pass).toBe(pass);
    expect(v).toMatchObject({ memFreeKiB, hugepageKiB: 2048, nrHugepages: nr, limit: 3 });
  });

  test('no huge page at all fails, with no index (JSON has no Infinity)', () => {
    expect(compactionTestVerdict(pages(768_000), 0)).toMatchObject({ compactionIndex: null, pass: false });
  });
});
