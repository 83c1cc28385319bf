import { describe, expect, test } from '@jest/globals';
import { freeRunHistogram, nodeScore, zoneFreeShape } from './free-area';

/** nr_free for orders 0..10 from a sparse {order: count} map. */
function nrFree(blocks: Record<number, number>): number[] {
  return Array.from({ length: 11 }, (_, o) => blocks[o] ?? 0);
}

function zone(blocks: Record<number, number>, presentPages = 1024) {
  return { nrFree: nrFree(blocks), nrFreeByType: new Array<number>(66).fill(0), presentPages };
}

describe('zoneFreeShape (M1-M3, M5, M6) against hand-computed kernel integers', () => {
  test.each([
    // F = 4, B = 4. Order 0: S = 4 → U = 0, FI = -1000. Order 1: S = 0, U = 1000,
    // FI = 1000 - (1000 + 4000/2)/4 = 1000 - 750 = 250.
    ['four order-0 pages', { 0: 4 }, 0, 0, -1000],
    ['four order-0 pages', { 0: 4 }, 1, 1000, 250],
    // F = 515, B = 4. Order 9: S = 1, U = trunc(3000/515) = 5, FI = -1000.
    ['one order-9 block and three pages', { 0: 3, 9: 1 }, 9, 5, -1000],
    // Order 10: S = 0, U = 1000, FI = 1000 - trunc((1000 + trunc(515000/1024)) / 4) = 1000 - trunc(1502/4) = 625.
    ['one order-9 block and three pages', { 0: 3, 9: 1 }, 10, 1000, 625],
    // No free memory: unusable 1000, fragmentation index 0.
    ['an empty zone', {}, 9, 1000, 0],
  ])('%s, order %i: unusable %i, extfrag %i', (_name, blocks, order, unusable, extfrag) => {
    const s = zoneFreeShape(zone(blocks));
    expect(s.unusableIndex[order]).toBe(unusable);
    expect(s.extfragIndex[order]).toBe(extfrag);
  });

  test('S9, S10, A_2M and the largest free order', () => {
    // Two order-10 blocks and one order-9 block: S9 = 2·2 + 1 = 5, S10 = 2; 4096 present pages = 8 huge frames.
    const s = zoneFreeShape(zone({ 9: 1, 10: 2, 3: 7 }, 4096));
    expect([s.s9, s.s10, s.hugeAvailabilityPermille, s.largestFreeOrder]).toEqual([5, 2, 625, 10]);
    expect(zoneFreeShape(zone({})).largestFreeOrder).toBe(-1);
  });

  test('pagetypeinfo layout is [migratetype][order]', () => {
    const byType = new Array<number>(66).fill(0);
    byType[3 * 6 + 1] = 7; // order 3, MOVABLE
    const s = zoneFreeShape({ nrFree: nrFree({ 3: 7 }), nrFreeByType: byType, presentPages: 64 });
    expect(s.pagetypeinfo[1]![3]).toBe(7);
    expect(s.pagetypeinfo[0]![3]).toBe(0);
    expect(s.buddyinfo[3]).toBe(7);
  });
});

describe('nodeScore (M4)', () => {
  test.each([
    // All 512 free pages are order 0: extfrag = 100; weighted trunc(1000·100 / 1001) = 99 > 90.
    [{ 0: 512 }, 20, 99, true],
    // Same score with proactiveness 0: watermarks 100/100 and proactive compaction off.
    [{ 0: 512 }, 0, 99, false],
    // Free memory all in one order-9 block: extfrag 0.
    [{ 9: 1 }, 20, 0, false],
  ])('%j, proactiveness %i: score %i, compacts %p', (blocks, proactiveness, score, above) => {
    const n = nodeScore(0, 1000, [zone(blocks, 1000)], proactiveness);
    expect(n.score).toBe(score);
    expect(n.aboveHigh).toBe(above);
    if (proactiveness === 20) expect([n.wmarkLow, n.wmarkHigh]).toEqual([80, 90]);
  });
});

describe('freeRunHistogram (M6)', () => {
  test('runs of 2, 1 and 4 free frames fall in log2 buckets 1, 0 and 2', () => {
    const free = [1, 1, 0, 1, 0, 0, 1, 1, 1, 1];
    expect(freeRunHistogram(free, 1)).toEqual({ buckets: [1, 1, 1], longestRun: 4 });
  });

  test('no free frame, no runs', () => {
    expect(freeRunHistogram([0, 0, 0], 1)).toEqual({ buckets: [], longestRun: 0 });
  });
});
