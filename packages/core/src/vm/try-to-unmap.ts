import { PAGE_SIZE } from '../mem/constants';
import { PAGE_MAPPING_ANON } from '../mem/mapping';
import { KernelError } from '../errors';
import { PG, PG_anon_exclusive } from '../mem/page-flags';
import { MM_ANONPAGES, MM_SWAPENTS, VM_LOCKED } from './constants';
import { MmuNotifyEvent } from './deps';
import type { VmEnv } from './env';
import type { Filemap } from './filemap';
import { pmdIndex, pteIndex } from './page-table';
import { EntryKind, KIND_MASK, PTE_DIRTY, PTE_SOFT_DIRTY, PTE_SPECIAL, PTE_UFFD_WP, PTE_YOUNG } from './pte';
import type { Rmap } from './rmap';
import type { SwapSpace } from './swapfile';
import { mmCounter } from './zap';
import type { VmArea } from './vma';

const ANON_EXCL = 1 << PG_anon_exclusive;
/** The `entry` of a lazyfree discard (no swap slot: the PTE becomes none). */
const LAZYFREE_DISCARD = -2;

/** What folio_referenced() found. */
export interface FolioReferences {
  /** Young PTEs (and PMDs) found and cleared. */
  referenced: number;
  /** Some mapping VMA is VM_LOCKED (the folio must be mlocked, not reclaimed). */
  vmLocked: boolean;
}

/**
 * The rmap side of reclaim (mm/rmap.c): folio_referenced() — test and clear the accessed bits of
 * every mapping — and try_to_unmap() — remove every mapping, replacing anonymous PTEs by swap
 * entries (include/linux/swapops.h) and transferring PTE dirty bits to the folio.
 */
export class TryToUnmap {
  constructor(
    private readonly env: VmEnv,
    private readonly rmap: Rmap,
    private readonly filemap: Filemap,
    private readonly swap: SwapSpace,
  ) {}

  /**
   * mm/rmap.c: folio_referenced() → folio_referenced_one(): counts and clears the young bit of
   * each PTE/PMD mapping the folio (ptep_clear_flush_young_notify), and reports a VM_LOCKED VMA.
   */
  folioReferenced(pfn: number): FolioReferences {
    const f = this.env.frames;
    const head = f.compoundHead(pfn);
    const last = head + this.rmap.nrPages(head);
    const out: FolioReferences = { referenced: 0, vmLocked: false };
    if (!this.rmap.folioMapped(head)) return out;
    this.rmap.rmapWalk(head, (mm, vma, addr0) => {
      if (vma.flags & VM_LOCKED) {
        out.vmLocked = true;
        return false;
      }
      const pmdt = mm.pgtables.pmdTable(addr0);
      if (pmdt) {
        const i = pmdIndex(addr0);
        if ((pmdt.bits[i] & KIND_MASK) === EntryKind.PRESENT && pmdt.val[i] === head) {
          if (pmdt.bits[i] & PTE_YOUNG) {
            pmdt.bits[i] &= ~PTE_YOUNG;
            out.referenced++;
          }
          return true;
        }
      }
      const end = Math.min(vma.end, addr0 + (last - head) * PAGE_SIZE);
      for (let a = addr0; a < end; a += PAGE_SIZE) {
        const t = mm.pgtables.pteTable(a);
        if (!t) continue;
        const j = pteIndex(a);
        const bits = t.bits[j];
        const p = t.val[j];
        if ((bits & KIND_MASK) !== EntryKind.PRESENT || bits & PTE_SPECIAL || p < head || p >= last) continue;
        if (bits & PTE_YOUNG) {
          t.bits[j] = bits & ~PTE_YOUNG;
          out.referenced++;
        }
      }
      return true;
    });
    return out;
  }

  /**
   * mm/rmap.c: try_to_unmap() → try_to_unmap_one() for a small folio: each PTE mapping it is
   * cleared (notifier range MMU_NOTIFY_CLEAR), its dirty bit goes to the folio, rmap and the
   * mapping's reference are dropped. For an anonymous folio `entry` is the swap slot it was
   * added to (add_to_swap): each PTE becomes a swap entry holding one more reference to the slot
   * (swap_duplicate), keeping soft-dirty and uffd-wp; MM_ANONPAGES moves to MM_SWAPENTS. A
   * VM_LOCKED VMA stops the walk (the folio stays mapped there). True when no mapping is left.
   */
  tryToUnmap(pfn: number, entry: number): boolean {
    if (entry === LAZYFREE_DISCARD) throw new KernelError('EINVAL', 'tryToUnmap: use tryToUnmapLazyfree for MADV_FREE folios');
    const env = this.env;
    const f = env.frames;
    const head = f.compoundHead(pfn);
    const anon = (f.mapping[head] & PAGE_MAPPING_ANON) !== 0;
    this.rmap.rmapWalk(head, (mm, vma, addr) => this.unmapOne(mm.pgtables, vma, head, addr, anon, entry));
    return !this.rmap.folioMapped(head);
  }

  /**
   * try_to_unmap() of a lazily freed (MADV_FREE) anonymous folio: while it stays clean and only
   * isolation and the mappings reference it, each PTE is simply cleared (the data is discarded,
   * MM_ANONPAGES drops). A dirty PTE or folio (written after MADV_FREE) stops the walk: the
   * folio must be kept, swap-backed again. True when no mapping is left.
   */
  tryToUnmapLazyfree(pfn: number): boolean {
    const f = this.env.frames;
    const head = f.compoundHead(pfn);
    this.rmap.rmapWalk(head, (mm, vma, addr) => this.unmapOne(mm.pgtables, vma, head, addr, true, LAZYFREE_DISCARD));
    return !this.rmap.folioMapped(head) && !(f.flags[head] & (1 << PG.dirty));
  }

  private unmapOne(pt: VmArea['mm']['pgtables'], vma: VmArea, head: number, addr: number, anon: boolean, entry: number): boolean {
    if (vma.flags & VM_LOCKED) return false;
    const t = pt.pteTable(addr);
    if (!t) return true;
    const j = pteIndex(addr);
    const bits = t.bits[j];
    if ((bits & KIND_MASK) !== EntryKind.PRESENT || bits & PTE_SPECIAL || t.val[j] !== head) return true;
    const env = this.env;
    const mm = vma.mm;
    if (entry === LAZYFREE_DISCARD) {
      const f = env.frames;
      // The only folio references must be isolation plus the mappings, and it must be clean.
      if (bits & PTE_DIRTY || f.flags[head] & (1 << PG.dirty) || f.refcount[head] !== 1 + this.rmap.folioMapcount(head)) {
        if (bits & PTE_DIRTY) this.filemap.folioMarkDirty(head);
        return false;
      }
    }
    const range = env.invalidateStart(mm, addr, addr + PAGE_SIZE, MmuNotifyEvent.CLEAR);
    // "Set the dirty flag on the folio now the pte is gone."
    if (bits & PTE_DIRTY) this.filemap.folioMarkDirty(head);
    if (entry === LAZYFREE_DISCARD) {
      t.val[j] = 0;
      t.bits[j] = 0;
      mm.rss[MM_ANONPAGES]--;
    } else if (anon) {
      this.swap.swapDuplicate(entry);
      t.val[j] = entry;
      t.bits[j] = EntryKind.SWAP | (bits & (PTE_SOFT_DIRTY | PTE_UFFD_WP));
      // folio_try_share_anon_rmap_pte(): no longer known exclusive once unmapped.
      env.frames.flags[head] &= ~ANON_EXCL;
      mm.rss[MM_ANONPAGES]--;
      mm.rss[MM_SWAPENTS]++;
    } else {
      t.val[j] = 0;
      t.bits[j] = 0;
      mm.rss[mmCounter(env, head)]--;
    }
    this.rmap.removeRmap(head, vma, false);
    env.putFolio(head);
    env.invalidateEnd(mm, range);
    return true;
  }
}
