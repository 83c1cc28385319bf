import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { ZspageOfPfn } from './page-private';
import type { Zspage } from './zspage';

/** Stand-ins for zspages: only identity matters to the map. */
const zspages = Array.from({ length: 4 }, (_, i) => ({ id: i }) as unknown as Zspage);

describe('ZspageOfPfn (page->private of zsmalloc sub-pages)', () => {
  it('answers get/has/size/iteration like a Map over set and delete, iterating in insertion order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 5000 }), fc.nat(3)), { maxLength: 200 }),
        (ops) => {
          const m = new ZspageOfPfn();
          const model = new Map<number, Zspage>();
          for (const [add, pfn, z] of ops) {
            if (add) {
              m.set(pfn, zspages[z]!);
              model.set(pfn, zspages[z]!);
            } else expect(m.delete(pfn)).toBe(model.delete(pfn));
          }
          expect(m.size).toBe(model.size);
          expect([...m.keys()]).toEqual([...model.keys()]);
          for (let pfn = 0; pfn <= 5000; pfn += 7) {
            expect(m.get(pfn)).toBe(model.get(pfn));
            expect(m.has(pfn)).toBe(model.has(pfn));
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it.each([-1, 1.5, Number.NaN, 2 ** 40])('get(%p) of what is no page frame number is undefined; set refuses it', (pfn) => {
    const m = new ZspageOfPfn();
    m.set(1, zspages[0]!);
    expect(m.get(pfn)).toBeUndefined();
    expect(m.delete(pfn)).toBe(false);
    expect(() => m.set(pfn, zspages[0]!)).toThrow(/not a page frame number/);
  });

  it('clear() forgets every page', () => {
    const m = new ZspageOfPfn();
    m.set(3, zspages[1]!).set(4000, zspages[2]!);
    m.clear();
    expect([m.get(3), m.get(4000), m.size]).toEqual([undefined, undefined, 0]);
  });
});
