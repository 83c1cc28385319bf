import type { AnonVmas } from './anon-vma';
import { TASK_SIZE, VM_LOCKED, VM_SPECIAL } from './constants';
import { MmuNotifyEvent } from './deps';
import type { VmEnv } from './env';
import type { Filemap } from './filemap';
import type { HugeMemory } from './huge-memory';
import type { MmStruct } from './mm';
import type { Zap } from './zap';
import { VmArea } from './vma';

/** mm/mmap.c + mm/vma.c: VMA link, split, merge and unmap. */
export class VmaOps {
  constructor(
    private readonly env: VmEnv,
    private readonly anonVmas: AnonVmas,
    private readonly thp: HugeMemory,
    private readonly zap: Zap,
    private readonly filemap: Filemap,
  ) {}

  /** mm/mmap.c: vma_link(): into the mm and, for a file, its i_mmap (which takes a file ref). */
  link(vma: VmArea): void {
    vma.mm.insertVma(vma);
    if (vma.file) {
      vma.file.iMmap.push(vma);
      vma.file.users++;
    }
  }

  /** Removes a VMA from its mm, i_mmap and anon_vmas (remove_vma + unlink_anon_vmas + fput). */
  unlink(vma: VmArea): void {
    vma.mm.removeVma(vma);
    this.anonVmas.unlink(vma);
    if (vma.file) {
      const i = vma.file.iMmap.indexOf(vma);
      if (i >= 0) vma.file.iMmap.splice(i, 1);
      this.filemap.fput(vma.file);
    }
  }

  /**
   * mm/mmap.c: __split_vma(): cut `vma` at addr; `vma` keeps [start, addr), the returned new VMA
   * gets [addr, end) with the same flags, file, adjusted pgoff and a clone of the anon_vma chain.
   * A huge PMD straddling addr is split first (vma_adjust_trans_huge).
   */
  split(vma: VmArea, addr: number): VmArea {
    this.thp.adjustTransHuge(vma, addr);
    const upper = new VmArea(vma.mm, addr, vma.end, vma.flags, vma.linearIndex(addr), vma.file);
    this.anonVmas.clone(upper, vma);
    vma.mm.removeVma(vma);
    vma.end = addr;
    vma.mm.insertVma(vma);
    this.link(upper);
    return upper;
  }

  /** Splits VMAs so that start and end fall on VMA boundaries; returns the VMAs inside. */
  isolateRange(mm: MmStruct, start: number, end: number): VmArea[] {
    const first = mm.vmaLookup(start);
    if (first && first.start < start) this.split(first, start);
    const last = mm.vmaLookup(end - 1);
    if (last && last.end > end) this.split(last, end);
    return mm.vmasIn(start, end);
  }

  /**
   * mm/mmap.c: vma_merge() (the simple cases): `vma` absorbs a compatible neighbour — adjacent,
   * same flags and file, contiguous pgoff, and the same anon_vma chain (or none on both sides).
   */
  tryMerge(vma: VmArea): VmArea {
    const mm = vma.mm;
    const i = mm.vmas.indexOf(vma);
    const next = mm.vmas[i + 1];
    if (next && this.mergeable(vma, next)) this.absorb(vma, next);
    const prev = i > 0 ? mm.vmas[i - 1] : undefined;
    if (prev && this.mergeable(prev, vma)) {
      this.absorb(prev, vma);
      return prev;
    }
    return vma;
  }

  private mergeable(a: VmArea, b: VmArea): boolean {
    if (a.end !== b.start || a.flags !== b.flags || a.file !== b.file || a.flags & VM_SPECIAL) return false;
    if (((a.pgoff + a.pages) >>> 0) !== b.pgoff) return false;
    if (a.anonChain.length !== b.anonChain.length) return false;
    for (let k = 0; k < a.anonChain.length; k++) if (a.anonChain[k] !== b.anonChain[k]) return false;
    return a.anonVma === b.anonVma;
  }

  private absorb(a: VmArea, b: VmArea): void {
    const end = b.end;
    this.unlink(b);
    a.end = end;
  }

  /**
   * mm/mmap.c: do_vmi_munmap() → unmap_region() + remove_vma(): split at the edges, zap the
   * pages (one MMU_NOTIFY_UNMAP range), munlock VM_LOCKED VMAs (locked_vm), free page tables no
   * remaining VMA needs, and remove the VMAs.
   */
  munmapRange(mm: MmStruct, start: number, end: number): void {
    const vmas = this.isolateRange(mm, start, end);
    if (vmas.length === 0) return;
    const range = this.env.invalidateStart(mm, start, end, MmuNotifyEvent.UNMAP);
    for (const vma of vmas) this.zap.zapRange(vma, vma.start, vma.end);
    this.env.invalidateEnd(mm, range);
    for (const vma of vmas) {
      if (vma.flags & VM_LOCKED) mm.lockedVm -= vma.pages;
      this.unlink(vma);
    }
    this.freePgtables(mm, start, end);
  }

  /** mm/memory.c: free_pgtables() between the neighbours of [start, end) (floor/ceiling). */
  freePgtables(mm: MmStruct, start: number, end: number): void {
    const i = mm.indexAfter(start);
    const prev = i > 0 ? mm.vmas[i - 1] : null;
    const next = i < mm.vmas.length ? mm.vmas[i] : null;
    const floor = prev ? prev.end : 0;
    const ceiling = next ? next.start : TASK_SIZE;
    mm.pgtables.freePgtables(start, end, floor, ceiling);
  }
}
