import { ContractViolation, KernelError } from '../errors';
import { PG } from '../mem/page-flags';
import * as pageFlagsModule from '../mem/page-flags';
import type { PageLists } from '../mem/page-list';
import type { PhysicalMemory } from '../zone/physical-memory';
import { LruList, folioLruList } from './lru-list';
import * as lruListModule from './lru-list';

// Imported numeric constants as module-level consts, which V8 folds into the code; an imported
// binding is a load from the exporting module at every use (see page-flags.ts).
const { ZONEID_SHIFT } = pageFlagsModule;
const { NR_LRU_BASE, NR_LRU_LISTS, NR_ZONE_LRU_BASE } = lruListModule;

const HEAD = 1 << PG.head;
const TAIL = 1 << PG.tail;
const ACTIVE = 1 << PG.active;
const UNEVICTABLE = 1 << PG.unevictable;

/**
 * include/linux/mmzone.h: struct lruvec — one per node (mmsim has no memcg): the five LRU list
 * heads over the memmap's intrusive links.
 */
export interface Lruvec {
  readonly nid: number;
  /** lists[lru]: PageLists head ids, indexed by LruList. */
  readonly lists: Int32Array;
}

/**
 * The node lruvecs and the list/counter bookkeeping every LRU operation shares
 * (include/linux/mm_inline.h: lruvec_add_folio, lruvec_add_folio_tail, lruvec_del_folio,
 * update_lru_size). Sizes live in the node counters NR_INACTIVE_ANON..NR_UNEVICTABLE and the zone
 * counters NR_ZONE_INACTIVE_ANON..NR_ZONE_UNEVICTABLE, in base pages (folio_nr_pages).
 *
 * As in v6.x, unevictable folios are counted but not linked on LRU_UNEVICTABLE
 * (lruvec_add_folio: `if (lru != LRU_UNEVICTABLE) list_add(...)`; their page->lru holds
 * mlock_count), so that list stays empty.
 */
export class Lruvecs {
  readonly lruvecs: readonly Lruvec[];
  private readonly flags: Uint32Array;
  private readonly order: Uint8Array;
  private readonly lists: PageLists;
  /** folio->mlock_count of unevictable folios; the kernel overlays it on page->lru. Sparse. */
  private readonly mlockCounts = new Map<number, number>();

  constructor(private readonly mem: PhysicalMemory) {
    this.flags = mem.frames.flags;
    this.order = mem.frames.order;
    this.lists = mem.lists;
    this.lruvecs = mem.nodes.map((n) => {
      const lists = new Int32Array(NR_LRU_LISTS);
      for (let lru = 0; lru < NR_LRU_LISTS; lru++) lists[lru] = mem.lists.newHead();
      return { nid: n.nid, lists };
    });
  }

  /** mm/memcontrol.c: folio_lruvec() — the node lruvec of a folio. */
  folioLruvec(head: number): Lruvec {
    return this.lruvecs[this.mem.zones[this.flags[head]! >>> ZONEID_SHIFT]!.nid]!;
  }

  /** include/linux/mm.h: folio_nr_pages() of a head pfn. */
  nrPages(head: number): number {
    return this.flags[head]! & HEAD ? 1 << this.order[head]! : 1;
  }

  /** include/linux/mm.h: folio_pfn(page_folio(pfn)) — the compound head. */
  head(pfn: number): number {
    return this.flags[pfn]! & TAIL ? pfn & ~((1 << this.order[pfn]!) - 1) : pfn;
  }

  /** include/linux/mm_inline.h: lruvec_add_folio() — at the head of its list. */
  addFolio(head: number): void {
    const flags = this.flags[head]!;
    const lru = this.checkedList(head, flags);
    this.updateLruSize(head, flags, lru, this.nrPages(head));
    if (lru !== LruList.LRU_UNEVICTABLE) this.lists.add(head, this.folioLruvec(head).lists[lru]!);
  }

  /** include/linux/mm_inline.h: lruvec_add_folio_tail() */
  addFolioTail(head: number): void {
    const flags = this.flags[head]!;
    const lru = this.checkedList(head, flags);
    this.updateLruSize(head, flags, lru, this.nrPages(head));
    if (lru !== LruList.LRU_UNEVICTABLE) this.lists.addTail(head, this.folioLruvec(head).lists[lru]!);
  }

  /** include/linux/mm_inline.h: lruvec_del_folio() — the list is derived from the flags. */
  delFolio(head: number): void {
    const flags = this.flags[head]!;
    const lru = this.checkedList(head, flags);
    if (lru !== LruList.LRU_UNEVICTABLE) this.lists.del(head);
    this.updateLruSize(head, flags, lru, -this.nrPages(head));
  }

  /** folio->mlock_count (0 when none is recorded). */
  mlockCount(head: number): number {
    return this.mlockCounts.size === 0 ? 0 : this.mlockCounts.get(head) ?? 0;
  }

  /** Sets folio->mlock_count; 0 forgets it. */
  setMlockCount(head: number, n: number): void {
    // lru_add_fn() clears it for every folio added: skip the hash lookup when none is recorded.
    if (n === 0) {
      if (this.mlockCounts.size !== 0) this.mlockCounts.delete(head);
    } else this.mlockCounts.set(head, n);
  }

  /** Pages on list `lru` of node `nid` (lruvec_page_state / node_page_state(NR_LRU_BASE + lru)). */
  size(nid: number, lru: LruList): number {
    this.mem.checkNid(nid);
    if (!Number.isInteger(lru) || lru < 0 || lru >= NR_LRU_LISTS) {
      throw new KernelError('EINVAL', `lru list ${lru} does not exist; use LruList.LRU_INACTIVE_ANON (0) .. LRU_UNEVICTABLE (4)`);
    }
    return this.mem.nodes[nid]!.vmStat[NR_LRU_BASE + lru]!;
  }

  /** include/linux/mm_inline.h: update_lru_size() — node and zone counters, in base pages. */
  private updateLruSize(head: number, flags: number, lru: LruList, nr: number): void {
    const zone = this.mem.zones[flags >>> ZONEID_SHIFT]!;
    zone.vmStat[NR_ZONE_LRU_BASE + lru] += nr;
    this.mem.nodes[zone.nid]!.vmStat[NR_LRU_BASE + lru] += nr;
  }

  /** folio_lru_list() with its VM_BUG_ON_FOLIO(active && unevictable). */
  private checkedList(head: number, flags: number): LruList {
    if ((flags & (ACTIVE | UNEVICTABLE)) === (ACTIVE | UNEVICTABLE)) {
      const f = this.mem.frames;
      throw new ContractViolation('LRU1', 'folio is both PG_active and PG_unevictable: it belongs to no LRU list', {
        pfn: head, flags, refcount: f.refcount[head]!, mapcount: f.mapcount[head]!, mapping: f.mapping[head]!,
      });
    }
    return folioLruList(flags);
  }
}
