import { ContractViolation, KernelError } from '../errors';
import { createKernel, type Kernel } from '../kernel/kernel';
import { checkBuddy } from '../zone/check-buddy';
import {
  GFP_DMA32, GFP_KERNEL, GFP_NOFS, GFP_NOWAIT, __GFP_NOFAIL, __GFP_NORETRY, __GFP_NOWARN, __GFP_RETRY_MAYFAIL, __GFP_THISNODE,
} from '../zone/gfp';
import { IOutOfMemory } from './oom-kill';

/** A 16 MiB kernel whose memory is all held by unreclaimable (GFP_KERNEL) pages: every further allocation fails. */
function exhausted(): { k: Kernel; held: number[] } {
  const k = createKernel({ machine: { nodes: [{ memory: '16MiB' }], layout: 'flat' }, thp: 'never' });
  const held: number[] = [];
  for (;;) {
    const pfn = k.alloc.allocPagesPfn(GFP_KERNEL | __GFP_NOWARN, 0);
    if (pfn < 0) break;
    held.push(pfn);
  }
  return { k, held };
}

/** A notifier that frees `n` of the held pages per call, and counts its calls. */
function freeing(k: Kernel, held: number[], n: number) {
  const calls = { n: 0 };
  const fn = (): number => {
    calls.n++;
    const batch = held.splice(0, n);
    for (const pfn of batch) k.alloc.freePages(pfn, 0);
    return batch.length;
  };
  return { fn, calls };
}

describe('OOM notifier chain (mm/oom_kill.c out_of_memory via __alloc_pages_may_oom)', () => {
  it('an allocation that fails succeeds once a registered notifier frees pages', () => {
    const { k, held } = exhausted();
    expect(k.alloc.allocPagesPfn(GFP_KERNEL | __GFP_NOWARN, 0)).toBe(-1);
    const { fn, calls } = freeing(k, held, 256);
    k.oom.registerOomNotifier('test', fn);
    const pfn = k.alloc.allocPagesPfn(GFP_KERNEL, 0);
    expect(pfn).toBeGreaterThanOrEqual(0);
    expect(calls.n).toBeGreaterThanOrEqual(1);
    expect(k.resolve(IOutOfMemory)).toBe(k.oom);
    expect(checkBuddy(k.mem).problems).toEqual([]);
  });

  it('GFP_NOFS still runs the chain (notifiers run before out_of_memory()\'s __GFP_FS check)', () => {
    const { k, held } = exhausted();
    const { fn, calls } = freeing(k, held, 256);
    k.oom.registerOomNotifier('test', fn);
    expect(k.alloc.allocPagesPfn(GFP_NOFS, 0)).toBeGreaterThanOrEqual(0);
    expect(calls.n).toBeGreaterThanOrEqual(1);
  });

  it.each([
    ['a costly order (order 4 > PAGE_ALLOC_COSTLY_ORDER)', GFP_KERNEL, 4],
    ['a costly order even with __GFP_RETRY_MAYFAIL', GFP_KERNEL | __GFP_RETRY_MAYFAIL, 4],
    ['__GFP_NORETRY', GFP_KERNEL | __GFP_NORETRY, 0],
    ['__GFP_RETRY_MAYFAIL (the caller has a fallback)', GFP_KERNEL | __GFP_RETRY_MAYFAIL, 0],
    ['__GFP_THISNODE', GFP_KERNEL | __GFP_THISNODE, 0],
    ['no direct reclaim (GFP_NOWAIT)', GFP_NOWAIT, 0],
    ['a lowmem request (highest zone DMA32)', GFP_KERNEL | GFP_DMA32, 0],
  ])('does not call the chain for %s: the allocation fails', (_what, gfp, order) => {
    const { k, held } = exhausted();
    const { fn, calls } = freeing(k, held, 256);
    k.oom.registerOomNotifier('test', fn);
    expect(k.alloc.allocPagesPfn(gfp | __GFP_NOWARN, order)).toBe(-1);
    expect(calls.n).toBe(0);
  });

  it('a chain that frees nothing fails the allocation (no OOM killer); __GFP_NOFAIL then throws ENOMEM', () => {
    const { k } = exhausted();
    let calls = 0;
    k.oom.registerOomNotifier('empty', () => { calls++; return 0; });
    expect(k.alloc.allocPagesPfn(GFP_KERNEL | __GFP_NOWARN, 0)).toBe(-1);
    expect(calls).toBe(1);
    expect(() => k.alloc.allocPagesPfn(GFP_KERNEL | __GFP_NOFAIL, 0)).toThrow(KernelError);
    expect(calls).toBe(2);
  });

  it('calls every notifier in registration order and sums what they freed', () => {
    const { k, held } = exhausted();
    const order: string[] = [];
    const a = freeing(k, held, 100);
    const b = freeing(k, held, 200);
    k.oom.registerOomNotifier('a', () => { order.push('a'); return a.fn(); });
    k.oom.registerOomNotifier('b', () => { order.push('b'); return b.fn(); });
    expect(k.oom.notifiers).toEqual(['a', 'b']);
    expect(k.oom.outOfMemory()).toBe(300);
    expect(order).toEqual(['a', 'b']);
  });

  it('unregister removes the notifier; unregistering twice is ENOENT, registering twice EEXIST', () => {
    const { k, held } = exhausted();
    const { fn, calls } = freeing(k, held, 256);
    const unregister = k.oom.registerOomNotifier('test', fn);
    expect(() => k.oom.registerOomNotifier('again', fn)).toThrow(expect.objectContaining({ code: 'EEXIST' }) as Error);
    unregister();
    expect(k.oom.notifiers).toEqual([]);
    expect(k.alloc.allocPagesPfn(GFP_KERNEL | __GFP_NOWARN, 0)).toBe(-1);
    expect(calls.n).toBe(0);
    expect(unregister).toThrow(expect.objectContaining({ code: 'ENOENT' }) as Error);
  });

  it.each([
    ['throws', (): number => { throw new Error('boom'); }, /OOM1.*"bad" threw: boom/],
    ['returns a negative count', (): number => -1, /OOM1.*"bad" returned -1/],
    ['returns NaN', (): number => NaN, /OOM1.*"bad" returned NaN/],
  ])('a notifier that %s is a ContractViolation naming it; the kernel stays usable', (_what, bad, message) => {
    const { k, held } = exhausted();
    const unregister = k.oom.registerOomNotifier('bad', bad);
    let err: unknown;
    try {
      k.alloc.allocPagesPfn(GFP_KERNEL, 0);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ContractViolation);
    expect((err as ContractViolation).rule).toBe('OOM1');
    expect((err as Error).message).toMatch(message);
    expect(checkBuddy(k.mem).problems).toEqual([]);
    // oom_lock was released: a good notifier still runs and the allocation succeeds.
    unregister();
    const { fn, calls } = freeing(k, held, 256);
    k.oom.registerOomNotifier('good', fn);
    expect(k.alloc.allocPagesPfn(GFP_KERNEL, 0)).toBeGreaterThanOrEqual(0);
    expect(calls.n).toBeGreaterThanOrEqual(1);
  });

  it('a notifier that allocates finds oom_lock held: the nested out_of_memory() frees nothing', () => {
    const { k, held } = exhausted();
    const { fn } = freeing(k, held, 256);
    let nested = -2;
    k.oom.registerOomNotifier('allocating', () => {
      const freed = fn();
      if (nested === -2) nested = k.oom.outOfMemory();
      return freed;
    });
    expect(k.alloc.allocPagesPfn(GFP_KERNEL, 0)).toBeGreaterThanOrEqual(0);
    expect(nested).toBe(0);
  });
});
