import { PG, ZONEID_SHIFT } from '../mem/page-flags';
import type { VmStat } from '../stat/vmstat';
import { VmEvent, ZoneStat } from '../stat/vmstat-items';
import type { PhysicalMemory } from '../zone/physical-memory';
import type { FolioBatch } from './folio-batch';
import type { FolioRelease } from './folio-release';
import type { Lruvecs } from './lruvec';

const LRU = 1 << PG.lru;
const ACTIVE = 1 << PG.active;
const UNEVICTABLE = 1 << PG.unevictable;
const MLOCKED = 1 << PG.mlocked;
const HEAD = 1 << PG.head;

/** mm/mlock.c: the op of a mlock_fbatch slot (the kernel's low pointer bits). */
export const enum MlockOp {
  MUNLOCK = 0,
  /** LRU_FOLIO: mlock_lru() */
  LRU_FOLIO = 1,
  /** NEW_FOLIO: mlock_new() */
  NEW_FOLIO = 2,
}

/**
 * mm/mlock.c (v6.x, after "mm/munlock: mlock_page() munlock_page() batch by pagevec"): mlock and
 * munlock go through a per-cpu folio batch; PG_mlocked, NR_MLOCK and unevictable_pgs_mlocked
 * change at once on mlock, the move to/from the unevictable LRU happens when the batch drains
 * (mlock_folio_batch). Unevictable folios keep an mlock_count (Lruvecs.mlockCount).
 */
export class Mlock {
  private readonly flags: Uint32Array;

  constructor(
    private readonly mem: PhysicalMemory,
    private readonly lruvecs: Lruvecs,
    private readonly release: FolioRelease,
    private readonly vmstat: VmStat,
  ) {
    this.flags = mem.frames.flags;
  }

  private count(head: number): number {
    return this.lruvecs.mlockCount(head);
  }

  private setCount(head: number, n: number): void {
    this.lruvecs.setMlockCount(head, n);
  }

  /** mm/mlock.c: mlock_folio() — the folio's refcount was already raised for the batch. */
  mlockFolio(head: number, fb: FolioBatch, drainNow: boolean): void {
    const flags = this.flags[head]!;
    if ((flags & MLOCKED) === 0) {
      this.flags[head] = flags | MLOCKED;
      this.modMlock(head, flags, this.lruvecs.nrPages(head));
      this.vmstat.count(VmEvent.UNEVICTABLE_PGMLOCKED, this.lruvecs.nrPages(head));
    }
    if (!fb.add(head, MlockOp.LRU_FOLIO) || flags & HEAD || drainNow) this.drain(fb);
  }

  /** mm/mlock.c: mlock_new_folio() — a new folio of a VM_LOCKED vma, instead of folio_add_lru(). */
  mlockNewFolio(head: number, fb: FolioBatch, drainNow: boolean): void {
    const flags = this.flags[head]! | MLOCKED;
    this.flags[head] = flags;
    this.modMlock(head, flags, this.lruvecs.nrPages(head));
    this.vmstat.count(VmEvent.UNEVICTABLE_PGMLOCKED, this.lruvecs.nrPages(head));
    if (!fb.add(head, MlockOp.NEW_FOLIO) || flags & HEAD || drainNow) this.drain(fb);
  }

  /** mm/mlock.c: munlock_folio() — everything happens at drain (__munlock_folio). */
  munlockFolio(head: number, fb: FolioBatch, drainNow: boolean): void {
    if (!fb.add(head, MlockOp.MUNLOCK) || this.flags[head]! & HEAD || drainNow) this.drain(fb);
  }

  /** mm/mlock.c: mlock_folio_batch() — apply every queued op, then drop the batch references. */
  drain(fb: FolioBatch): void {
    const n = fb.nr;
    for (let i = 0; i < n; i++) {
      const head = fb.pfns[i]!;
      const op = fb.ops[i]!;
      if (op === MlockOp.LRU_FOLIO) this.mlockLru(head);
      else if (op === MlockOp.NEW_FOLIO) this.mlockNew(head);
      else this.munlock(head);
    }
    fb.reinit();
    for (let i = 0; i < n; i++) this.release.put(fb.pfns[i]!);
  }

  /** mm/mlock.c: __mlock_folio() */
  private mlockLru(head: number): void {
    let flags = this.flags[head]!;
    if ((flags & LRU) === 0) return; // nothing more we can do while it's off LRU
    this.flags[head] = flags &= ~LRU;
    const nr = this.lruvecs.nrPages(head);
    if ((flags & MLOCKED) === 0) {
      // PG_mlocked already cleared by another CPU: rescue it if it was left unevictable.
      if (flags & UNEVICTABLE) {
        this.lruvecs.delFolio(head);
        this.flags[head] = flags & ~UNEVICTABLE;
        this.lruvecs.addFolio(head);
        this.vmstat.count(VmEvent.UNEVICTABLE_PGRESCUED, nr);
      }
    } else if (flags & UNEVICTABLE) {
      this.setCount(head, this.count(head) + 1);
    } else {
      this.lruvecs.delFolio(head);
      this.flags[head] = (flags & ~ACTIVE) | UNEVICTABLE;
      this.setCount(head, 1);
      this.lruvecs.addFolio(head);
      this.vmstat.count(VmEvent.UNEVICTABLE_PGCULLED, nr);
    }
    this.flags[head]! |= LRU;
  }

  /** mm/mlock.c: __mlock_new_folio() */
  private mlockNew(head: number): void {
    const flags = this.flags[head]!;
    if (flags & MLOCKED) {
      this.flags[head] = flags | UNEVICTABLE;
      this.setCount(head, 1);
      this.vmstat.count(VmEvent.UNEVICTABLE_PGCULLED, this.lruvecs.nrPages(head));
    }
    this.lruvecs.addFolio(head);
    this.flags[head]! |= LRU;
  }

  /** mm/mlock.c: __munlock_folio() */
  private munlock(head: number): void {
    let flags = this.flags[head]!;
    const nr = this.lruvecs.nrPages(head);
    const isolated = (flags & LRU) !== 0;
    if (isolated) {
      this.flags[head] = flags &= ~LRU;
      if (flags & UNEVICTABLE) {
        // mlock_count is maintained, but might undercount
        const c = this.count(head);
        if (c) this.setCount(head, c - 1);
        if (c > 1) {
          this.flags[head]! |= LRU;
          return;
        }
      }
    }
    if (flags & MLOCKED) {
      this.flags[head] = flags &= ~MLOCKED;
      this.modMlock(head, flags, -nr);
      this.vmstat.count(isolated || (flags & UNEVICTABLE) === 0 ? VmEvent.UNEVICTABLE_PGMUNLOCKED : VmEvent.UNEVICTABLE_PGSTRANDED, nr);
    }
    // folio_evictable() is checked after clearing PG_mlocked
    if (isolated && flags & UNEVICTABLE && (flags & MLOCKED) === 0) {
      this.lruvecs.delFolio(head);
      this.flags[head] = flags & ~UNEVICTABLE;
      this.lruvecs.addFolio(head);
      this.vmstat.count(VmEvent.UNEVICTABLE_PGRESCUED, nr);
    }
    if (isolated) this.flags[head]! |= LRU;
  }

  private modMlock(head: number, flags: number, nr: number): void {
    this.mem.zones[flags >>> ZONEID_SHIFT]!.vmStat[ZoneStat.NR_MLOCK] += nr;
  }
}
