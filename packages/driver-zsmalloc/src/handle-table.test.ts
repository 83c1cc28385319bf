import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { HandleTable } from './handle-table';

type Op = { kind: 'alloc'; obj: number } | { kind: 'delete'; pick: number } | { kind: 'move'; pick: number; obj: number };

const objArb = fc.integer({ min: 0, max: 2 ** 42 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('alloc' as const), obj: objArb }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('move' as const), pick: fc.nat(), obj: objArb }) },
);

describe('HandleTable (zs_handle cache: cache_alloc_handle / record_obj / handle_to_obj)', () => {
  it('hands out 8, 16, 24 … and never reuses a handle, even after delete and clear', () => {
    const t = new HandleTable();
    const a = [t.alloc(), t.alloc(), t.alloc()];
    expect(a).toEqual([8, 16, 24]);
    t.set(8, 5);
    t.delete(8);
    t.clear();
    expect(t.alloc()).toBe(32);
  });

  it.each([0, -8, 4, 8.5, 16, 2 ** 60, Number.NaN])('get(%p) is undefined for what is not a live handle', (h) => {
    const t = new HandleTable();
    t.set(t.alloc(), 0);
    expect(t.get(h)).toBeUndefined();
    expect(t.has(h)).toBe(false);
    expect(t.delete(h)).toBe(false);
  });

  it('refuses to record an obj for a handle it never gave out', () => {
    const t = new HandleTable();
    expect(() => t.set(8, 1)).toThrow(/never allocated/);
  });

  it('answers like a Map over thousands of handles (chunks dropped when empty), iterating in handle order', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 300 }), fc.integer({ min: 0, max: 3000 }), (ops, skip) => {
        const t = new HandleTable();
        const model = new Map<number, number>();
        // Start past a few chunks of handles that were allocated and never recorded.
        for (let i = 0; i < skip; i++) t.alloc();
        for (const op of ops) {
          const keys = [...model.keys()];
          if (op.kind === 'alloc') {
            const h = t.alloc();
            t.set(h, op.obj);
            model.set(h, op.obj);
          } else if (keys.length) {
            const h = keys[op.pick % keys.length]!;
            if (op.kind === 'delete') expect(t.delete(h)).toBe(model.delete(h));
            else {
              t.set(h, op.obj);
              model.set(h, op.obj);
            }
          }
        }
        expect(t.size).toBe(model.size);
        expect([...t]).toEqual([...model]);
        expect([...t.values()]).toEqual([...model.values()]);
        for (const [h, obj] of model) expect(t.get(h)).toBe(obj);
      }),
      { numRuns: 150 },
    );
  });

  it('after freeing the handles of whole chunks, the freed ones are unknown and the rest keep their objs', () => {
    const t = new HandleTable();
    const hs = Array.from({ length: 2100 }, () => t.alloc());
    for (const h of hs) t.set(h, h * 3);
    for (const h of hs.slice(0, 1500)) t.delete(h);
    expect(t.size).toBe(600);
    expect(t.get(hs[0]!)).toBeUndefined();
    expect(t.get(hs[1500]!)).toBe(hs[1500]! * 3);
    expect([...t.keys()]).toEqual(hs.slice(1500));
  });
});
