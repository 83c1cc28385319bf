import { HPAGE_PMD_NR, HPAGE_PMD_ORDER } from '../mem/constants';
import { PAGE_MAPPING_ANON } from '../mem/mapping';
import { PG_anon_exclusive } from '../mem/page-flags';
import { VmEvent } from '../stat/vmstat-items';
import { GFP_TRANSHUGE, GFP_TRANSHUGE_LIGHT, __GFP_ZERO } from '../zone/gfp';
import type { AnonVmas } from './anon-vma';
import { MM_ANONPAGES, PMD_SIZE, VM_HUGEPAGE, VM_NOHUGEPAGE, VM_SHARED, VM_SPECIAL, pmdAlignDown } from './constants';
import { MmuNotifyEvent } from './deps';
import type { VmEnv } from './env';
import type { MmStruct } from './mm';
import { PmdTable, pmdIndex } from './page-table';
import { EntryKind, KIND_MASK, PTE_DIRTY, PTE_SPECIAL, PTE_WRITE, PTE_YOUNG, isMigrationKind } from './pte';
import type { Rmap } from './rmap';
import { mmCounter } from './zap';
import type { VmArea } from './vma';

const ANON_EXCL = 1 << PG_anon_exclusive;

/** Fault result codes (include/linux/mm_types.h: vm_fault_t). */
export const VM_FAULT_OK = 0;
export const VM_FAULT_OOM = 0x1;
export const VM_FAULT_SIGBUS = 0x2;
export const VM_FAULT_SIGSEGV = 0x40;
export const VM_FAULT_RETRY = 0x400;
export const VM_FAULT_FALLBACK = 0x800;

/** mm/huge_memory.c: anonymous THP at PMD level. */
export class HugeMemory {
  constructor(private readonly env: VmEnv, private readonly rmap: Rmap, private readonly anonVmas: AnonVmas) {}

  /**
   * include/linux/huge_mm.h: thp_vma_allowable_order() for an anonymous fault: THP enabled
   * ('always', or 'madvise' with VM_HUGEPAGE), no VM_NOHUGEPAGE, private anonymous memory, and
   * the aligned 2 MiB around addr inside the VMA.
   */
  allowed(vma: VmArea, addr: number): boolean {
    const mode = this.env.thp;
    if (mode === 'never' || (mode === 'madvise' && !(vma.flags & VM_HUGEPAGE))) return false;
    if (vma.flags & (VM_NOHUGEPAGE | VM_SHARED | VM_SPECIAL) || !vma.isAnonymous) return false;
    const haddr = pmdAlignDown(addr);
    return haddr >= vma.start && haddr + PMD_SIZE <= vma.end;
  }

  /**
   * mm/huge_memory.c: do_huge_pmd_anonymous_page(): a read fault maps the huge zero page; a
   * write fault allocates an order-9 THP (GFP_TRANSHUGE for VM_HUGEPAGE, else _LIGHT;
   * thp_fault_alloc) with a deposited PTE table, or returns VM_FAULT_FALLBACK
   * (thp_fault_fallback) so the fault is retried with base pages.
   */
  doHugePmdAnonymousPage(vma: VmArea, addr: number, write: boolean): number {
    const env = this.env;
    const mm = vma.mm;
    const haddr = pmdAlignDown(addr);
    const pmdt = mm.pgtables.pmdAlloc(haddr);
    const i = pmdIndex(haddr);
    this.anonVmas.prepare(vma);
    if (!write) {
      const zero = env.hugeZeroPage();
      if (zero >= 0) {
        const dep = this.tryDeposit(mm);
        if (dep) {
          pmdt.deposit[i] = dep;
          pmdt.val[i] = zero;
          pmdt.bits[i] = EntryKind.PRESENT | PTE_SPECIAL;
          return VM_FAULT_OK;
        }
      }
      return VM_FAULT_FALLBACK;
    }
    const gfp = (vma.flags & VM_HUGEPAGE ? GFP_TRANSHUGE : GFP_TRANSHUGE_LIGHT) | __GFP_ZERO;
    const head = env.allocVmaPage(vma, haddr, gfp, HPAGE_PMD_ORDER);
    if (head < 0) {
      env.vmstat.count(VmEvent.THP_FAULT_FALLBACK);
      return VM_FAULT_FALLBACK;
    }
    const dep = this.tryDeposit(mm);
    if (!dep) {
      env.alloc.putPage(head);
      env.vmstat.count(VmEvent.THP_FAULT_FALLBACK);
      return VM_FAULT_FALLBACK;
    }
    pmdt.deposit[i] = dep;
    this.rmap.addNewAnonRmap(head, vma, haddr, true);
    env.lru.folioAddLru(head);
    this.rmap.mlockVmaFolio(head, vma, true);
    pmdt.val[i] = head;
    pmdt.bits[i] = EntryKind.PRESENT | PTE_WRITE | PTE_DIRTY | PTE_YOUNG;
    mm.rss[MM_ANONPAGES] += HPAGE_PMD_NR;
    env.vmstat.count(VmEvent.THP_FAULT_ALLOC);
    return VM_FAULT_OK;
  }

  private tryDeposit(mm: MmStruct) {
    try {
      return mm.pgtables.newPteTable();
    } catch {
      return null;
    }
  }

  /**
   * mm/huge_memory.c: do_huge_pmd_wp_page(): reuse an exclusive anonymous THP (make the PMD
   * writable); otherwise (shared THP, huge zero page) split the PMD and fall back to PTEs.
   */
  doHugePmdWpPage(vma: VmArea, addr: number): number {
    const f = this.env.frames;
    const haddr = pmdAlignDown(addr);
    const pmdt = vma.mm.pgtables.pmdTable(haddr)!;
    const i = pmdIndex(haddr);
    const head = pmdt.val[i];
    if (!(pmdt.bits[i] & PTE_SPECIAL) && (f.mapping[head] & PAGE_MAPPING_ANON)) {
      if (!(f.flags[head] & ANON_EXCL) && f.refcount[head] === 1 && this.rmap.folioMapcount(head) === 1) f.flags[head] |= ANON_EXCL;
      if (f.flags[head] & ANON_EXCL) {
        pmdt.bits[i] |= PTE_WRITE | PTE_DIRTY | PTE_YOUNG;
        return VM_FAULT_OK;
      }
    }
    this.splitHugePmd(vma, haddr);
    return VM_FAULT_FALLBACK;
  }

  /**
   * mm/huge_memory.c: __split_huge_pmd() / __split_huge_pmd_locked(): replace the huge PMD at
   * addr by the deposited PTE table mapping the same 512 pages with the same bits (each PTE takes
   * a page mapcount and a folio reference, the entire mapcount goes; PG_anon_exclusive spreads
   * to every page; a PMD migration entry becomes 512 PTE migration entries; the huge zero page
   * becomes 512 zero-page PTEs). Counts thp_split_pmd. Notifier event MMU_NOTIFY_CLEAR.
   */
  splitHugePmd(vma: VmArea, addr: number): void {
    const env = this.env;
    const f = env.frames;
    const mm = vma.mm;
    const haddr = pmdAlignDown(addr);
    const pmdt = mm.pgtables.pmdTable(haddr);
    if (!pmdt) return;
    const i = pmdIndex(haddr);
    const bits = pmdt.bits[i];
    const kind = bits & KIND_MASK;
    if (kind === EntryKind.NONE || kind === EntryKind.TABLE) return;
    const range = env.invalidateStart(mm, haddr, haddr + PMD_SIZE, MmuNotifyEvent.CLEAR);
    env.vmstat.count(VmEvent.THP_SPLIT_PMD);
    const t = pmdt.deposit[i] ?? mm.pgtables.newPteTable();
    pmdt.deposit[i] = null;
    const head = pmdt.val[i];
    if (kind === EntryKind.PRESENT && bits & PTE_SPECIAL) {
      for (let k = 0; k < HPAGE_PMD_NR; k++) {
        t.val[k] = env.zeroPfn;
        t.bits[k] = EntryKind.PRESENT | PTE_SPECIAL | (bits & PTE_YOUNG);
      }
    } else if (isMigrationKind(kind)) {
      for (let k = 0; k < HPAGE_PMD_NR; k++) {
        t.val[k] = head + k;
        t.bits[k] = bits;
      }
    } else {
      const anon = (f.mapping[head] & PAGE_MAPPING_ANON) !== 0;
      const excl = anon && (f.flags[head] & ANON_EXCL) !== 0;
      for (let k = 0; k < HPAGE_PMD_NR; k++) {
        t.val[k] = head + k;
        t.bits[k] = bits;
        if (excl) f.flags[head + k] |= ANON_EXCL;
        this.rmap.addRmapNoMlock(head + k);
      }
      f.refcount[head] += HPAGE_PMD_NR - 1;
      this.rmap.removeRmap(head, vma, true);
    }
    mm.pgtables.installPteTable(pmdt, i, t);
    env.invalidateEnd(mm, range);
  }

  /** mm/huge_memory.c: zap_huge_pmd(): drop a whole huge PMD and its deposited table. */
  zapHugePmd(vma: VmArea, haddr: number): void {
    const env = this.env;
    const mm = vma.mm;
    const pmdt = mm.pgtables.pmdTable(haddr)!;
    const i = pmdIndex(haddr);
    const bits = pmdt.bits[i];
    const head = pmdt.val[i];
    const kind = bits & KIND_MASK;
    pmdt.bits[i] = EntryKind.NONE;
    pmdt.val[i] = 0;
    const dep = pmdt.deposit[i];
    pmdt.deposit[i] = null;
    if (dep) mm.pgtables.freePteTable(dep);
    if (kind === EntryKind.PRESENT && bits & PTE_SPECIAL) return;
    mm.rss[mmCounter(env, head)] -= HPAGE_PMD_NR;
    if (kind === EntryKind.PRESENT) {
      this.rmap.removeRmap(head, vma, true);
      env.putFolio(head);
    }
  }

  /**
   * mm/huge_memory.c: copy_huge_pmd() (fork): the child maps the same THP (entire mapcount and a
   * reference; PG_anon_exclusive cleared — page_try_dup_anon_rmap) write-protected in both; a
   * writable PMD migration entry becomes readable in both. The child gets its own deposit.
   */
  copyHugePmd(dst: VmArea, src: VmArea, haddr: number, dstPmd: PmdTable, srcPmd: PmdTable): void {
    const env = this.env;
    const i = pmdIndex(haddr);
    let bits = srcPmd.bits[i];
    const head = srcPmd.val[i];
    const kind = bits & KIND_MASK;
    dstPmd.deposit[i] = dst.mm.pgtables.newPteTable();
    if (isMigrationKind(kind)) {
      if (kind !== EntryKind.MIGRATION_READ) bits = (bits & ~KIND_MASK) | EntryKind.MIGRATION_READ;
      srcPmd.bits[i] = bits;
      dst.mm.rss[mmCounter(env, head)] += HPAGE_PMD_NR;
    } else if (!(bits & PTE_SPECIAL)) {
      env.frames.flags[head] &= ~ANON_EXCL;
      env.alloc.getPage(head);
      this.rmap.addAnonRmap(head, dst, true, false);
      bits &= ~PTE_WRITE;
      srcPmd.bits[i] = bits;
      dst.mm.rss[MM_ANONPAGES] += HPAGE_PMD_NR;
    }
    dstPmd.val[i] = head;
    dstPmd.bits[i] = bits;
  }

  /** Whether the PMD at addr maps a huge page or holds a PMD migration entry. */
  isHuge(mm: MmStruct, addr: number): boolean {
    const pmdt = mm.pgtables.pmdTable(addr);
    if (!pmdt) return false;
    const kind = pmdt.bits[pmdIndex(addr)] & KIND_MASK;
    return kind !== EntryKind.NONE && kind !== EntryKind.TABLE;
  }

  /** mm/huge_memory.c: vma_adjust_trans_huge(): split a huge PMD straddling a new VMA boundary. */
  adjustTransHuge(vma: VmArea, boundary: number): void {
    if (boundary % PMD_SIZE === 0) return;
    const haddr = pmdAlignDown(boundary);
    if (this.isHuge(vma.mm, haddr)) this.splitHugePmd(vma, haddr);
  }
}
