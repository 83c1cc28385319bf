import { PMD_SIZE, SplitHugePage } from '@mmsim/core';
import type { StepContext } from './context';

/**
 * Splits the anonymous THP mapped at each of `pmdAddrs` (2 MiB-aligned addresses of the process).
 *
 * Why: unmapping part of a THP only splits the PMD; the folio stays whole, partially mapped, on
 * the deferred split queue until the deferred_split_scan() shrinker splits it under memory
 * pressure and frees the unmapped subpages (mm/huge_memory.c: deferred_split_folio,
 * deferred_split_scan). mmsim has no such shrinker, so a partial munmap would free nothing, and
 * thpscale's and Quicksilver's holes would never appear. Splitting just before the munmap gives
 * the state the shrinker reaches. Returns how many folios were split; pinned ones (-EAGAIN) stay.
 */
export function splitThpsAt(ctx: StepContext, pmdAddrs: readonly number[]): number {
  const { kernel } = ctx;
  const p = ctx.process();
  // Per-cpu LRU batches hold references that would look like pins to the split's refcount check.
  kernel.lru.lruAddDrainAll();
  const split = new SplitHugePage(kernel.vm, kernel.locks);
  let n = 0;
  for (const addr of pmdAddrs) {
    const entry = kernel.vm.followPage(p, addr - (addr % PMD_SIZE));
    if (!entry.huge || entry.pfn < 0 || entry.kind !== 'present') continue;
    const head = kernel.mem.frames.compoundHead(entry.pfn);
    // split_huge_page() wants the folio locked and one reference held by the caller.
    if (!kernel.locks.trylockPage(head)) continue;
    kernel.alloc.getPage(head);
    if (split.splitHugePageToList(head, null) === 0) n++;
    kernel.locks.unlockPage(head);
    kernel.alloc.putPage(head);
  }
  return n;
}
