/** include/linux/pagevec.h: PAGEVEC_SIZE — folios a per-cpu batch holds before it is drained. */
export const PAGEVEC_SIZE = 15;

/**
 * include/linux/pagevec.h: struct folio_batch, allocation-free: head pfns plus one op byte per
 * slot (mm/mlock.c encodes LRU_FOLIO/NEW_FOLIO in the low pointer bits; mmsim keeps them here).
 */
export class FolioBatch {
  readonly pfns = new Int32Array(PAGEVEC_SIZE);
  readonly ops = new Uint8Array(PAGEVEC_SIZE);
  nr = 0;

  /** folio_batch_add(): returns the space left (0 = full, drain now). */
  add(pfn: number, op = 0): number {
    this.pfns[this.nr] = pfn;
    this.ops[this.nr] = op;
    return PAGEVEC_SIZE - ++this.nr;
  }

  /** folio_batch_reinit() */
  reinit(): void {
    this.nr = 0;
  }

  /** Whether `pfn` sits in this batch (searched newest first, like __lru_cache_activate_folio). */
  contains(pfn: number): boolean {
    for (let i = this.nr - 1; i >= 0; i--) if (this.pfns[i] === pfn) return true;
    return false;
  }
}

/** mm/swap.c: struct cpu_fbatches (the batches mmsim models) plus mm/mlock.c: mlock_fbatch. */
export class CpuFbatches {
  readonly lruAdd = new FolioBatch();
  readonly lruDeactivate = new FolioBatch();
  readonly activate = new FolioBatch();
  readonly mlock = new FolioBatch();

  /** Folios waiting in any of this CPU's batches. */
  get pending(): number {
    return this.lruAdd.nr + this.lruDeactivate.nr + this.activate.nr + this.mlock.nr;
  }
}
