import fc from 'fast-check';
import { bootMemory } from '../__fixtures__/boot';
import { MAX_PAGE_ORDER } from '../mem/constants';
import { checkBuddy } from './check-buddy';
import { GFP_HIGHUSER_MOVABLE, GFP_KERNEL, __GFP_COMP, __GFP_NOWARN, __GFP_RECLAIMABLE } from './gfp';

type Op =
  | { kind: 'alloc'; order: number; gfp: number; comp: boolean }
  | { kind: 'free'; pick: number }
  | { kind: 'drain' };

const GFPS = [GFP_KERNEL, GFP_HIGHUSER_MOVABLE, GFP_KERNEL | __GFP_RECLAIMABLE];

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('alloc' as const), order: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: MAX_PAGE_ORDER })), gfp: fc.constantFrom(...GFPS), comp: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('free' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'drain' as const }) },
);

describe('buddy allocator property (mm/page_alloc.c)', () => {
  it('any sequence of allocations and frees keeps the free lists consistent and free + allocated == managed', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 60 }), (ops) => {
        // Two nodes so zonelist fallback and remote allocation take part.
        const { mem, alloc } = bootMemory({ nodes: [{ memory: '16MiB' }, { memory: '16MiB' }], layout: 'flat', reserveMemmap: false }, { min_free_kbytes: 256 });
        const live: { pfn: number; order: number }[] = [];
        for (const op of ops) {
          if (op.kind === 'alloc') {
            const pfn = alloc.allocPagesPfn(op.gfp | __GFP_NOWARN | (op.comp ? __GFP_COMP : 0), op.order);
            if (pfn >= 0) {
              expect(pfn % (1 << op.order)).toBe(0);
              live.push({ pfn, order: op.order });
            }
          } else if (op.kind === 'free') {
            if (!live.length) continue;
            const [block] = live.splice(op.pick % live.length, 1);
            alloc.freePages(block!.pfn, block!.order);
          } else {
            alloc.drainAllPages();
          }
          const { problems, census } = checkBuddy(mem);
          expect(problems).toEqual([]);
          const allocated = live.reduce((n, b) => n + (1 << b.order), 0);
          const inUse = census.reduce((n, z) => n + z.inUse, 0);
          expect(inUse).toBe(allocated);
          for (const z of census) expect(z.buddy + z.pcp + z.inUse).toBe(z.managed);
        }
        // Live blocks never overlap.
        const seen = new Set<number>();
        for (const b of live) for (let p = b.pfn; p < b.pfn + (1 << b.order); p++) {
          expect(seen.has(p)).toBe(false);
          seen.add(p);
        }
        // Freeing everything and draining restores the boot state: all MAX_ORDER blocks.
        for (const b of live) alloc.freePages(b.pfn, b.order);
        alloc.drainAllPages();
        for (const zone of mem.populatedZones) expect(zone.nrFree[MAX_PAGE_ORDER]).toBe(zone.managedPages >> MAX_PAGE_ORDER);
      }),
      { numRuns: 80 },
    );
  });
});
