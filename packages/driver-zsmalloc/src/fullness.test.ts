import { describe, expect, it } from '@jest/globals';
import { createTestKernel } from '@mmsim/testkit';
import fc from 'fast-check';
import { NR_FULLNESS_GROUPS, ZS_INUSE_RATIO_0, ZS_INUSE_RATIO_10, ZS_INUSE_RATIO_100, ZS_INUSE_RATIO_99 } from './constants';
import {
  emptiestGroup, firstZspage, fixFullnessGroup, fullestGroup, getFullnessGroup, insertZspage, removeZspage, spliceZspages,
} from './fullness';
import { findGetZspage } from './malloc';
import { zsCreatePool } from './pool-lifecycle';
import { type SizeClass, fullnessGroupOf } from './size-class';
import { Zspage } from './zspage';

/** A class of a fresh pool and `n` detached zspages of it (their pfns are labels, no pages are allocated). */
function setup(n: number): { cls: SizeClass; zs: Zspage[] } {
  const k = createTestKernel({ machine: { nodes: [{ memory: '16MiB', cpus: 1 }], layout: 'flat' } });
  const pool = zsCreatePool(k, 'lists');
  const cls = pool.distinct.find((c) => c.objsPerZspage >= 20)!;
  return { cls, zs: Array.from({ length: n }, (_, i) => new Zspage(pool, cls, [1000 + i])) };
}
const labels = (zs: Zspage[]) => zs.map((z) => z.firstPage);

describe('fullness lists (insert_zspage / remove_zspage, list_add semantics)', () => {
  it('the first zspage of a group is the most recently inserted; the list walks oldest first', () => {
    const { cls, zs } = setup(3);
    for (const z of zs) insertZspage(cls, z, 4);
    expect(firstZspage(cls, 4)).toBe(zs[2]);
    expect(labels(cls.zspagesIn(4))).toEqual([1000, 1001, 1002]);
    expect(cls.stats[4]).toBe(3);
    expect(firstZspage(cls, 5)).toBeUndefined();
  });

  it.each([
    ['the middle one', 1, [1000, 1002], 1002],
    ['the head (most recent)', 2, [1000, 1001], 1001],
    ['the tail (oldest)', 0, [1001, 1002], 1002],
  ])('removing %s keeps the others in order and the head right', (_what, at, left, head) => {
    const { cls, zs } = setup(3);
    for (const z of zs) insertZspage(cls, z, 7);
    removeZspage(cls, zs[at]!);
    expect(labels(cls.zspagesIn(7))).toEqual(left);
    expect(firstZspage(cls, 7)!.firstPage).toBe(head);
    expect([cls.fullnessTail[7]!.firstPage, cls.fullnessHead[7]!.prev, cls.fullnessTail[7]!.next]).toEqual([left[0], null, null]);
    expect(cls.stats[7]).toBe(2);
    expect(cls.fullnessMask).toBe(1 << 7);
  });

  it('removing the last zspage empties the group (head and bitmask); removing it again throws', () => {
    const { cls, zs } = setup(1);
    insertZspage(cls, zs[0]!, 3);
    removeZspage(cls, zs[0]!);
    expect([cls.fullnessHead[3], cls.fullnessTail[3], cls.fullnessMask, cls.stats[3]]).toEqual([null, null, 0, 0]);
    expect(() => removeZspage(cls, zs[0]!)).toThrow(/is not on fullness list 3/);
  });

  it('fix_fullness_group moves a zspage to the head of its new group; splice empties a group oldest first', () => {
    const { cls, zs } = setup(3);
    for (const z of zs) insertZspage(cls, z, ZS_INUSE_RATIO_0);
    zs[0]!.inuse = 1;
    expect(fixFullnessGroup(cls, zs[0]!)).toBe(getFullnessGroup(cls, zs[0]!));
    expect(firstZspage(cls, zs[0]!.fullness)).toBe(zs[0]);
    expect(labels(spliceZspages(cls, ZS_INUSE_RATIO_0))).toEqual([1001, 1002]);
    expect(cls.fullnessMask).toBe(1 << zs[0]!.fullness);
    expect(cls.stats[ZS_INUSE_RATIO_0]).toBe(2);
  });

  it('the per-class group table equals get_fullness_group() for every inuse', () => {
    const { cls } = setup(0);
    for (let inuse = 0; inuse <= cls.objsPerZspage; inuse++) {
      const pct = Math.floor((100 * inuse) / cls.objsPerZspage);
      const want = inuse === 0 ? ZS_INUSE_RATIO_0 : inuse === cls.objsPerZspage ? ZS_INUSE_RATIO_100 : Math.floor(pct / 10) + 1;
      expect([inuse, fullnessGroupOf(inuse, cls.objsPerZspage), cls.fullnessOfInuse[inuse]]).toEqual([inuse, want, want]);
    }
  });

  it('find_get_zspage and the compaction picks equal the kernel loops over list_first_entry_or_null()', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(NR_FULLNESS_GROUPS - 1), { maxLength: 12 }), (groups) => {
        const { cls, zs } = setup(groups.length);
        groups.forEach((fg, i) => insertZspage(cls, zs[i]!, fg));
        const loop = (from: number, to: number) => {
          const step = from <= to ? 1 : -1;
          for (let fg = from; fg !== to + step; fg += step) if (firstZspage(cls, fg)) return fg;
          return -1;
        };
        const head = (fg: number) => (fg < 0 ? undefined : firstZspage(cls, fg));
        expect(findGetZspage(cls)).toBe(head(loop(ZS_INUSE_RATIO_99, ZS_INUSE_RATIO_0)));
        expect(fullestGroup(cls, ZS_INUSE_RATIO_10, ZS_INUSE_RATIO_99)).toBe(loop(ZS_INUSE_RATIO_99, ZS_INUSE_RATIO_10));
        expect(emptiestGroup(cls, ZS_INUSE_RATIO_10, ZS_INUSE_RATIO_99)).toBe(loop(ZS_INUSE_RATIO_10, ZS_INUSE_RATIO_99));
      }),
      { numRuns: 200 },
    );
  });
});
