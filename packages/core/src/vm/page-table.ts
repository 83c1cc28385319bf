import { ContractViolation, KernelError } from '../errors';
import * as memConstants from '../mem/constants';
import { PageType } from '../mem/page-flags';
import { NodeStat } from '../stat/vmstat-items';
import * as gfpModule from '../zone/gfp';
import type { PageAllocator } from '../zone/page-alloc';
import type { PhysicalMemory } from '../zone/physical-memory';
import * as vmConstants from './constants';
import { EntryKind } from './pte';

// Imported numeric constants as module-level consts, which V8 folds into the code; an imported
// binding is a load from the exporting module at every use (see page-flags.ts).
const { PAGE_SIZE } = memConstants;
const { GFP_KERNEL_ACCOUNT, __GFP_ZERO } = gfpModule;
const { PMD_SHIFT, PMD_SIZE, PTRS_PER_PMD, PTRS_PER_PTE, PUD_SIZE } = vmConstants;

/**
 * A PTE table: 512 entries as two Uint32Arrays (`val` = pfn or swap offset, `bits` = kind and
 * flags, see pte.ts), backed by a real page frame (`frame`) of page type `table`
 * (include/linux/mm.h: pagetable_pte_ctor).
 */
export class PteTable {
  readonly val = new Uint32Array(PTRS_PER_PTE);
  readonly bits = new Uint32Array(PTRS_PER_PTE);
  constructor(readonly frame: number) {}
}

/**
 * A PMD table: 512 PMD entries covering 1 GiB. An entry is `none`, `table` (points at a PTE
 * table in `ptes`), a huge `present` entry (THP; `val` = head pfn) or a PMD migration entry.
 * `deposit` holds the PTE table pre-allocated for a huge PMD (pgtable_trans_huge_deposit), so
 * splitting a PMD never needs memory. Backed by a page frame like the kernel's pmd page.
 */
export class PmdTable {
  readonly val = new Uint32Array(PTRS_PER_PMD);
  readonly bits = new Uint32Array(PTRS_PER_PMD);
  readonly ptes: (PteTable | null)[] = new Array<PteTable | null>(PTRS_PER_PMD).fill(null);
  readonly deposit: (PteTable | null)[] = new Array<PteTable | null>(PTRS_PER_PMD).fill(null);
  constructor(readonly frame: number) {}
}

/** Index of the 1 GiB region (the PUD entry) of an address. */
export function pudIndex(addr: number): number {
  return Math.floor(addr / PUD_SIZE);
}
/** pmd_index(): slot of an address in its PMD table. */
export function pmdIndex(addr: number): number {
  return Math.floor(addr / PMD_SIZE) & (PTRS_PER_PMD - 1);
}
/** pte_index(): slot of an address in its PTE table. */
export function pteIndex(addr: number): number {
  return Math.floor(addr / PAGE_SIZE) & (PTRS_PER_PTE - 1);
}

/**
 * The page tables of one mm (PGD/P4D/PUD folded into a sparse map from 1 GiB region to PMD
 * table). Every PMD and PTE table is a page frame allocated with GFP_KERNEL_ACCOUNT|__GFP_ZERO
 * and counted in NR_PAGETABLE of its node, so page tables consume physical memory as in the
 * kernel (mm/memory.c: __pte_alloc, __pmd_alloc; include/linux/mm.h: pagetable_pte_ctor).
 */
export class PageTables {
  private readonly pmdTables = new Map<number, PmdTable>();
  private lastPmd: PmdTable | null = null;
  /** First address of the region lastPmd covers (-Infinity when none is cached). */
  private lastBase = -Infinity;
  /** Page-table frames this mm holds (mm->pgtables_bytes / PAGE_SIZE). */
  nrFrames = 0;

  constructor(private readonly mem: PhysicalMemory, private readonly alloc: PageAllocator) {}

  /** The PMD table covering addr, or null (pmd_offset on a none PUD). */
  pmdTable(addr: number): PmdTable | null {
    // The last table used answers most lookups (walks go address by address): an offset test,
    // no division. Addresses exceed 32 bits, so the PUD index itself needs a float division.
    if (addr - this.lastBase < PUD_SIZE && addr >= this.lastBase) return this.lastPmd;
    const pud = pudIndex(addr);
    const t = this.pmdTables.get(pud) ?? null;
    if (t) this.remember(pud, t);
    return t;
  }

  /** The PTE table mapping addr, or null when the PMD is none, huge or a migration entry. */
  pteTable(addr: number): PteTable | null {
    const off = addr - this.lastBase;
    // Within the last 1 GiB region the offset is a 30-bit integer: pmd_index by a shift.
    if (off < PUD_SIZE && off >= 0) return this.lastPmd!.ptes[off >>> PMD_SHIFT];
    const pmd = this.pmdTable(addr);
    return pmd ? pmd.ptes[pmdIndex(addr)] : null;
  }

  private remember(pud: number, t: PmdTable): void {
    this.lastPmd = t;
    this.lastBase = pud * PUD_SIZE;
  }

  private forget(): void {
    this.lastPmd = null;
    this.lastBase = -Infinity;
  }

  /** mm/memory.c: __pmd_alloc(): the PMD table for addr, allocated on first use. Throws ENOMEM. */
  pmdAlloc(addr: number): PmdTable {
    const existing = this.pmdTable(addr);
    if (existing) return existing;
    const t = new PmdTable(this.allocTableFrame());
    this.pmdTables.set(pudIndex(addr), t);
    this.remember(pudIndex(addr), t);
    return t;
  }

  /**
   * mm/memory.c: __pte_alloc(): the PTE table for addr, allocated when the PMD is none.
   * Throws ENOMEM when no frame is left; throws a ContractViolation if the PMD is huge (the
   * caller must split it first).
   */
  pteAlloc(addr: number): PteTable {
    const pmd = this.pmdAlloc(addr);
    const i = pmdIndex(addr);
    const t = pmd.ptes[i];
    if (t) return t;
    if ((pmd.bits[i] & 0xf) !== EntryKind.NONE) {
      throw new ContractViolation('VM-PMD', `__pte_alloc at 0x${addr.toString(16)} over a huge or migration PMD: split it first`, undefined);
    }
    return this.installPteTable(pmd, i, new PteTable(this.allocTableFrame()));
  }

  /** pmd_populate(): make PMD slot i point at a PTE table. */
  installPteTable(pmd: PmdTable, i: number, t: PteTable): PteTable {
    pmd.ptes[i] = t;
    pmd.val[i] = t.frame;
    pmd.bits[i] = EntryKind.TABLE;
    return t;
  }

  /** pte_alloc_one(): a zeroed table frame (the kernel's deposit for THP uses this too). */
  newPteTable(): PteTable {
    return new PteTable(this.allocTableFrame());
  }

  /** pte_free(): give a PTE table's frame back to the buddy. */
  freePteTable(t: PteTable): void {
    this.freeTableFrame(t.frame);
  }

  /**
   * mm/memory.c: free_pgd_range(): frees the empty PTE tables touching [start, end) that lie
   * wholly inside [floor, ceiling) (no other VMA can use them), and PMD tables left empty.
   */
  freePgtables(start: number, end: number, floor = start, ceiling = end): void {
    for (const [pud, t] of [...this.pmdTables]) {
      const base = pud * PUD_SIZE;
      if (base + PUD_SIZE <= start || base >= end) continue;
      let live = 0;
      for (let i = 0; i < PTRS_PER_PMD; i++) {
        const a = base + i * PMD_SIZE;
        const inside = a + PMD_SIZE > start && a < end && a >= floor && a + PMD_SIZE <= ceiling;
        const pte = t.ptes[i];
        if (pte && inside && tableEmpty(pte)) {
          t.ptes[i] = null;
          t.bits[i] = EntryKind.NONE;
          t.val[i] = 0;
          this.freePteTable(pte);
        }
        if (t.bits[i] !== EntryKind.NONE || t.deposit[i]) live++;
      }
      if (live === 0) {
        this.pmdTables.delete(pud);
        if (this.lastPmd === t) this.forget();
        this.freeTableFrame(t.frame);
      }
    }
  }

  /** Every PMD table with the address of its first byte (for teardown and fork). */
  *tables(): IterableIterator<[number, PmdTable]> {
    for (const [pud, t] of this.pmdTables) yield [pud * PUD_SIZE, t];
  }

  private allocTableFrame(): number {
    const pfn = this.alloc.allocPagesPfn(GFP_KERNEL_ACCOUNT | __GFP_ZERO, 0);
    if (pfn < 0) throw new KernelError('ENOMEM', 'no free page for a page table; free memory or map less');
    this.mem.frames.setPageType(pfn, PageType.table);
    this.mem.nodes[this.mem.pageZone(pfn).nid].vmStat[NodeStat.NR_PAGETABLE] += 1;
    this.nrFrames++;
    return pfn;
  }

  private freeTableFrame(pfn: number): void {
    this.mem.frames.setPageType(pfn, PageType.none);
    this.mem.nodes[this.mem.pageZone(pfn).nid].vmStat[NodeStat.NR_PAGETABLE] -= 1;
    this.nrFrames--;
    this.alloc.freePages(pfn, 0);
  }
}

function tableEmpty(t: PteTable): boolean {
  const b = t.bits;
  for (let i = 0; i < PTRS_PER_PTE; i++) if (b[i] !== 0) return false;
  return true;
}
