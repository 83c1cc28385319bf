import { KernelError } from '../errors';
import { NR_MM_COUNTERS } from './constants';
import type { MmuNotifierOps } from './deps';
import type { PageTables } from './page-table';
import type { VmArea } from './vma';

/**
 * include/linux/mm_types.h: struct mm_struct. VMAs are kept in an array sorted by start (the
 * kernel's maple tree), searched by binary search.
 */
export class MmStruct {
  readonly vmas: VmArea[] = [];
  /** mm->rss_stat: MM_FILEPAGES, MM_ANONPAGES, MM_SWAPENTS, MM_SHMEMPAGES */
  readonly rss = new Int32Array(NR_MM_COUNTERS);
  /** mm->locked_vm in pages */
  lockedVm = 0;
  /** mm->def_flags: VM_LOCKED after mlockall(MCL_FUTURE); here only set by tests. */
  defFlags = 0;
  notifiers!: MmuNotifierOps;
  /** mm->mm_users; 0 after exit_mmap. */
  users = 1;

  constructor(readonly id: number, readonly pgtables: PageTables) {}

  /** mm/mmap.c: find_vma(): the first VMA with end > addr, or null. */
  findVma(addr: number): VmArea | null {
    const i = this.indexAfter(addr);
    return i < this.vmas.length ? this.vmas[i] : null;
  }

  /** mm/mmap.c: vma_lookup(): the VMA containing addr, or null. */
  vmaLookup(addr: number): VmArea | null {
    const v = this.findVma(addr);
    return v && v.start <= addr ? v : null;
  }

  /** Index of the first VMA whose end is above addr. */
  indexAfter(addr: number): number {
    const v = this.vmas;
    let lo = 0;
    let hi = v.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (v[mid].end <= addr) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** vma_link(): insert keeping the array sorted. Overlap is a caller bug. */
  insertVma(vma: VmArea): void {
    const i = this.indexAfter(vma.start);
    const next = this.vmas[i];
    if (next && next.start < vma.end) {
      throw new KernelError('EINVAL', `VMA [0x${vma.start.toString(16)}, 0x${vma.end.toString(16)}) overlaps an existing mapping`);
    }
    this.vmas.splice(i, 0, vma);
  }

  removeVma(vma: VmArea): void {
    const i = this.vmas.indexOf(vma);
    if (i >= 0) this.vmas.splice(i, 1);
  }

  /** The VMAs intersecting [start, end), in address order. */
  vmasIn(start: number, end: number): VmArea[] {
    const out: VmArea[] = [];
    for (let i = this.indexAfter(start); i < this.vmas.length && this.vmas[i].start < end; i++) out.push(this.vmas[i]);
    return out;
  }

  /** get_mm_counter() */
  counter(member: number): number {
    return this.rss[member];
  }
}
