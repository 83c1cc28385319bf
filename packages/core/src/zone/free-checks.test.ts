import { bootMemory } from '../__fixtures__/boot';
import { ContractViolation, KernelError } from '../errors';
import { PG } from '../mem/page-flags';
import { checkBuddy } from './check-buddy';
import { GFP_KERNEL, __GFP_COMP } from './gfp';

function setup() {
  const k = bootMemory();
  const snapshot = () => ({ free: k.mem.populatedZones[0]!.freePages, pcp: k.mem.populatedZones[0]!.pcpPages });
  return { ...k, snapshot };
}

describe('free_pages_prepare checks: bad frees are ContractViolations and change nothing', () => {
  it.each([
    ['PG2', 'nonzero mapcount', (k: ReturnType<typeof setup>, pfn: number) => { k.mem.frames.mapcount[pfn] = 1; }],
    ['PG3', 'non-NULL mapping', (k: ReturnType<typeof setup>, pfn: number) => { k.mem.frames.mapping[pfn] = 7 << 2; }],
    ['D5', 'freed while its driver still owns it', (k: ReturnType<typeof setup>, pfn: number) => { k.mem.frames.mapping[pfn] = (7 << 2) | 2; }],
    ['PG4', 'PAGE_FLAGS_CHECK_AT_FREE flag\\(s\\) set: locked', (k: ReturnType<typeof setup>, pfn: number) => { k.mem.frames.setFlag(pfn, PG.locked); }],
    ['PG4', 'PAGE_FLAGS_CHECK_AT_FREE flag\\(s\\) set: lru', (k: ReturnType<typeof setup>, pfn: number) => { k.mem.frames.setFlag(pfn, PG.lru); }],
  ])('%s: %s', (rule, reason, spoil) => {
    const k = setup();
    const pfn = k.alloc.allocPagesPfn(GFP_KERNEL, 0);
    spoil(k, pfn);
    const before = k.snapshot();
    let err: unknown;
    try {
      k.alloc.freePages(pfn, 0);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ContractViolation);
    expect((err as ContractViolation).rule).toBe(rule);
    expect((err as ContractViolation).pfn).toBe(pfn);
    expect((err as Error).message).toMatch(new RegExp(reason));
    expect(k.snapshot()).toEqual(before);
    expect(k.mem.frames.refcount[pfn]).toBe(1); // still allocated, not half-freed
    expect(checkBuddy(k.mem).problems).toEqual([]);
  });

  it.each([
    ['anonymous (anon_vma | PAGE_MAPPING_ANON)', (7 << 2) | 1],
    ['KSM (stable node | PAGE_MAPPING_KSM)', (7 << 2) | 3],
    ['a released movable page (__ClearPageMovable: PAGE_MAPPING_MOVABLE only)', 2],
  ])('clears a %s mapping at free, as free_pages_prepare does for PageMappingFlags', (_what, mapping) => {
    const k = setup();
    const pfn = k.alloc.allocPagesPfn(GFP_KERNEL, 0);
    k.mem.frames.mapping[pfn] = mapping;
    k.alloc.freePages(pfn, 0);
    expect(k.mem.frames.mapping[pfn]).toBe(0);
    expect(checkBuddy(k.mem).problems).toEqual([]);
  });

  it('PG5: a double free is caught, by __free_pages and by put_page', () => {
    const k = setup();
    const pfn = k.alloc.allocPagesPfn(GFP_KERNEL, 0);
    k.alloc.freePages(pfn, 0);
    const before = k.snapshot();
    expect(() => k.alloc.freePages(pfn, 0)).toThrow(/PG5.*double free/);
    expect(() => k.alloc.putPage(pfn)).toThrow(/PG5/);
    expect(k.snapshot()).toEqual(before);
    expect(checkBuddy(k.mem).problems).toEqual([]);
  });

  it('PG6: freeing with another order than allocated', () => {
    const k = setup();
    const pfn = k.alloc.allocPagesPfn(GFP_KERNEL, 2);
    expect(() => k.alloc.freePages(pfn, 3)).toThrow(/PG6.*order 3 a block allocated with order 2/);
    k.alloc.freePages(pfn, 2);
    expect(checkBuddy(k.mem).problems).toEqual([]);
  });

  it('PG1: free_frozen_pages on a page that still has references', () => {
    const k = setup();
    const page = k.alloc.allocPages(GFP_KERNEL, 0)!;
    expect(() => k.alloc.freeFrozenPages(page.pfn, 0)).toThrow(/PG1.*nonzero _refcount/);
    expect(page.refFreeze(1)).toBe(true);
    expect(page.refcount).toBe(0);
    k.alloc.freeFrozenPages(page.pfn, 0);
    expect(checkBuddy(k.mem).problems).toEqual([]);
  });

  it('a compound page is freed whole by put_page on any of its pages, and a mapped tail blocks it', () => {
    const k = setup();
    const head = k.alloc.allocPagesPfn(GFP_KERNEL | __GFP_COMP, 2);
    k.mem.frames.mapcount[head + 3] = 1;
    expect(() => k.alloc.putPage(head + 3)).toThrow(/PG2/);
    k.mem.frames.mapcount[head + 3] = 0;
    k.alloc.putPage(head + 3);
    k.alloc.drainAllPages();
    expect(checkBuddy(k.mem).census[0]!.inUse).toBe(0);
  });

  it('reserved pages can never be freed', () => {
    const k = bootMemory({ nodes: [{ memory: '64MiB' }], layout: 'flat' });
    const reserved = k.mem.layout.nodes[0]!.zones[1]!.reserved[0]!.start;
    expect(() => k.alloc.freePages(reserved, 0)).toThrow(/PG4.*reserved/);
  });

  it('bad input to the free path is a KernelError', () => {
    const k = setup();
    expect(() => k.alloc.freePages(-1, 0)).toThrow(KernelError);
    expect(() => k.alloc.freePages(1 << 30, 0)).toThrow(/has no page frame/);
    expect(() => k.alloc.freePages(0, 11)).toThrow(/order 11 is out of range/);
    expect(() => k.alloc.allocPagesPfn(GFP_KERNEL, 11)).toThrow(/MAX_PAGE_ORDER/);
    expect(() => k.alloc.allocPagesPfn(GFP_KERNEL, 0, 3)).toThrow(/node 3 does not exist/);
  });
});
