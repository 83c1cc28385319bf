import { KernelError } from '../errors';
import { PAGE_SIZE } from '../mem/constants';
import { PAGE_MAPPING_ANON, PAGE_MAPPING_FLAGS, PAGE_MAPPING_KSM } from '../mem/mapping';
import { PG, PG_anon_exclusive } from '../mem/page-flags';
import { VmEvent } from '../stat/vmstat-items';
import { GFP_HIGHUSER_MOVABLE, __GFP_ZERO } from '../zone/gfp';
import type { AnonVmas } from './anon-vma';
import { MM_ANONPAGES, MM_SWAPENTS, VM_EXEC, VM_HUGETLB, VM_READ, VM_WRITE } from './constants';
import { MmuNotifyEvent } from './deps';
import type { VmEnv } from './env';
import type { Filemap } from './filemap';
import {
  VM_FAULT_FALLBACK, VM_FAULT_OK, VM_FAULT_OOM, VM_FAULT_RETRY, VM_FAULT_SIGBUS, VM_FAULT_SIGSEGV, type HugeMemory,
} from './huge-memory';
import type { Ksm } from './ksm';
import { pmdIndex, pteIndex, type PteTable } from './page-table';
import { EntryKind, KIND_MASK, PTE_DIRTY, PTE_SOFT_DIRTY, PTE_SPECIAL, PTE_UFFD_WP, PTE_WRITE, PTE_YOUNG, isMigrationKind } from './pte';
import type { Rmap } from './rmap';
import type { SwapSpace } from './swapfile';
import { mmCounter } from './zap';
import type { VmArea } from './vma';

const ANON_EXCL = 1 << PG_anon_exclusive;
const LARGE = 1 << PG.head;

/** mm/memory.c: the page-fault handler. */
export class Fault {
  /** The pfn whose folio a VM_FAULT_RETRY result waits on (migration_entry_wait). */
  waitPfn = -1;
  /** hugetlb_fault() for VM_HUGETLB VMAs (hugetlb/hugetlb-fault.ts), wired by the kernel. */
  hugetlb: { hugetlbFault(vma: VmArea, addr: number, write: boolean, waiter: { waitPfn: number }): number } | null = null;

  constructor(
    private readonly env: VmEnv,
    private readonly rmap: Rmap,
    private readonly anonVmas: AnonVmas,
    private readonly thp: HugeMemory,
    private readonly filemap: Filemap,
    private readonly ksm: Ksm,
    private readonly swap: SwapSpace,
  ) {}

  /**
   * mm/memory.c: handle_mm_fault() → __handle_mm_fault() → handle_pte_fault(). Returns a
   * VM_FAULT_* code; VM_FAULT_RETRY means a migration entry was found and the caller must wait
   * for the folio at {@link waitPfn} to be unlocked (migration_entry_wait) and retry.
   */
  handleMmFault(vma: VmArea, addr: number, write: boolean): number {
    const env = this.env;
    env.vmstat.count(VmEvent.PGFAULT);
    if (write ? !(vma.flags & VM_WRITE) : !(vma.flags & (VM_READ | VM_WRITE | VM_EXEC))) return VM_FAULT_SIGSEGV;
    if (vma.flags & VM_HUGETLB && this.hugetlb) return this.hugetlb.hugetlbFault(vma, addr, write, this);
    const mm = vma.mm;
    const pmdt = mm.pgtables.pmdAlloc(addr);
    const i = pmdIndex(addr);
    const pbits = pmdt.bits[i];
    const pk = pbits & KIND_MASK;
    if (pk === EntryKind.NONE && this.thp.allowed(vma, addr)) {
      const r = this.thp.doHugePmdAnonymousPage(vma, addr, write);
      if (r !== VM_FAULT_FALLBACK) return r;
    } else if (pk === EntryKind.PRESENT) {
      if (!write || pbits & PTE_WRITE) {
        pmdt.bits[i] |= PTE_YOUNG | (write ? PTE_DIRTY : 0);
        return VM_FAULT_OK;
      }
      const r = this.thp.doHugePmdWpPage(vma, addr);
      if (r !== VM_FAULT_FALLBACK) return r;
    } else if (isMigrationKind(pk)) {
      this.waitPfn = pmdt.val[i];
      return VM_FAULT_RETRY;
    }
    const t = mm.pgtables.pteAlloc(addr);
    const j = pteIndex(addr);
    const bits = t.bits[j];
    const kind = bits & KIND_MASK;
    if (kind === EntryKind.NONE) return vma.file ? this.doFault(vma, addr, write, t, j) : this.doAnonymousPage(vma, addr, write, t, j);
    if (kind === EntryKind.PRESENT) {
      if (write && !(bits & PTE_WRITE)) return this.doWpPage(vma, addr, t, j);
      t.bits[j] = bits | PTE_YOUNG | (write ? PTE_DIRTY : 0);
      return VM_FAULT_OK;
    }
    if (isMigrationKind(kind)) {
      this.waitPfn = t.val[j];
      return VM_FAULT_RETRY;
    }
    if (kind === EntryKind.SWAP) return this.doSwapPage(vma, addr, write, t, j);
    if (kind === EntryKind.HWPOISON) {
      // do_swap_page(): is_hwpoison_entry() → VM_FAULT_HWPOISON, which the arch turns into SIGBUS.
      throw new KernelError('EHWPOISON', `SIGBUS: hardware memory error at 0x${addr.toString(16)}: pfn ${t.val[j]} was poisoned (memory_failure) and unmapped; the data is lost`);
    }
    return VM_FAULT_SIGBUS;
  }

  /**
   * mm/memory.c: do_anonymous_page(): a read maps the zero page read-only (special); a write
   * allocates a zeroed GFP_HIGHUSER_MOVABLE page, adds anon rmap, puts it on the LRU (mlocked in
   * a VM_LOCKED VMA: folio_add_lru_vma) and maps it writable and dirty.
   */
  private doAnonymousPage(vma: VmArea, addr: number, write: boolean, t: PteTable, j: number): number {
    const env = this.env;
    if (!write) {
      t.val[j] = env.zeroPfn;
      t.bits[j] = EntryKind.PRESENT | PTE_SPECIAL | PTE_YOUNG;
      return VM_FAULT_OK;
    }
    this.anonVmas.prepare(vma);
    const pfn = env.allocVmaPage(vma, addr, GFP_HIGHUSER_MOVABLE | __GFP_ZERO, 0);
    if (pfn < 0) return VM_FAULT_OOM;
    this.rmap.addNewAnonRmap(pfn, vma, addr, false);
    this.addLruVma(pfn, vma);
    t.val[j] = pfn;
    t.bits[j] = EntryKind.PRESENT | PTE_WRITE | PTE_DIRTY | PTE_YOUNG;
    vma.mm.rss[MM_ANONPAGES]++;
    return VM_FAULT_OK;
  }

  /**
   * mm/memory.c: do_swap_page(): a new page is read from the swap slot (swap_read_folio,
   * pswpin, a major fault), mapped exclusively into the VMA's anon_vma at its linear index and
   * put on the LRU; the PTE's reference to the slot is dropped (swap_free), which frees the slot
   * when it was the last. A write fault maps it writable and dirty; a read fault read-only (a
   * later write reuses it: it is PG_anon_exclusive). Soft-dirty and uffd-wp carry over.
   *
   * mmsim keeps no swap cache between faults: each PTE that shared a slot (after fork) reads its
   * own copy, so data is the same but a shared page comes back as one page per mapper.
   */
  private doSwapPage(vma: VmArea, addr: number, write: boolean, t: PteTable, j: number): number {
    const env = this.env;
    const entry = t.val[j];
    const bits = t.bits[j];
    this.anonVmas.prepare(vma);
    const pfn = env.allocVmaPage(vma, addr, GFP_HIGHUSER_MOVABLE, 0);
    if (pfn < 0) return VM_FAULT_OOM;
    this.swap.swapReadpage(entry, pfn);
    env.vmstat.count(VmEvent.PSWPIN);
    env.vmstat.count(VmEvent.PGMAJFAULT);
    this.rmap.addNewAnonRmap(pfn, vma, addr, false);
    this.addLruVma(pfn, vma);
    this.swap.swapFree(entry);
    let nb = EntryKind.PRESENT | PTE_YOUNG | (bits & (PTE_SOFT_DIRTY | PTE_UFFD_WP));
    if (write) nb |= PTE_WRITE | PTE_DIRTY;
    t.val[j] = pfn;
    t.bits[j] = nb;
    vma.mm.rss[MM_ANONPAGES]++;
    vma.mm.rss[MM_SWAPENTS]--;
    return VM_FAULT_OK;
  }

  /** mm/swap.c: folio_add_lru_vma(): LRU, or mlocked in a VM_LOCKED VMA. */
  addLruVma(pfn: number, vma: VmArea): void {
    this.env.lru.folioAddLru(pfn);
    this.rmap.mlockVmaFolio(pfn, vma, false);
  }

  /**
   * mm/memory.c: do_fault(): do_read_fault / do_shared_fault map the page-cache folio (shared
   * write faults map it writable and dirty it); do_cow_fault copies it into a new anonymous page
   * for a write to a private mapping. Beyond EOF → SIGBUS.
   */
  private doFault(vma: VmArea, addr: number, write: boolean, t: PteTable, j: number): number {
    const env = this.env;
    const as = vma.file!;
    const index = vma.linearIndex(addr);
    if (index >= as.sizePages) return VM_FAULT_SIGBUS;
    const pfn = this.filemap.getFolio(as, index);
    if (pfn < 0) return VM_FAULT_OOM;
    if (write && !vma.isShared) {
      this.anonVmas.prepare(vma);
      const np = env.allocVmaPage(vma, addr, GFP_HIGHUSER_MOVABLE, 0);
      if (np < 0) return VM_FAULT_OOM;
      env.mem.content.copy(np, pfn);
      this.rmap.addNewAnonRmap(np, vma, addr, false);
      this.addLruVma(np, vma);
      t.val[j] = np;
      t.bits[j] = EntryKind.PRESENT | PTE_WRITE | PTE_DIRTY | PTE_YOUNG;
      vma.mm.rss[MM_ANONPAGES]++;
      return VM_FAULT_OK;
    }
    env.alloc.getPage(pfn);
    this.rmap.addFileRmap(pfn, vma, false);
    let bits = EntryKind.PRESENT | PTE_YOUNG;
    if (write) {
      bits |= PTE_WRITE | PTE_DIRTY;
      this.filemap.folioMarkDirty(pfn);
    }
    t.val[j] = pfn;
    t.bits[j] = bits;
    vma.mm.rss[mmCounter(env, pfn)]++;
    return VM_FAULT_OK;
  }

  /**
   * mm/memory.c: do_wp_page(): a write to a present read-only PTE. Shared mappings are made
   * writable (wp_page_shared); an exclusive anonymous page — PG_anon_exclusive, or a small,
   * unlocked, non-KSM folio with no other reference (wp_can_reuse_anon_folio) — is reused;
   * anything else (zero page, KSM page, shared or large folio, private file page) is copied.
   */
  private doWpPage(vma: VmArea, addr: number, t: PteTable, j: number): number {
    const f = this.env.frames;
    const bits = t.bits[j];
    if (bits & PTE_SPECIAL) return this.wpPageCopy(vma, addr, t, j, -1);
    const p = t.val[j];
    const head = f.compoundHead(p);
    if (vma.isShared) {
      t.bits[j] = bits | PTE_WRITE | PTE_DIRTY | PTE_YOUNG;
      this.filemap.folioMarkDirty(head);
      return VM_FAULT_OK;
    }
    const mapping = f.mapping[head];
    if ((mapping & PAGE_MAPPING_FLAGS) === PAGE_MAPPING_ANON) {
      if (!(f.flags[p] & ANON_EXCL) && !(f.flags[head] & (LARGE | (1 << PG.locked))) && f.refcount[head] === 1) f.flags[p] |= ANON_EXCL;
      if (f.flags[p] & ANON_EXCL) {
        t.bits[j] = bits | PTE_WRITE | PTE_DIRTY | PTE_YOUNG;
        return VM_FAULT_OK;
      }
    }
    return this.wpPageCopy(vma, addr, t, j, p);
  }

  /** mm/memory.c: wp_page_copy(): a new private anonymous copy replaces the old mapping. */
  private wpPageCopy(vma: VmArea, addr: number, t: PteTable, j: number, old: number): number {
    const env = this.env;
    const mm = vma.mm;
    this.anonVmas.prepare(vma);
    const np = env.allocVmaPage(vma, addr, GFP_HIGHUSER_MOVABLE | (old < 0 ? __GFP_ZERO : 0), 0);
    if (np < 0) return VM_FAULT_OOM;
    if (old >= 0) env.mem.content.copy(np, old);
    const range = env.invalidateStart(mm, addr, addr + PAGE_SIZE, MmuNotifyEvent.CLEAR);
    this.rmap.addNewAnonRmap(np, vma, addr, false);
    this.addLruVma(np, vma);
    const oldBits = t.bits[j];
    t.val[j] = np;
    t.bits[j] = EntryKind.PRESENT | PTE_WRITE | PTE_DIRTY | PTE_YOUNG | (oldBits & PTE_SOFT_DIRTY);
    mm.rss[MM_ANONPAGES]++;
    if (old >= 0) {
      const oh = env.frames.compoundHead(old);
      mm.rss[mmCounter(env, oh)]--;
      const ksm = (env.frames.mapping[oh] & PAGE_MAPPING_FLAGS) === PAGE_MAPPING_KSM;
      this.rmap.removeRmap(old, vma, false);
      if (ksm) this.ksm.unmapped(oh);
      env.putFolio(oh);
    }
    env.invalidateEnd(mm, range);
    return VM_FAULT_OK;
  }
}
