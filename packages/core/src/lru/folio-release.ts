import { ContractViolation } from '../errors';
import { PG, ZONEID_SHIFT } from '../mem/page-flags';
import type { PageFrames } from '../mem/page-frames';
import type { VmStat } from '../stat/vmstat';
import { VmEvent, ZoneStat } from '../stat/vmstat-items';
import type { PageAllocator } from '../zone/page-alloc';
import type { PhysicalMemory } from '../zone/physical-memory';
import type { Lruvecs } from './lruvec';

const LRU = 1 << PG.lru;
const ACTIVE = 1 << PG.active;
const UNEVICTABLE = 1 << PG.unevictable;
const MLOCKED = 1 << PG.mlocked;

/**
 * Dropping references to folios that may sit on an LRU (mm/swap.c: folios_put_refs,
 * __page_cache_release): when the last reference goes, the folio leaves its LRU list and loses
 * its LRU and mlock state before the allocator sees it (which rejects PG_lru at free).
 */
export class FolioRelease {
  private readonly flags: Uint32Array;
  private readonly refcount: Int32Array;

  constructor(
    private readonly mem: PhysicalMemory,
    private readonly lruvecs: Lruvecs,
    private readonly alloc: PageAllocator,
    private readonly vmstat: VmStat,
  ) {
    this.flags = mem.frames.flags;
    this.refcount = mem.frames.refcount;
  }

  get frames(): PageFrames {
    return this.mem.frames;
  }

  /**
   * mm/swap.c: __page_cache_release() — off the LRU (lruvec_del_folio + __folio_clear_lru_flags)
   * and, if still mlocked, PG_mlocked cleared with NR_MLOCK and unevictable_pgs_cleared accounted.
   */
  pageCacheRelease(head: number): void {
    const flags = this.flags[head]!;
    if (flags & LRU) {
      this.lruvecs.delFolio(head);
      this.clearLruFlags(head);
      this.lruvecs.setMlockCount(head, 0);
    }
    if (flags & MLOCKED) {
      const nr = this.lruvecs.nrPages(head);
      this.flags[head]! &= ~MLOCKED;
      this.mem.zones[flags >>> ZONEID_SHIFT]!.vmStat[ZoneStat.NR_MLOCK] -= nr;
      this.vmstat.count(VmEvent.UNEVICTABLE_PGCLEARED, nr);
    }
  }

  /** mm/swap.c: folio_put() / folios_put(): the last reference releases LRU state, then frees. */
  put(head: number): void {
    const ref = this.refcount[head]!;
    if (ref === 1) this.pageCacheRelease(head);
    else if (ref <= 0) {
      throw new ContractViolation('PG5', 'folio_put() on a folio with no references: refcount underflow', {
        pfn: head, flags: this.flags[head]!, refcount: ref,
      });
    }
    this.alloc.putPage(head);
  }

  /** include/linux/mm_inline.h: __folio_clear_lru_flags() */
  clearLruFlags(head: number): void {
    const flags = this.flags[head]! & ~LRU;
    // "this shouldn't happen, so leave the flags to bad_page()"
    this.flags[head] = (flags & (ACTIVE | UNEVICTABLE)) === (ACTIVE | UNEVICTABLE) ? flags : flags & ~(ACTIVE | UNEVICTABLE);
  }
}
