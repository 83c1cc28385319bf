import { KernelError } from '../errors';
import { HPAGE_PMD_NR } from '../mem/constants';
import { PAGE_MAPPING_ANON } from '../mem/mapping';
import { PG_anon_exclusive } from '../mem/page-flags';
import type { AnonVmas } from '../vm/anon-vma';
import { PMD_SIZE, VM_SHARED, VM_WRITE, pmdAlignDown } from '../vm/constants';
import type { VmEnv } from '../vm/env';
import type { AddressSpace } from '../vm/filemap';
import { VM_FAULT_OK, VM_FAULT_RETRY } from '../vm/huge-memory';
import { pmdIndex, type PmdTable } from '../vm/page-table';
import { EntryKind, KIND_MASK, PTE_DIRTY, PTE_WRITE, PTE_YOUNG, isMigrationKind } from '../vm/pte';
import type { VmArea } from '../vm/vma';
import type { Hugetlb } from './hugetlb';
import type { HugetlbPageCache } from './hugetlb-page-cache';

const ANON_EXCL = 1 << PG_anon_exclusive;

/** Where a fault that hits a migration entry must wait (Fault.waitPfn). */
export interface FaultWaiter {
  waitPfn: number;
}

/**
 * mm/hugetlb.c: hugetlb_fault() → hugetlb_no_page() / hugetlb_wp() for 2 MiB MAP_HUGETLB
 * mappings. Huge pages come from the pool, never from the buddy; they are mapped at PMD level
 * and are not on the LRU. hugetlb pages are not counted in rss or NR_ANON_MAPPED (the kernel
 * counts them in mm->hugetlb_usage and HugePages_*).
 */
export class HugetlbFault {
  constructor(
    private readonly env: VmEnv,
    private readonly pool: Hugetlb,
    private readonly anonVmas: AnonVmas,
    private readonly cache: HugetlbPageCache,
  ) {}

  /** hugetlb_fault(): returns a VM_FAULT_* code; throws ENOMEM (SIGBUS) when the pool is empty. */
  hugetlbFault(vma: VmArea, addr: number, write: boolean, waiter: FaultWaiter): number {
    const haddr = pmdAlignDown(addr);
    const pmdt = vma.mm.pgtables.pmdAlloc(haddr);
    const i = pmdIndex(haddr);
    const bits = pmdt.bits[i];
    const kind = bits & KIND_MASK;
    if (kind === EntryKind.NONE) return this.hugetlbNoPage(vma, haddr, write, pmdt, i);
    if (isMigrationKind(kind)) {
      waiter.waitPfn = pmdt.val[i];
      return VM_FAULT_RETRY;
    }
    if (kind === EntryKind.HWPOISON) {
      throw new KernelError('EHWPOISON', `SIGBUS: hardware memory error in the huge page at 0x${haddr.toString(16)}; the data is lost`);
    }
    if (write && !(bits & PTE_WRITE)) return this.hugetlbWp(vma, haddr, pmdt, i);
    pmdt.bits[i] = bits | PTE_YOUNG | (write ? PTE_DIRTY : 0);
    return VM_FAULT_OK;
  }

  /** The node (and nodemask) the VMA's memory policy wants, else the current CPU's node. */
  private placement(vma: VmArea, haddr: number): { nid: number; nodemask?: readonly number[] } {
    return this.env.policy?.placement(vma, haddr) ?? { nid: this.env.mem.cpuNode(this.env.current.cpu) };
  }

  /** alloc_hugetlb_folio(): a zeroed pool folio, or KernelError ENOMEM (the fault's SIGBUS). */
  private allocHugetlbFolio(vma: VmArea, haddr: number): number {
    const where = this.placement(vma, haddr);
    const head = this.pool.dequeueHugetlbFolio(where.nid, where.nodemask);
    if (head < 0) {
      throw new KernelError('ENOMEM', `SIGBUS: no free huge page for the MAP_HUGETLB fault at 0x${haddr.toString(16)} (HugePages_Free is 0); raise vm.nr_hugepages with setNrHugepages()`);
    }
    const content = this.env.mem.content;
    for (let p = head; p < head + HPAGE_PMD_NR; p++) content.zero(p);
    return head;
  }

  /**
   * hugetlb_no_page(): shared mappings look the page up in the hugetlbfs page cache (adding a
   * new zeroed one), private ones get a new anonymous folio (hugetlb_add_new_anon_rmap). Shared
   * PMDs are writable when the VMA is; private ones only after a write fault.
   */
  private hugetlbNoPage(vma: VmArea, haddr: number, write: boolean, pmdt: PmdTable, i: number): number {
    const f = this.env.frames;
    let head: number;
    let bits = EntryKind.PRESENT | PTE_YOUNG;
    if (vma.flags & VM_SHARED) {
      const as = vma.file!;
      const index = vma.linearIndex(haddr);
      head = this.cache.find(as, index);
      if (head < 0) {
        head = this.allocHugetlbFolio(vma, haddr);
        this.cache.add(as, index, head);
      }
      f.refcount[head]!++;
      if (vma.flags & VM_WRITE) bits |= PTE_WRITE;
    } else {
      this.anonVmas.prepare(vma);
      head = this.allocHugetlbFolio(vma, haddr);
      f.mapping[head] = vma.anonVma!.word;
      f.index[head] = vma.linearIndex(haddr);
      f.flags[head] = f.flags[head]! | ANON_EXCL;
      if (write) bits |= PTE_WRITE;
    }
    if (write) bits |= PTE_DIRTY;
    f.mapcount[head + 1]!++;
    pmdt.val[i] = head;
    pmdt.bits[i] = bits;
    return VM_FAULT_OK;
  }

  /**
   * hugetlb_wp(): a write to a read-only huge PMD. Shared: make it writable. Private: reuse an
   * exclusive anonymous folio (PG_anon_exclusive or the only mapping), else copy the 512 pages
   * into a new pool folio (copy_user_large_folio) and drop the old mapping.
   */
  private hugetlbWp(vma: VmArea, haddr: number, pmdt: PmdTable, i: number): number {
    const f = this.env.frames;
    const old = pmdt.val[i];
    if (vma.flags & VM_SHARED) {
      pmdt.bits[i] |= PTE_WRITE | PTE_DIRTY | PTE_YOUNG;
      return VM_FAULT_OK;
    }
    const anon = (f.mapping[old]! & PAGE_MAPPING_ANON) !== 0;
    if (anon && (f.flags[old]! & ANON_EXCL || f.mapcount[old + 1] === 1)) {
      f.flags[old] = f.flags[old]! | ANON_EXCL;
      pmdt.bits[i] |= PTE_WRITE | PTE_DIRTY | PTE_YOUNG;
      return VM_FAULT_OK;
    }
    this.anonVmas.prepare(vma);
    const head = this.allocHugetlbFolio(vma, haddr);
    const content = this.env.mem.content;
    for (let k = 0; k < HPAGE_PMD_NR; k++) content.copy(head + k, old + k);
    f.mapping[head] = vma.anonVma!.word;
    f.index[head] = vma.linearIndex(haddr);
    f.flags[head] = f.flags[head]! | ANON_EXCL;
    f.mapcount[head + 1] = 1;
    pmdt.val[i] = head;
    pmdt.bits[i] = EntryKind.PRESENT | PTE_WRITE | PTE_DIRTY | PTE_YOUNG;
    f.mapcount[old + 1]!--;
    this.pool.putFolio(old);
    return VM_FAULT_OK;
  }

  /**
   * __unmap_hugepage_range(): clear every huge PMD in [start, end) (2 MiB aligned): present
   * entries drop their mapping and reference (the last one returns the folio to the pool),
   * migration and hwpoison entries are just cleared. When the last VMA of a shared mapping
   * goes, the hugetlbfs file's pages leave its page cache (remove_inode_hugepages).
   */
  unmapHugepageRange(vma: VmArea, start: number, end: number): void {
    const f = this.env.frames;
    const mm = vma.mm;
    for (let a = pmdAlignDown(start); a < end; a += PMD_SIZE) {
      const pmdt = mm.pgtables.pmdTable(a);
      if (!pmdt) continue;
      const i = pmdIndex(a);
      const kind = pmdt.bits[i] & KIND_MASK;
      const head = pmdt.val[i];
      pmdt.bits[i] = EntryKind.NONE;
      pmdt.val[i] = 0;
      const dep = pmdt.deposit[i];
      pmdt.deposit[i] = null;
      if (dep) mm.pgtables.freePteTable(dep);
      if (kind !== EntryKind.PRESENT) continue;
      f.mapcount[head + 1]!--;
      this.pool.putFolio(head);
    }
    const as: AddressSpace | null = vma.file;
    if (as && vma.flags & VM_SHARED && as.users === 1 && start <= vma.start && end >= vma.end) this.cache.removeInodeHugepages(as);
  }
}
