import { KernelError } from '../errors';
import { PAGE_SIZE } from '../mem/constants';
import type { AnonVmas } from './anon-vma';
import { MREMAP_DONTUNMAP, MREMAP_FIXED, MREMAP_MAYMOVE, PMD_SIZE, TASK_SIZE, VM_LOCKED, VM_LOCKED_MASK, pageAlignUp } from './constants';
import { MmuNotifyEvent } from './deps';
import type { VmEnv } from './env';
import type { HugeMemory } from './huge-memory';
import type { MmStruct } from './mm';
import type { Mmap } from './mmap';
import { checkAddr } from './mmap';
import { pmdIndex, pteIndex } from './page-table';
import { EntryKind, KIND_MASK } from './pte';
import type { VmaOps } from './vma-ops';
import { VmArea } from './vma';

/** mm/mremap.c */
export class Mremap {
  constructor(
    private readonly env: VmEnv,
    private readonly ops: VmaOps,
    private readonly mmapper: Mmap,
    private readonly anonVmas: AnonVmas,
    private readonly thp: HugeMemory,
  ) {}

  /**
   * mm/mremap.c: mremap(): EINVAL for unknown flags, an unaligned address, a zero new length,
   * MREMAP_FIXED or MREMAP_DONTUNMAP without MREMAP_MAYMOVE, DONTUNMAP with a size change, or a
   * FIXED target overlapping the source; EFAULT if the old range is not inside one VMA; ENOMEM
   * if it cannot grow in place and may not move. Returns the (new) address; `grown` is the
   * range the caller populates for VM_LOCKED.
   */
  mremap(mm: MmStruct, oldAddr: number, oldLength: number, newLength: number, flags: number, newAddr?: number): { addr: number; grown: [number, number] | null } {
    checkAddr(oldAddr, 'mremap');
    if (!Number.isInteger(flags) || flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP)) throw new KernelError('EINVAL', `mremap: unknown flags 0x${Number(flags).toString(16)}`);
    if (flags & (MREMAP_FIXED | MREMAP_DONTUNMAP) && !(flags & MREMAP_MAYMOVE)) throw new KernelError('EINVAL', 'mremap: MREMAP_FIXED and MREMAP_DONTUNMAP need MREMAP_MAYMOVE');
    if (!Number.isSafeInteger(oldLength) || oldLength < 0 || !Number.isSafeInteger(newLength) || newLength <= 0) {
      throw new KernelError('EINVAL', `mremap: lengths ${oldLength} → ${newLength} must be integers, the new one positive`);
    }
    let oldLen = pageAlignUp(oldLength);
    const newLen = pageAlignUp(newLength);
    if (flags & MREMAP_DONTUNMAP && oldLen !== newLen) throw new KernelError('EINVAL', 'mremap: MREMAP_DONTUNMAP cannot change the size');
    const vma = mm.vmaLookup(oldAddr);
    if (!vma || oldAddr + oldLen > vma.end || oldLen === 0) throw new KernelError('EFAULT', `mremap: [0x${oldAddr.toString(16)}, +${oldLen}) is not inside one mapping`);
    if (flags & MREMAP_FIXED) {
      checkAddr(newAddr ?? -1, 'mremap(MREMAP_FIXED)');
      const na = newAddr as number;
      if (na + newLen > TASK_SIZE) throw new KernelError('EINVAL', 'mremap: the new range ends above TASK_SIZE');
      if (na < oldAddr + oldLen && oldAddr < na + newLen) throw new KernelError('EINVAL', 'mremap: the new range overlaps the old one');
      this.ops.munmapRange(mm, na, na + newLen);
      if (oldLen > newLen) {
        this.ops.munmapRange(mm, oldAddr + newLen, oldAddr + oldLen);
        oldLen = newLen;
      }
      return this.move(mm, oldAddr, oldLen, na, newLen, (flags & MREMAP_DONTUNMAP) !== 0);
    }
    if (!(flags & MREMAP_DONTUNMAP) && newLen <= oldLen) {
      if (newLen < oldLen) this.ops.munmapRange(mm, oldAddr + newLen, oldAddr + oldLen);
      return { addr: oldAddr, grown: null };
    }
    if (!(flags & MREMAP_DONTUNMAP) && oldAddr + oldLen === vma.end && oldAddr + newLen <= TASK_SIZE && mm.vmasIn(vma.end, oldAddr + newLen).length === 0) {
      const from = vma.end;
      vma.end = oldAddr + newLen; // vma_expand()
      if (vma.flags & VM_LOCKED) mm.lockedVm += (vma.end - from) / PAGE_SIZE;
      return { addr: oldAddr, grown: vma.flags & VM_LOCKED ? [from, vma.end] : null };
    }
    if (!(flags & MREMAP_MAYMOVE)) throw new KernelError('ENOMEM', 'mremap: cannot grow in place; pass MREMAP_MAYMOVE to allow moving');
    const target = this.mmapper.getUnmappedArea(mm, newLen, undefined, vma.isAnonymous && newLen >= PMD_SIZE);
    return this.move(mm, oldAddr, oldLen, target, newLen, (flags & MREMAP_DONTUNMAP) !== 0);
  }

  /**
   * mm/mremap.c: move_vma() + move_page_tables(): a new VMA with the same pgoff (so page
   * indexes and rmap stay valid) and a clone of the anon_vma chain receives the entries —
   * whole huge PMDs move as such when both sides are PMD aligned, others are split — under one
   * MMU_NOTIFY_UNMAP range on the old addresses; the old VMA is then unmapped (or, with
   * MREMAP_DONTUNMAP, kept empty and unlocked).
   */
  private move(mm: MmStruct, oldAddr: number, oldLen: number, newAddr: number, newLen: number, dontUnmap: boolean): { addr: number; grown: [number, number] | null } {
    const [old] = this.ops.isolateRange(mm, oldAddr, oldAddr + oldLen);
    const nv = new VmArea(mm, newAddr, newAddr + newLen, old.flags, old.pgoff, old.file);
    this.anonVmas.clone(nv, old);
    this.ops.link(nv);
    if (nv.flags & VM_LOCKED) mm.lockedVm += newLen / PAGE_SIZE;
    const range = this.env.invalidateStart(mm, oldAddr, oldAddr + oldLen, MmuNotifyEvent.UNMAP);
    const pt = mm.pgtables;
    for (let off = 0; off < oldLen;) {
      const from = oldAddr + off;
      const to = newAddr + off;
      const spmd = pt.pmdTable(from);
      if (!spmd) { off = Math.min(oldLen, off + PMD_SIZE - (from % PMD_SIZE)); continue; }
      const i = pmdIndex(from);
      const kind = spmd.bits[i] & KIND_MASK;
      if (kind !== EntryKind.NONE && kind !== EntryKind.TABLE) {
        if (from % PMD_SIZE === 0 && to % PMD_SIZE === 0 && off + PMD_SIZE <= oldLen) {
          const dpmd = pt.pmdAlloc(to); // move_huge_pmd()
          const k = pmdIndex(to);
          dpmd.val[k] = spmd.val[i];
          dpmd.bits[k] = spmd.bits[i];
          dpmd.deposit[k] = spmd.deposit[i];
          spmd.val[i] = 0;
          spmd.bits[i] = EntryKind.NONE;
          spmd.deposit[i] = null;
          off += PMD_SIZE;
          continue;
        }
        this.thp.splitHugePmd(old, from);
      }
      const st = pt.pteTable(from);
      const j = pteIndex(from);
      if (st && st.bits[j]) {
        const dt = pt.pteAlloc(to);
        const k = pteIndex(to);
        dt.val[k] = st.val[j];
        dt.bits[k] = st.bits[j];
        st.val[j] = 0;
        st.bits[j] = 0;
      }
      off += PAGE_SIZE;
    }
    this.env.invalidateEnd(mm, range);
    if (dontUnmap) {
      if (old.flags & VM_LOCKED) mm.lockedVm -= old.pages;
      old.flags &= ~VM_LOCKED_MASK;
    } else {
      this.ops.munmapRange(mm, oldAddr, oldAddr + oldLen);
    }
    this.ops.tryMerge(nv);
    return { addr: newAddr, grown: nv.flags & VM_LOCKED && newLen > oldLen ? [newAddr + oldLen, newAddr + newLen] : null };
  }
}
