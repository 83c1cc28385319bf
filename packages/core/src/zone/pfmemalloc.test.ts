import { createKernel } from '../kernel/kernel';
import { GFP_KERNEL, GFP_NOWAIT, __GFP_MEMALLOC, __GFP_NOMEMALLOC, __GFP_NORETRY, __GFP_NOWARN } from './gfp';
import { checkBuddy } from './check-buddy';

/** A kernel whose free memory is down to the min watermark (kernel pages cannot be reclaimed). */
function exhausted() {
  const kernel = createKernel({ machine: { nodes: [{ memory: '64MiB' }], layout: 'flat' }, seed: 1 });
  const held: number[] = [];
  for (;;) {
    const pfn = kernel.alloc.allocPagesPfn(GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN, 0);
    if (pfn < 0) break;
    held.push(pfn);
  }
  return { kernel, held };
}

// mm/page_alloc.c: __gfp_pfmemalloc_flags() — reclaimers (PF_MEMALLOC) and __GFP_MEMALLOC
// requests may dip below the min watermark; __GFP_NOMEMALLOC forbids it.
describe('memory reserves for reclaimers (ALLOC_NO_WATERMARKS)', () => {
  it.each([
    ['a PF_MEMALLOC task (kswapd, direct reclaim, zram during swap-out)', GFP_NOWAIT | __GFP_NOWARN, true, true],
    ['__GFP_MEMALLOC', GFP_NOWAIT | __GFP_MEMALLOC | __GFP_NOWARN, false, true],
    ['PF_MEMALLOC with __GFP_NOMEMALLOC', GFP_NOWAIT | __GFP_NOMEMALLOC | __GFP_NOWARN, true, false],
    ['an ordinary GFP_NOWAIT request', GFP_NOWAIT | __GFP_NOWARN, false, false],
  ])('%s below the min watermark', (_, gfp, memalloc, succeeds) => {
    const { kernel } = exhausted();
    kernel.current.memalloc = memalloc;
    try {
      const pfn = kernel.alloc.allocPagesPfn(gfp, 0);
      expect(pfn >= 0).toBe(succeeds);
    } finally {
      kernel.current.memalloc = false;
    }
    kernel.alloc.drainAllPages();
    expect(checkBuddy(kernel.mem).problems).toEqual([]);
  });
});
