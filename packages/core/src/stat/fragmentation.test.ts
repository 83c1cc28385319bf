import { KernelError } from '../errors';
import { NR_PAGE_ORDERS } from '../mem/constants';
import {
  __fragmentationIndex, extfragForOrder, fillContigPageInfo, fragmentationIndex, fragmentationScoreNode,
  fragmentationScoreWmark, fragmentationScoreZone, fragmentationScoreZoneWeighted, unusableFreeIndex, zoneUnusableIndex,
} from './fragmentation';

/** nr_free per order from a sparse {order: blocks} map. */
function nrFree(blocks: Record<number, number>): Int32Array {
  const a = new Int32Array(NR_PAGE_ORDERS);
  for (const [o, n] of Object.entries(blocks)) a[Number(o)] = n;
  return a;
}

describe('fill_contig_page_info (kernel.md §2.1)', () => {
  it.each([
    [{ 0: 100, 1: 50 }, 2, { freePages: 200, freeBlocksTotal: 150, freeBlocksSuitable: 0 }],
    [{ 0: 100, 1: 50 }, 1, { freePages: 200, freeBlocksTotal: 150, freeBlocksSuitable: 50 }],
    [{ 0: 100, 1: 50 }, 0, { freePages: 200, freeBlocksTotal: 150, freeBlocksSuitable: 200 }],
    [{ 10: 3, 9: 1 }, 9, { freePages: 3584, freeBlocksTotal: 4, freeBlocksSuitable: 7 }],
    [{}, 5, { freePages: 0, freeBlocksTotal: 0, freeBlocksSuitable: 0 }],
  ])('nr_free %j, order %i', (blocks, order, expected) => {
    expect(fillContigPageInfo(nrFree(blocks), order)).toEqual(expected);
  });
});

describe('unusable_free_index / __fragmentation_index / extfrag_for_order (kernel.md §2.2 worked examples)', () => {
  it.each([
    // nr_free, order, U, F, E
    [{ 0: 100, 1: 50 }, 2, 1000, 660, 100],
    [{ 0: 100, 1: 50 }, 1, 500, -1000, 50],
    [{ 0: 100, 1: 50 }, 0, 0, -1000, 0],
    [{ 0: 2 }, 3, 1000, 375, 100],
    [{ 0: 10 }, 3, 1000, 775, 100],
    [{}, 0, 1000, 0, 0],
    [{}, 9, 1000, 0, 0],
    // Truncation: 1 order-0 + 1 order-1 page, order 1: (3 - 2) * 1000 / 3 = 333.33 -> 333; 33.3% -> 33.
    [{ 0: 1, 1: 1 }, 1, 333, -1000, 33],
    // order 2 from the same: 1000 - (1000 + 3000/4) / 2 = 1000 - 875 = 125.
    [{ 0: 1, 1: 1 }, 2, 1000, 125, 100],
    // 7 order-0 pages, order 10: 1000 - (1000 + 7000/1024 -> 6) / 7 = 1000 - 143 = 857.
    [{ 0: 7 }, 10, 1000, 857, 100],
    [{ 10: 3 }, 9, 0, -1000, 0],
  ])('nr_free %j, order %i: U=%i F=%i E=%i', (blocks, order, u, f, e) => {
    const zone = { nrFree: nrFree(blocks) };
    const info = fillContigPageInfo(zone.nrFree, order);
    expect(unusableFreeIndex(order, info)).toBe(u);
    expect(zoneUnusableIndex(zone, order)).toBe(u);
    expect(__fragmentationIndex(order, info)).toBe(f);
    expect(fragmentationIndex(zone, order)).toBe(f);
    expect(extfragForOrder(zone, order)).toBe(e);
  });

  it.each([[-1], [11], [1.5], [NaN]])('rejects order %p with EINVAL', (order) => {
    const zone = { nrFree: nrFree({ 0: 1 }) };
    expect(() => fragmentationIndex(zone, order)).toThrow(KernelError);
    expect(() => extfragForOrder(zone, order)).toThrow(/order .* is out of range; pass a buddy order 0\.\.10/);
    expect(() => unusableFreeIndex(order, { freePages: 1, freeBlocksTotal: 1, freeBlocksSuitable: 1 })).toThrow(KernelError);
  });

  it('rejects a free-area array of the wrong shape', () => {
    expect(() => fillContigPageInfo(new Int32Array(10), 0)).toThrow(/must have 11 entries/);
    expect(() => fillContigPageInfo([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, -1], 0)).toThrow(/nr_free\[10\] = -1/);
  });
});

describe('proactive compaction score (kernel.md §2.3)', () => {
  const zoneOf = (present: number, blocks: Record<number, number>) => ({ presentPages: present, nrFree: nrFree(blocks) });

  it.each([
    [{ 0: 512 }, 100],
    [{ 9: 1 }, 0],
    [{ 10: 1, 0: 1024 }, 50],
    [{ 9: 1, 8: 1, 0: 1 }, 33], // 257 of 769 pages below order 9: 25700/769 = 33.4
    [{}, 0],
  ])('fragmentation_score_zone(nr_free %j) = %i', (blocks, score) => {
    expect(fragmentationScoreZone(zoneOf(1, blocks))).toBe(score);
  });

  it('weights a zone by present / (node_present_pages + 1), truncating', () => {
    expect(fragmentationScoreZoneWeighted(zoneOf(1000, { 0: 8 }), { nodePresentPages: 1999 })).toBe(50);
    // 500 * 100 / 2001 = 24.98 -> 24
    expect(fragmentationScoreZoneWeighted(zoneOf(500, { 0: 8 }), { nodePresentPages: 2000 })).toBe(24);
    expect(() => fragmentationScoreZoneWeighted(zoneOf(1, {}), { nodePresentPages: -1 })).toThrow(KernelError);
  });

  it('sums populated zones of a node and skips empty ones', () => {
    const node = {
      nodePresentPages: 2000,
      zones: [zoneOf(500, { 0: 8 }), zoneOf(1500, { 10: 1 }), zoneOf(0, { 0: 8 })],
    };
    expect(fragmentationScoreNode(node)).toBe(24);
    // A fully fragmented node scores 99, not 100, because of the +1 in the divisor.
    expect(fragmentationScoreNode({ nodePresentPages: 1000, zones: [zoneOf(1000, { 0: 3 })] })).toBe(99);
  });

  it.each([
    // proactiveness, low, high
    [20, 80, 90],
    [100, 5, 15],
    [0, 100, 100],
    [95, 5, 15],
    [90, 10, 20],
    [85, 15, 25],
  ])('fragmentation_score_wmark at proactiveness %i: low %i, high %i', (p, low, high) => {
    expect(fragmentationScoreWmark(true, p)).toBe(low);
    expect(fragmentationScoreWmark(false, p)).toBe(high);
  });

  it.each([[-1], [101], [20.5]])('rejects proactiveness %p', (p) => {
    expect(() => fragmentationScoreWmark(true, p)).toThrow(/compaction_proactiveness .* use an integer 0\.\.100/);
  });
});
