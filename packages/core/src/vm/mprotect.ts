import { KernelError } from '../errors';
import { PAGE_SIZE } from '../mem/constants';
import { PG_anon_exclusive } from '../mem/page-flags';
import { PMD_SIZE, VM_ACCESS_FLAGS, VM_MAYEXEC, VM_MAYREAD, VM_MAYWRITE, VM_SHARED, VM_WRITE, pageAlignUp } from './constants';
import { MmuNotifyEvent } from './deps';
import type { VmEnv } from './env';
import type { HugeMemory } from './huge-memory';
import type { MmStruct } from './mm';
import { checkAddr, checkProt, protToVmFlags } from './mmap';
import { pmdIndex, pteIndex } from './page-table';
import { EntryKind, KIND_MASK, PTE_DIRTY, PTE_SPECIAL, PTE_UFFD_WP, PTE_WRITE } from './pte';
import type { VmaOps } from './vma-ops';
import type { VmArea } from './vma';

const ANON_EXCL = 1 << PG_anon_exclusive;

/** Throws ENOMEM unless [start, end) is fully covered by VMAs (as mprotect/mlock/madvise do). */
export function checkMapped(mm: MmStruct, start: number, end: number, call: string): void {
  let a = start;
  for (const v of mm.vmasIn(start, end)) {
    if (v.start > a) break;
    a = v.end;
  }
  if (a < end) throw new KernelError('ENOMEM', `${call}: [0x${start.toString(16)}, 0x${end.toString(16)}) is not fully mapped (hole at 0x${a.toString(16)})`);
}

/** mm/mprotect.c */
export class Mprotect {
  constructor(private readonly env: VmEnv, private readonly ops: VmaOps, private readonly thp: HugeMemory) {}

  /**
   * mm/mprotect.c: do_mprotect_pkey(): EINVAL for an unaligned start or unknown prot bits,
   * ENOMEM for unmapped pages in the range, EACCES for write on a mapping that may not be
   * written (no VM_MAYWRITE). Splits VMAs at the edges, changes vm_flags and the PTEs
   * (change_protection, MMU_NOTIFY_PROTECTION_VMA) and merges again.
   */
  mprotect(mm: MmStruct, addr: number, length: number, prot: number): void {
    checkAddr(addr, 'mprotect');
    checkProt(prot, 'mprotect');
    if (!Number.isSafeInteger(length) || length < 0) throw new KernelError('EINVAL', `mprotect: length ${length} must be a non-negative integer`);
    const end = addr + pageAlignUp(length);
    if (end === addr) return;
    checkMapped(mm, addr, end, 'mprotect');
    const want = protToVmFlags(prot);
    for (const v of mm.vmasIn(addr, end)) {
      const may = (v.flags & VM_MAYWRITE ? VM_WRITE : 0) | (v.flags & VM_MAYREAD ? 1 : 0) | (v.flags & VM_MAYEXEC ? 4 : 0);
      if (want & ~may) throw new KernelError('EACCES', `mprotect: the mapping at 0x${v.start.toString(16)} may not get prot 0x${prot.toString(16)}`);
    }
    for (const v of this.ops.isolateRange(mm, addr, end)) {
      const newFlags = (v.flags & ~VM_ACCESS_FLAGS) | want;
      if (newFlags === v.flags) continue;
      v.flags = newFlags;
      this.changeProtection(v);
      this.ops.tryMerge(v);
    }
  }

  /**
   * mm/mprotect.c: change_protection(): without VM_WRITE every entry becomes read-only; with it,
   * private anonymous exclusive pages and dirty shared pages become writable at once
   * (can_change_pte_writable), the rest take a write fault. Huge PMDs change as a whole.
   */
  changeProtection(v: VmArea): void {
    const env = this.env;
    const f = env.frames;
    const mm = v.mm;
    const range = env.invalidateStart(mm, v.start, v.end, MmuNotifyEvent.PROTECTION_VMA);
    const writable = (v.flags & VM_WRITE) !== 0;
    for (let a = v.start; a < v.end;) {
      const pmdt = mm.pgtables.pmdTable(a);
      const next = Math.min(v.end, (Math.floor(a / PMD_SIZE) + 1) * PMD_SIZE);
      if (!pmdt) { a = next; continue; }
      const i = pmdIndex(a);
      if ((pmdt.bits[i] & KIND_MASK) === EntryKind.PRESENT) {
        pmdt.bits[i] = this.newBits(v, pmdt.bits[i], pmdt.val[i], writable, f.flags[pmdt.val[i]] & ANON_EXCL);
        a = next;
        continue;
      }
      const t = pmdt.ptes[i];
      if (t) {
        for (; a < next; a += PAGE_SIZE) {
          const j = pteIndex(a);
          if ((t.bits[j] & KIND_MASK) === EntryKind.PRESENT) t.bits[j] = this.newBits(v, t.bits[j], t.val[j], writable, f.flags[t.val[j]] & ANON_EXCL);
        }
      }
      a = next;
    }
    env.invalidateEnd(mm, range);
  }

  private newBits(v: VmArea, bits: number, pfn: number, writable: boolean, excl: number): number {
    if (!writable || bits & (PTE_SPECIAL | PTE_UFFD_WP)) return bits & ~PTE_WRITE;
    const ok = v.flags & VM_SHARED ? (bits & PTE_DIRTY) !== 0 : excl !== 0 && !this.env.isZeroPfn(pfn);
    return ok ? bits | PTE_WRITE : bits;
  }
}
