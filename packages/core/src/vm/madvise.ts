import { KernelError } from '../errors';
import { PAGE_SIZE } from '../mem/constants';
import { PAGE_MAPPING_FLAGS, PAGE_MAPPING_ANON } from '../mem/mapping';
import { PG } from '../mem/page-flags';
import {
  MADV_DONTNEED, MADV_FREE, MADV_HUGEPAGE, MADV_NOHUGEPAGE, PMD_SIZE, VM_HUGEPAGE, VM_HUGETLB, VM_LOCKED, VM_NOHUGEPAGE,
  VM_PFNMAP, VM_SPECIAL, pageAlignUp,
} from './constants';
import { MmuNotifyEvent } from './deps';
import type { VmEnv } from './env';
import type { HugeMemory } from './huge-memory';
import type { MmStruct } from './mm';
import { checkAddr } from './mmap';
import { checkMapped } from './mprotect';
import { pmdIndex, pteIndex } from './page-table';
import { EntryKind, KIND_MASK, PTE_DIRTY, PTE_SPECIAL } from './pte';
import type { VmaOps } from './vma-ops';
import type { VmArea } from './vma';
import type { Zap } from './zap';

/** mm/madvise.c (MADV_HWPOISON / MADV_SOFT_OFFLINE belong to memory-failure, not here). */
export class Madvise {
  constructor(private readonly env: VmEnv, private readonly ops: VmaOps, private readonly zap: Zap, private readonly thp: HugeMemory) {}

  /**
   * mm/madvise.c: do_madvise(): EINVAL for an unaligned start, a negative length or an unknown
   * advice; ENOMEM if part of the range is unmapped (the mapped parts are still advised, as the
   * kernel does). MADV_DONTNEED zaps (EINVAL on VM_LOCKED/VM_PFNMAP), MADV_FREE marks private
   * anonymous pages clean and lazily freeable, MADV_(NO)HUGEPAGE set the VMA flag.
   */
  madvise(mm: MmStruct, addr: number, length: number, advice: number): void {
    checkAddr(addr, 'madvise');
    if (!Number.isSafeInteger(length) || length < 0) throw new KernelError('EINVAL', `madvise: length ${length} must be a non-negative integer`);
    if (advice !== MADV_DONTNEED && advice !== MADV_FREE && advice !== MADV_HUGEPAGE && advice !== MADV_NOHUGEPAGE) {
      throw new KernelError('EINVAL', `madvise: advice ${advice} is not supported (MADV_DONTNEED, MADV_FREE, MADV_HUGEPAGE, MADV_NOHUGEPAGE)`);
    }
    const end = addr + pageAlignUp(length);
    if (end === addr) return;
    const vmas = mm.vmasIn(addr, end);
    if (advice === MADV_DONTNEED || advice === MADV_FREE) {
      for (const v of vmas) {
        if (v.flags & (VM_LOCKED | VM_PFNMAP | VM_HUGETLB)) throw new KernelError('EINVAL', `madvise: the mapping at 0x${v.start.toString(16)} is locked or special`);
        if (advice === MADV_FREE && !v.isAnonymous) throw new KernelError('EINVAL', 'madvise: MADV_FREE works on private anonymous memory only');
      }
    }
    if (advice === MADV_HUGEPAGE || advice === MADV_NOHUGEPAGE) {
      for (const v of this.ops.isolateRange(mm, addr, end)) {
        if (v.flags & VM_SPECIAL) continue;
        v.flags = advice === MADV_HUGEPAGE ? (v.flags | VM_HUGEPAGE) & ~VM_NOHUGEPAGE : (v.flags | VM_NOHUGEPAGE) & ~VM_HUGEPAGE;
        this.ops.tryMerge(v);
      }
    } else {
      for (const v of vmas) {
        const s = Math.max(addr, v.start);
        const e = Math.min(end, v.end);
        const range = this.env.invalidateStart(mm, s, e, MmuNotifyEvent.CLEAR);
        if (advice === MADV_DONTNEED) this.zap.zapRange(v, s, e);
        else this.free(v, s, e);
        this.env.invalidateEnd(mm, range);
      }
    }
    checkMapped(mm, addr, end, 'madvise');
  }

  /**
   * mm/madvise.c: madvise_free_pte_range(): exclusive small anonymous pages get clean PTEs and
   * lose PG_dirty and PG_swapbacked (lazyfree: reclaim may drop them instead of swapping). A THP
   * only partly in the range is split first.
   */
  private free(v: VmArea, start: number, end: number): void {
    const f = this.env.frames;
    for (let a = start; a < end;) {
      const next = Math.min(end, (Math.floor(a / PMD_SIZE) + 1) * PMD_SIZE);
      if (this.thp.isHuge(v.mm, a) && next - a !== PMD_SIZE) this.thp.splitHugePmd(v, a);
      const pmdt = v.mm.pgtables.pmdTable(a);
      const t = pmdt ? pmdt.ptes[pmdIndex(a)] : null;
      for (; t && a < next; a += PAGE_SIZE) {
        const j = pteIndex(a);
        const b = t.bits[j];
        if ((b & KIND_MASK) !== EntryKind.PRESENT || b & PTE_SPECIAL) continue;
        const p = t.val[j];
        if ((f.mapping[p] & PAGE_MAPPING_FLAGS) !== PAGE_MAPPING_ANON || f.mapcount[p] !== 1 || f.flags[p] & (1 << PG.head | 1 << PG.tail)) continue;
        t.bits[j] = b & ~PTE_DIRTY;
        f.flags[p] &= ~(1 << PG.dirty);
        this.env.lru.folioMarkLazyfree(p);
      }
      a = next;
    }
  }
}
