import { bootMemory } from '../../__fixtures__/boot';
import { PG } from '../../mem/page-flags';
import type { LruOps, MmuNotifierOps, MmuNotifierRange, PageLockOps, TaskWait } from '../deps';
import { Vm } from '../vm';

/** One notifier call seen by {@link RecordingNotifiers}. */
export interface NotifierCall {
  mm: number;
  op: 'start' | 'end' | 'release';
  range?: MmuNotifierRange;
}

/**
 * A fake mmu_notifier subscription for tests (the real notify/ class is wired by the kernel):
 * records every call and checks that starts and ends pair up.
 */
export class RecordingNotifiers {
  readonly calls: NotifierCall[] = [];
  open = 0;
  factory = (mm: object): MmuNotifierOps => {
    const id = (mm as { id: number }).id;
    return {
      invalidateRangeStart: (range) => { this.open++; this.calls.push({ mm: id, op: 'start', range: { ...range } }); return 0; },
      invalidateRangeEnd: (range) => { this.open--; this.calls.push({ mm: id, op: 'end', range: { ...range } }); },
      release: () => { this.calls.push({ mm: id, op: 'release' }); },
    };
  };
}

/**
 * A fake LRU for vm tests (lru/ is wired by the kernel): PG_lru on add, PG_mlocked with an
 * mlock count, and a record of every call.
 */
export class RecordingLru implements LruOps {
  readonly calls: [string, number][] = [];
  readonly mlockCount = new Map<number, number>();
  constructor(private readonly frames: { setFlag(p: number, b: PG): void; clearFlag(p: number, b: PG): void }) {}
  folioAddLru(pfn: number): void { this.calls.push(['add', pfn]); this.frames.setFlag(pfn, PG.lru); }
  lruAddDrainAll(): void { this.calls.push(['drain', -1]); }
  folioMarkLazyfree(pfn: number): void {
    this.calls.push(['lazyfree', pfn]);
    for (const b of [PG.active, PG.referenced, PG.swapbacked]) this.frames.clearFlag(pfn, b);
  }
  folioDelFromLru(pfn: number): void { this.calls.push(['del', pfn]); this.frames.clearFlag(pfn, PG.lru); }
  mlockFolio(pfn: number): void {
    this.calls.push(['mlock', pfn]);
    this.mlockCount.set(pfn, (this.mlockCount.get(pfn) ?? 0) + 1);
    this.frames.setFlag(pfn, PG.mlocked);
  }
  munlockFolio(pfn: number): void {
    this.calls.push(['munlock', pfn]);
    const n = Math.max(0, (this.mlockCount.get(pfn) ?? 0) - 1);
    this.mlockCount.set(pfn, n);
    if (n === 0) this.frames.clearFlag(pfn, PG.mlocked);
  }
  /** Ops apply at once here: nothing waits in a batch, so a drain only records the call. */
  mlockDrainLocal(): void { this.calls.push(['mlock-drain', -1]); }
}

/** Page locks for tests: waiting on an unlocked page returns at once, a locked one yields. */
export class TestLocks implements PageLockOps {
  constructor(private readonly frames: { testFlag(p: number, b: PG): boolean }) {}
  *waitOnPageLocked(pfn: number): TaskWait {
    while (this.frames.testFlag(pfn, PG.locked)) yield pfn;
  }
}

/** A booted memory with a Vm, recording notifiers and LRU. */
export function bootVm(opts: { memory?: string; thp?: 'always' | 'madvise' | 'never' } = {}) {
  const boot = bootMemory({ nodes: [{ memory: opts.memory ?? '64MiB' }], layout: 'flat' });
  const notifiers = new RecordingNotifiers();
  const lru = new RecordingLru(boot.mem.frames);
  const vm = new Vm({
    mem: boot.mem, alloc: boot.alloc, vmstat: boot.vmstat, current: boot.current,
    lru, locks: new TestLocks(boot.mem.frames), notifiers: notifiers.factory, thp: opts.thp,
  });
  return { ...boot, vm, notifiers, lru };
}

export const bytes = (...b: number[]) => new Uint8Array(b);
