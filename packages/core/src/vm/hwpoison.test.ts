import { KernelError } from '../errors';
import { createKernel } from '../kernel/kernel';
import { HPAGE_PMD_NR, PAGE_SIZE } from '../mem/constants';
import { PG } from '../mem/page-flags';
import { GFP_HIGHUSER_MOVABLE, GFP_KERNEL, __GFP_NOWARN } from '../zone/gfp';
import { MAP_ANONYMOUS, MAP_PRIVATE, PROT_READ, PROT_WRITE } from './constants';
import { bootThp, pattern } from './__fixtures__/thp-fixture';
import { Gup } from './gup';
import { MADV_HWPOISON, MADV_SOFT_OFFLINE } from './hwpoison';

function boot(caps: 'CAP_SYS_ADMIN'[] = ['CAP_SYS_ADMIN']) {
  const kernel = createKernel({ machine: { nodes: [{ memory: '32MiB' }], layout: 'flat' } });
  const p = kernel.vm.createProcess({ comm: 'inject', caps });
  const a = kernel.vm.mmap(p, { length: 2 * PAGE_SIZE, prot: PROT_READ | PROT_WRITE, flags: MAP_PRIVATE | MAP_ANONYMOUS });
  kernel.vm.write(p, a, new Uint8Array([0x11, 0x22]));
  kernel.vm.write(p, a + PAGE_SIZE, new Uint8Array([0x33, 0x44]));
  kernel.lru.lruAddDrainAll();
  return { kernel, p, a, pfn: kernel.vm.followPage(p, a).pfn };
}

function errorOf(fn: () => unknown): KernelError {
  try {
    fn();
  } catch (e) {
    if (e instanceof KernelError) return e;
    throw e;
  }
  throw new Error('expected a KernelError');
}

/** Allocates every free page (all orders drained to order 0) and returns them. */
function allocateEverything(kernel: ReturnType<typeof boot>['kernel']): number[] {
  kernel.alloc.drainAllPages();
  const got: number[] = [];
  for (const gfp of [GFP_HIGHUSER_MOVABLE | __GFP_NOWARN, GFP_KERNEL | __GFP_NOWARN]) {
    for (let pfn; (pfn = kernel.alloc.allocPagesPfn(gfp, 0)) >= 0;) got.push(pfn);
  }
  return got;
}

describe('madvise(MADV_HWPOISON / MADV_SOFT_OFFLINE) (mm/madvise.c: madvise_inject_error)', () => {
  it.each([MADV_HWPOISON, MADV_SOFT_OFFLINE])('advice %i needs CAP_SYS_ADMIN (EPERM) and changes nothing without it', (advice) => {
    const { kernel, p, a, pfn } = boot([]);
    expect(errorOf(() => kernel.vm.madvise(p, a, PAGE_SIZE, advice)).code).toBe('EPERM');
    expect(kernel.mem.frames.testFlag(pfn, PG.hwpoison)).toBe(false);
    expect(kernel.vm.read(p, a, 2)).toEqual(new Uint8Array([0x11, 0x22]));
    expect(errorOf(() => kernel.vm.madvise(p, a + 1, PAGE_SIZE, advice)).code).toBe('EINVAL');
  });

  it('a page poisoned by MADV_HWPOISON is never reused', () => {
    const { kernel, p, a, pfn } = boot();
    kernel.vm.madvise(p, a, PAGE_SIZE, MADV_HWPOISON);
    const f = kernel.mem.frames;
    expect(f.testFlag(pfn, PG.hwpoison)).toBe(true);
    expect(kernel.memoryFailure.numPoisonedPages).toBe(1);
    expect(kernel.vm.followPage(p, a)).toMatchObject({ kind: 'hwpoison', pfn });
    expect(kernel.lru.onLru(pfn)).toBe(false);
    expect(kernel.vm.folioMapcount(pfn)).toBe(0);
    // The CPU access takes SIGBUS instead of reading the page; the neighbour is untouched.
    const err = errorOf(() => kernel.vm.read(p, a, 1));
    expect(err.code).toBe('EHWPOISON');
    expect(err.message).toMatch(/SIGBUS: hardware memory error/);
    expect(errorOf(() => kernel.vm.write(p, a, new Uint8Array([1]))).code).toBe('EHWPOISON');
    expect(errorOf(() => new Gup(kernel).getUserPages(p, a, 1)).code).toBe('EFAULT');
    expect(kernel.vm.read(p, a + PAGE_SIZE, 2)).toEqual(new Uint8Array([0x33, 0x44]));
    // Poisoning it again reports -EHWPOISON.
    expect(kernel.memoryFailure.memoryFailure(pfn)).toBe(-133);
    // Unmapped and exited: the frame still never comes back from the allocator.
    kernel.vm.munmap(p, a, 2 * PAGE_SIZE);
    kernel.vm.exitProcess(p);
    const all = allocateEverything(kernel);
    expect(all.length).toBeGreaterThan(1000);
    expect(all).not.toContain(pfn);
    expect(f.refcount[pfn]).toBeGreaterThan(0);
  });

  it('MADV_HWPOISON on a THP page splits the THP first; only the poisoned page is lost', () => {
    const { kernel, p, a, head, stat } = bootThp();
    kernel.vm.madvise(p, a + 7 * PAGE_SIZE, PAGE_SIZE, MADV_HWPOISON);
    expect(stat()).toMatchObject({ thp_split_page: 1 });
    expect(kernel.vm.followPage(p, a + 7 * PAGE_SIZE)).toMatchObject({ kind: 'hwpoison', pfn: head + 7 });
    expect(errorOf(() => kernel.vm.read(p, a + 7 * PAGE_SIZE, 1)).code).toBe('EHWPOISON');
    for (let i = 0; i < HPAGE_PMD_NR; i++) if (i !== 7) expect(Array.from(kernel.vm.read(p, a + i * PAGE_SIZE, 2))).toEqual(pattern(i));
    kernel.vm.exitProcess(p);
    expect(kernel.mem.frames.refcount[head]).toBe(0);
    expect(kernel.mem.frames.refcount[head + 7]).toBe(1);
  });

  it('MADV_HWPOISON fails with EBUSY on a pinned THP page (the split fails); the THP stays mapped with all its bytes', () => {
    const { kernel, p, a, head, gup, stat, bytesOk } = bootThp();
    const pins = gup.pinUserPages(p, a, 1);
    expect(errorOf(() => kernel.vm.madvise(p, a + 7 * PAGE_SIZE, PAGE_SIZE, MADV_HWPOISON)).code).toBe('EBUSY');
    expect(stat()).toMatchObject({ thp_split_page_failed: 1 });
    expect(kernel.vm.followPage(p, a)).toMatchObject({ huge: true, pfn: head });
    gup.unpinUserPages(pins);
    bytesOk();
  });

  it('soft offline of an LRU page migrates it (bytes kept) and poisons the old frame', () => {
    const { kernel, p, a, pfn } = boot();
    kernel.vm.madvise(p, a, 2 * PAGE_SIZE, MADV_SOFT_OFFLINE);
    const now = kernel.vm.followPage(p, a);
    expect(now.kind).toBe('present');
    expect(now.pfn).not.toBe(pfn);
    expect(kernel.vm.read(p, a, 2)).toEqual(new Uint8Array([0x11, 0x22]));
    expect(kernel.vm.read(p, a + PAGE_SIZE, 2)).toEqual(new Uint8Array([0x33, 0x44]));
    expect(kernel.mem.frames.testFlag(pfn, PG.hwpoison)).toBe(true);
    expect(kernel.vmstat.snapshot(kernel.mem)).toMatchObject({ pgmigrate_success: 2, pgmigrate_fail: 0 });
    // The process keeps working on the new page; the old frame is never handed out again.
    kernel.vm.write(p, a, new Uint8Array([0x99]));
    expect(kernel.vm.read(p, a, 1)[0]).toBe(0x99);
    kernel.vm.exitProcess(p);
    expect(allocateEverything(kernel)).not.toContain(pfn);
  });
});
