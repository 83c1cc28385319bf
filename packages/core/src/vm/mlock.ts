import { KernelError } from '../errors';
import { PAGE_SIZE } from '../mem/constants';
import { PG } from '../mem/page-flags';
import { PMD_SIZE, VM_LOCKED, VM_LOCKONFAULT, VM_SPECIAL } from './constants';
import type { VmEnv } from './env';
import type { MmStruct } from './mm';
import { checkMapped } from './mprotect';
import { pmdIndex, pteIndex } from './page-table';
import { EntryKind, KIND_MASK, PTE_SPECIAL } from './pte';
import type { VmaOps } from './vma-ops';
import type { VmArea } from './vma';

/** mm/mlock.c: mlock(2) / munlock(2) on VMAs and the folios they map. */
export class MlockOps {
  constructor(private readonly env: VmEnv, private readonly ops: VmaOps) {}

  /**
   * mm/mlock.c: do_mlock() / apply_vma_lock_flags() / mlock_fixup(): start is rounded down and
   * the length up to pages; ENOMEM if any page of the range is unmapped, EINVAL for bad numbers.
   * VMAs are split at the edges (a THP PMD straddling an edge is split, seed 000), get or lose
   * VM_LOCKED (VM_SPECIAL VMAs are skipped), locked_vm follows, and the mapped folios are
   * (un)mlocked — a PTE-mapped large folio never is. Returns [start, end) for mm_populate.
   */
  apply(mm: MmStruct, addr: number, length: number, lock: boolean, onFault = false): [number, number] {
    const call = lock ? 'mlock' : 'munlock';
    if (!Number.isSafeInteger(addr) || addr < 0 || !Number.isSafeInteger(length) || length < 0) {
      throw new KernelError('EINVAL', `${call}: address ${addr} and length ${length} must be non-negative integers`);
    }
    const start = Math.floor(addr / PAGE_SIZE) * PAGE_SIZE;
    const end = Math.ceil((addr + length) / PAGE_SIZE) * PAGE_SIZE;
    if (end === start) return [start, end];
    checkMapped(mm, start, end, call);
    for (const v of this.ops.isolateRange(mm, start, end)) {
      if (v.flags & VM_SPECIAL) continue;
      const was = (v.flags & VM_LOCKED) !== 0;
      if (lock) v.flags |= VM_LOCKED | (onFault ? VM_LOCKONFAULT : 0);
      else v.flags &= ~(VM_LOCKED | VM_LOCKONFAULT);
      if (was !== lock) {
        mm.lockedVm += lock ? v.pages : -v.pages;
        this.mlockVmaPages(v, lock);
      }
      this.ops.tryMerge(v);
    }
    return [start, end];
  }

  /**
   * mm/mlock.c: mlock_vma_pages_range() → mlock_pte_range(): every present folio of the VMA is
   * mlocked (or munlocked), except large folios mapped by PTEs, which stay on the normal LRU.
   */
  private mlockVmaPages(v: VmArea, lock: boolean): void {
    const env = this.env;
    const f = env.frames;
    const mm = v.mm;
    for (let a = v.start; a < v.end;) {
      const next = Math.min(v.end, (Math.floor(a / PMD_SIZE) + 1) * PMD_SIZE);
      const pmdt = mm.pgtables.pmdTable(a);
      if (!pmdt) { a = next; continue; }
      const i = pmdIndex(a);
      const pb = pmdt.bits[i];
      if ((pb & KIND_MASK) === EntryKind.PRESENT) {
        if (!(pb & PTE_SPECIAL)) this.flip(pmdt.val[i], lock);
        a = next;
        continue;
      }
      const t = pmdt.ptes[i];
      for (; t && a < next; a += PAGE_SIZE) {
        const j = pteIndex(a);
        const b = t.bits[j];
        if ((b & KIND_MASK) !== EntryKind.PRESENT || b & PTE_SPECIAL) continue;
        const head = f.compoundHead(t.val[j]);
        if (!(f.flags[head] & (1 << PG.head))) this.flip(head, lock);
      }
      a = next;
    }
  }

  private flip(head: number, lock: boolean): void {
    if (lock) this.env.lru.mlockFolio(head);
    else this.env.lru.munlockFolio(head);
  }
}
