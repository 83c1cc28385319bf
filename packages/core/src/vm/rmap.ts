import { ContractViolation } from '../errors';
import * as memConstants from '../mem/constants';
import * as mappingModule from '../mem/mapping';
import { PG } from '../mem/page-flags';
import * as pageFlagsModule from '../mem/page-flags';
import { NodeStat } from '../stat/vmstat-items';
import type { AnonVma } from './anon-vma';
import * as vmConstants from './constants';
import type { VmEnv } from './env';
import type { AddressSpace } from './filemap';
import { ksmTargets, type StableNode } from './ksm';
import type { MmStruct } from './mm';
import type { VmArea } from './vma';

// Imported numeric constants as module-level consts, which V8 folds into the code; an imported
// binding is a load from the exporting module at every use (see page-flags.ts).
const { PAGE_SIZE } = memConstants;
const { PAGE_MAPPING_ANON, PAGE_MAPPING_FLAGS, PAGE_MAPPING_KSM } = mappingModule;
const { PG_anon_exclusive } = pageFlagsModule;
const { VM_LOCKED, VM_SPECIAL } = vmConstants;

const HEAD = 1 << PG.head;
const ANON_EXCL = 1 << PG_anon_exclusive;

/** rmap_walk visitor: return false to stop the walk (rmap_walk_control.rmap_one). */
export type RmapVisit = (mm: MmStruct, vma: VmArea, addr: number) => boolean | void;

/**
 * mm/rmap.c: reverse mapping. Mapcounts live in `frames.mapcount` per page; a PMD-mapped THP
 * keeps its entire mapcount in the first tail page's slot (folio->_entire_mapcount). The kernel
 * keeps that in a separate field of the first tail, so the first tail's own PTE mapcount is
 * stored here in its `frames.private` slot (unused on tail pages) — see {@link pageMapcount}. Node
 * counters NR_ANON_MAPPED / NR_FILE_MAPPED count pages mapped at least once, NR_ANON_THPS
 * counts PMD-mapped anonymous THP pages (v6.6 __folio_add_anon_rmap accounting).
 */
export class Rmap {
  constructor(private readonly env: VmEnv) {}

  /** folio_large(): the folio at head is compound. */
  private large(head: number): boolean {
    return (this.env.frames.flags[head] & HEAD) !== 0;
  }

  /** folio_nr_pages() */
  nrPages(head: number): number {
    return this.large(head) ? 1 << this.env.frames.order[head] : 1;
  }

  /** folio_entire_mapcount() */
  entireMapcount(head: number): number {
    return this.large(head) ? this.env.frames.mapcount[head + 1] : 0;
  }

  /** mm.h: folio_mapcount() — entire mapcount plus the PTE mapcount of every page. */
  folioMapcount(pfn: number): number {
    const f = this.env.frames;
    const head = f.compoundHead(pfn);
    if (!this.large(head)) return f.mapcount[head];
    const n = 1 << f.order[head];
    let sum = f.mapcount[head + 1] + f.mapcount[head] + f.private[head + 1];
    for (let p = head + 2; p < head + n; p++) sum += f.mapcount[p];
    return sum;
  }

  /** mm.h: page_mapcount() without the entire mapcount: PTE mappings of this one page. */
  pageMapcount(pfn: number): number {
    const f = this.env.frames;
    const head = f.compoundHead(pfn);
    return pfn === head + 1 && this.large(head) ? f.private[pfn] : f.mapcount[pfn];
  }

  /** mm.h: folio_mapped() */
  folioMapped(pfn: number): boolean {
    return this.folioMapcount(pfn) > 0;
  }

  /** Number of pages of a large folio mapped by at least one PTE (folio->_nr_pages_mapped). */
  private ptesMapped(head: number): number {
    const f = this.env.frames;
    const end = head + (1 << f.order[head]);
    let n = (f.mapcount[head] > 0 ? 1 : 0) + (f.private[head + 1] > 0 ? 1 : 0);
    for (let p = head + 2; p < end; p++) if (f.mapcount[p] > 0) n++;
    return n;
  }

  /**
   * mm/rmap.c: folio_add_new_anon_rmap(): a freshly allocated folio gets its first mapping:
   * mapping = the VMA's anon_vma, index = linear page index of `addr`, PG_anon_exclusive.
   */
  addNewAnonRmap(head: number, vma: VmArea, addr: number, pmd: boolean): void {
    const f = this.env.frames;
    const av = vma.anonVma;
    if (!av) throw new ContractViolation('VM-RMAP', 'folio_add_new_anon_rmap() on a VMA without anon_vma', undefined);
    f.mapping[head] = av.word;
    f.index[head] = vma.linearIndex(addr);
    f.flags[head] |= (1 << PG.swapbacked) | ANON_EXCL;
    const nr = this.nrPages(head);
    if (pmd) {
      f.mapcount[head + 1] = 1;
      this.env.modNode(head, NodeStat.NR_ANON_THPS, nr);
    } else {
      f.mapcount[head] = 1;
    }
    this.env.modNode(head, NodeStat.NR_ANON_MAPPED, pmd ? nr : 1);
  }

  /** mm/rmap.c: page_add_anon_rmap() (RMAP_EXCLUSIVE sets PG_anon_exclusive on the page). */
  addAnonRmap(pfn: number, vma: VmArea, pmd: boolean, exclusive: boolean): void {
    this.addRmap(pfn, vma, pmd, NodeStat.NR_ANON_MAPPED);
    if (exclusive) this.env.frames.flags[pfn] |= ANON_EXCL;
  }

  /** mm/rmap.c: page_add_file_rmap() / page_dup_file_rmap() */
  addFileRmap(pfn: number, vma: VmArea, pmd: boolean): void {
    this.addRmap(pfn, vma, pmd, NodeStat.NR_FILE_MAPPED);
  }

  /** One more PTE mapping of a page whose folio is already mapped (split_huge_pmd): no mlock. */
  addRmapNoMlock(pfn: number): void {
    const head = this.env.frames.compoundHead(pfn);
    const anon = (this.env.frames.mapping[head] & PAGE_MAPPING_ANON) !== 0;
    this.addRmap(pfn, null, false, anon ? NodeStat.NR_ANON_MAPPED : NodeStat.NR_FILE_MAPPED);
  }

  /** Adds a mapping of the page (or, for pmd, of the whole folio) and applies the mlock rule. */
  private addRmap(pfn: number, vma: VmArea | null, pmd: boolean, item: number): void {
    const f = this.env.frames;
    const head = f.compoundHead(pfn);
    if (pmd) {
      this.addPmdRmap(pfn, head, item);
    } else {
      const large = this.large(head);
      const arr = large && pfn === head + 1 ? f.private : f.mapcount;
      if (++arr[pfn] === 1 && (!large || f.mapcount[head + 1] === 0)) this.env.modNode(head, item, 1);
    }
    if (vma) this.mlockVmaFolio(head, vma, pmd);
  }

  /**
   * The PMD half of addRmap: the folio's entire mapcount. Kept apart so the per-PTE path that
   * every fault and migration runs stays small enough for V8 to inline.
   */
  private addPmdRmap(pfn: number, head: number, item: number): void {
    const f = this.env.frames;
    if (!this.large(head) || pfn !== head) throw new ContractViolation('VM-RMAP', 'PMD rmap of a page that is not a THP head', { pfn, flags: f.flags[pfn] });
    if (++f.mapcount[head + 1] === 1) {
      const nr = 1 << f.order[head];
      this.env.modNode(head, item, nr - this.ptesMapped(head));
      if (item === NodeStat.NR_ANON_MAPPED) this.env.modNode(head, NodeStat.NR_ANON_THPS, nr);
    }
  }

  /** mm/rmap.c: page_remove_rmap(): drop one mapping; the last one updates the node counters. */
  removeRmap(pfn: number, vma: VmArea | null, pmd: boolean): void {
    const f = this.env.frames;
    const head = f.compoundHead(pfn);
    const anon = (f.mapping[head] & PAGE_MAPPING_ANON) !== 0;
    const item = anon ? NodeStat.NR_ANON_MAPPED : NodeStat.NR_FILE_MAPPED;
    if (pmd) {
      this.removePmdRmap(head, item, anon);
    } else {
      const large = this.large(head);
      const arr = large && pfn === head + 1 ? f.private : f.mapcount;
      if (arr[pfn] === 0) this.underflow(pfn);
      if (--arr[pfn] === 0 && (!large || f.mapcount[head + 1] === 0)) this.env.modNode(head, item, -1);
    }
    if (vma) this.munlockVmaFolio(head, vma, pmd);
  }

  /** The PMD half of removeRmap (see addPmdRmap). */
  private removePmdRmap(head: number, item: number, anon: boolean): void {
    const f = this.env.frames;
    if (f.mapcount[head + 1] <= 0) this.underflow(head);
    if (--f.mapcount[head + 1] === 0) {
      const nr = 1 << f.order[head];
      this.env.modNode(head, item, -(nr - this.ptesMapped(head)));
      if (anon) this.env.modNode(head, NodeStat.NR_ANON_THPS, -nr);
    }
  }

  private underflow(pfn: number): never {
    const f = this.env.frames;
    throw new ContractViolation('VM-RMAP', 'page_remove_rmap() on a page with no mapping left (mapcount underflow)', {
      pfn, flags: f.flags[pfn], refcount: f.refcount[pfn], mapcount: f.mapcount[pfn], mapping: f.mapping[pfn],
    });
  }

  /**
   * mm/internal.h: mlock_vma_folio(): in a VM_LOCKED VMA a small folio, or a large folio mapped
   * by a PMD, is mlocked; a PTE-mapped large folio stays on the normal LRU (seed 000).
   */
  mlockVmaFolio(head: number, vma: VmArea, pmd: boolean): void {
    if ((vma.flags & (VM_LOCKED | VM_SPECIAL)) === VM_LOCKED && (pmd || !this.large(head))) this.env.lru.mlockFolio(head);
  }

  /** mm/internal.h: munlock_vma_folio(), the same condition as mlock_vma_folio(). */
  munlockVmaFolio(head: number, vma: VmArea, pmd: boolean): void {
    if ((vma.flags & (VM_LOCKED | VM_SPECIAL)) === VM_LOCKED && (pmd || !this.large(head))) this.env.lru.munlockFolio(head);
  }

  /**
   * The VMAs an anon or file folio may be mapped in (anon_vma chain or i_mmap), without
   * allocating; null for KSM or unmapped folios. Callers check the folio's page range.
   */
  candidateVmas(head: number): readonly VmArea[] | null {
    const mapping = this.env.frames.mapping[head];
    if (mapping === 0 || (mapping & PAGE_MAPPING_FLAGS) === PAGE_MAPPING_KSM) return null;
    const obj = this.env.mem.mappings.resolve<AnonVma | AddressSpace>(mapping);
    if (!obj) return null;
    return (mapping & PAGE_MAPPING_ANON) ? (obj as AnonVma).vmas : (obj as AddressSpace).iMmap;
  }

  /** The KSM stable node of a KSM folio, or null. */
  stableNode(head: number): StableNode | null {
    const mapping = this.env.frames.mapping[head];
    if ((mapping & PAGE_MAPPING_FLAGS) !== PAGE_MAPPING_KSM) return null;
    return this.env.mem.mappings.resolve<StableNode>(mapping) ?? null;
  }

  /**
   * mm/rmap.c: rmap_walk(): visit every VMA that may map the folio containing pfn, with the
   * address of the folio's first page in it (vma_address(), clamped to vm_start for a folio that
   * starts before the VMA): anon (the folio's anon_vma, oldest VMA first), file (i_mmap) and
   * KSM (the stable node's rmap_items). The visitor returns false to stop.
   */
  rmapWalk(pfn: number, visit: RmapVisit): void {
    const f = this.env.frames;
    const head = f.compoundHead(pfn);
    const node = this.stableNode(head);
    if (node) {
      for (const [vma, addr] of ksmTargets(node)) if (visit(vma.mm, vma, addr) === false) return;
      return;
    }
    const vmas = this.candidateVmas(head);
    if (!vmas) return;
    const index = f.index[head];
    const nr = this.nrPages(head);
    for (const vma of [...vmas]) {
      const off = vma.folioOffset(index, nr);
      if (off !== off) continue;
      const addr = Math.max(vma.start, vma.start + off * PAGE_SIZE);
      if (visit(vma.mm, vma, addr) === false) return;
    }
  }
}
