import { describe, expect, test } from '@jest/globals';
import { PAGE_ABSENT, PAGE_FREE, PAGE_MOVABLE, PAGE_RECLAIMABLE, PAGE_UNMOVABLE } from './page-class';
import { pageblockCensus } from './pageblocks';

const PB = 512;
const MOVABLE_BLOCK = 1;
const UNMOVABLE_BLOCK = 0;
const SKIP = 1 << 3;

/** One pageblock's classes from runs [class, count], padded with free pages. */
function block(...runs: [number, number][]): number[] {
  const out: number[] = [];
  for (const [c, n] of runs) for (let i = 0; i < n; i++) out.push(c);
  while (out.length < PB) out.push(PAGE_FREE);
  return out;
}

describe('pageblockCensus (M7, M8, M9, M13, skip bits)', () => {
  // Block 0: movable block polluted by 10 unmovable pages, 100 movable, 402 free.
  // Block 1: unmovable block, fully allocated unmovable.
  // Block 2: movable block, all free, skip bit set.
  // Block 3: movable block, 500 movable pages and 12 free (recoverable).
  // Block 4: a hole.
  const classes = Uint8Array.from([
    ...block([PAGE_UNMOVABLE, 10], [PAGE_MOVABLE, 100]),
    ...block([PAGE_UNMOVABLE, PB]),
    ...block(),
    ...block([PAGE_MOVABLE, 500]),
    ...block([PAGE_ABSENT, PB]),
  ]);
  const bits = Uint8Array.from([MOVABLE_BLOCK, UNMOVABLE_BLOCK, MOVABLE_BLOCK | SKIP, MOVABLE_BLOCK, MOVABLE_BLOCK]);
  const { census, map } = pageblockCensus(classes, bits);

  test('M7: blocks per migratetype, holes not counted', () => {
    expect(census.blocksByType).toEqual([1, 3, 0, 0, 0, 0]);
  });

  test('M8: one of three movable blocks is mixed', () => {
    expect(census.mixedByType.slice(0, 3)).toEqual([0, 1, 0]);
    expect(census.mixedMovableRatio).toBeCloseTo(1 / 3, 12);
  });

  test('M9: 4 regions, 2 with unmovable pages, 1 recoverable, 1 fully free', () => {
    expect([census.regions, census.unmovableRegions, census.recoverableRegions, census.fullyFreeRegions]).toEqual([4, 2, 1, 1]);
    expect(census.unmovableSpreadRatio).toBe(0.5);
  });

  test('M13: occupancy levels ⌊free/64⌋+1 (402 → 7, 0 → 0, 512 → 9, 12 → 1)', () => {
    expect(census.occupancyLevels).toEqual([1, 1, 0, 0, 0, 0, 0, 1, 0, 1]);
  });

  test('skip bits and the memory map', () => {
    expect(census.skipBlocks).toBe(1);
    expect(Array.from(map.migratetype)).toEqual([1, 0, 1, 1, 0xff]);
    expect(Array.from(map.free)).toEqual([402, 0, 512, 12, 0]);
    expect(Array.from(map.foreign)).toEqual([10, 0, 0, 0, 0]);
  });

  test('reclaimable pages in an unmovable block make it mixed; no movable blocks gives a null ratio', () => {
    const r = pageblockCensus(Uint8Array.from(block([PAGE_RECLAIMABLE, 1])), Uint8Array.from([UNMOVABLE_BLOCK])).census;
    expect(r.mixedByType.slice(0, 3)).toEqual([1, 0, 0]);
    expect(r.mixedMovableRatio).toBeNull();
    expect(r.recoverableRegions).toBe(0);
  });
});
