import { ContractViolation } from '../errors';
import { PG } from '../mem/page-flags';
import type { VmStat } from '../stat/vmstat';
import { VmEvent } from '../stat/vmstat-items';
import type { PhysicalMemory } from '../zone/physical-memory';
import type { FolioBatch } from './folio-batch';
import type { FolioRelease } from './folio-release';
import type { Lruvecs } from './lruvec';

const LRU = 1 << PG.lru;
const ACTIVE = 1 << PG.active;
const UNEVICTABLE = 1 << PG.unevictable;
const MLOCKED = 1 << PG.mlocked;
const REFERENCED = 1 << PG.referenced;

/** mm/swap.c: the move_fn of folio_batch_move_lru(). */
export const enum MoveFn { LRU_ADD, ACTIVATE, DEACTIVATE }

/**
 * mm/swap.c: draining a per-cpu folio batch — folio_batch_move_lru() with lru_add_fn,
 * folio_activate_fn or lru_deactivate_fn, then folios_put() of the batch references.
 */
export class BatchMover {
  private readonly flags: Uint32Array;

  constructor(
    private readonly mem: PhysicalMemory,
    private readonly lruvecs: Lruvecs,
    private readonly release: FolioRelease,
    private readonly vmstat: VmStat,
  ) {
    this.flags = mem.frames.flags;
  }

  /** mm/swap.c: folio_batch_move_lru() + folios_put(). */
  move(fb: FolioBatch, fn: MoveFn): void {
    const n = fb.nr;
    let bad = -1;
    for (let i = 0; i < n; i++) {
      const head = fb.pfns[i]!;
      let flags = this.flags[head]!;
      if (fn === MoveFn.LRU_ADD) {
        if (flags & LRU) { if (bad < 0) bad = head; continue; }
        this.lruAddFn(head, flags);
      } else {
        if ((flags & LRU) === 0) continue; // isolated meanwhile
        this.flags[head] = flags &= ~LRU;
        if (fn === MoveFn.ACTIVATE) this.activateFn(head, flags);
        else this.deactivateFn(head, flags);
      }
      this.flags[head]! |= LRU;
    }
    fb.reinit();
    for (let i = 0; i < n; i++) this.release.put(fb.pfns[i]!);
    if (bad >= 0) violation(this.mem, bad, 'lru_add_fn() found the folio already on an LRU list (added twice from different CPUs)');
  }

  /** mm/swap.c: lru_add_fn() */
  private lruAddFn(head: number, flags: number): void {
    const nr = this.lruvecs.nrPages(head);
    const wasUnevictable = (flags & UNEVICTABLE) !== 0;
    flags &= ~UNEVICTABLE;
    if ((flags & MLOCKED) === 0) {
      if (wasUnevictable) this.vmstat.count(VmEvent.UNEVICTABLE_PGRESCUED, nr);
    } else {
      flags = (flags & ~ACTIVE) | UNEVICTABLE;
      if (!wasUnevictable) this.vmstat.count(VmEvent.UNEVICTABLE_PGCULLED, nr);
    }
    this.flags[head] = flags;
    this.lruvecs.setMlockCount(head, 0);
    this.lruvecs.addFolio(head);
  }

  /** mm/swap.c: folio_activate_fn() */
  private activateFn(head: number, flags: number): void {
    if (flags & (ACTIVE | UNEVICTABLE)) return;
    this.lruvecs.delFolio(head);
    this.flags[head] = flags | ACTIVE;
    this.lruvecs.addFolio(head);
    this.vmstat.count(VmEvent.PGACTIVATE, this.lruvecs.nrPages(head));
  }

  /** mm/swap.c: lru_deactivate_fn() */
  private deactivateFn(head: number, flags: number): void {
    if ((flags & (ACTIVE | UNEVICTABLE)) !== ACTIVE) return;
    this.lruvecs.delFolio(head);
    this.flags[head] = flags & ~(ACTIVE | REFERENCED);
    this.lruvecs.addFolio(head);
    this.vmstat.count(VmEvent.PGDEACTIVATE, this.lruvecs.nrPages(head));
  }
}

function violation(mem: PhysicalMemory, head: number, reason: string): never {
  const f = mem.frames;
  throw new ContractViolation('LRU1', reason, { pfn: head, flags: f.flags[head]!, refcount: f.refcount[head]!, mapcount: f.mapcount[head]!, mapping: f.mapping[head]! });
}
