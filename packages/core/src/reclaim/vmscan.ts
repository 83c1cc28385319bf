import { KernelError } from '../errors';
import { PAGE_MAPPING_ANON, PAGE_MAPPING_FLAGS, PAGE_MAPPING_KSM } from '../mem/mapping';
import { PG, PG_swapcache } from '../mem/page-flags';
import { NodeStat, VmEvent } from '../stat/vmstat-items';
import type { VmStat } from '../stat/vmstat';
import type { Lru } from '../lru/lru';
import { LruList } from '../lru/lru-list';
import type { Vm } from '../vm/vm';
import type { PhysicalMemory } from '../zone/physical-memory';
import { SWAP_CLUSTER_MAX, type ScanControl } from './scan-control';

const ACTIVE = 1 << PG.active;
const REFERENCED = 1 << PG.referenced;
const DIRTY = 1 << PG.dirty;
const HEAD = 1 << PG.head;
const LOCKED = 1 << PG.locked;
const WRITEBACK = 1 << PG.writeback;
const MLOCKED = 1 << PG.mlocked;
const UNEVICTABLE = 1 << PG.unevictable;
const SWAPBACKED = 1 << PG.swapbacked;
const WORKINGSET = 1 << PG.workingset;
const SWAPCACHE = 1 << PG_swapcache;

/** mm/vmscan.c: enum folio_references */
const enum FolioRef {
  RECLAIM,
  RECLAIM_CLEAN,
  KEEP,
  ACTIVATE,
}

/** What to do with a folio that shrink_folio_list() did not free. */
const enum Verdict {
  FREED,
  KEEP,
  ACTIVATE,
}

/** What reclaim needs to split a large anonymous folio before swapping it (mm/huge_memory.c). */
export interface ReclaimThpSplit {
  /** folio_trylock() / folio_unlock() */
  trylockPage(pfn: number): boolean;
  unlockPage(pfn: number): void;
  /** split_folio_to_list(): 0, or a negative errno (the folio stays whole). */
  splitHugePageToList(pfn: number, listHead: number | null): number;
}

/** vm.swappiness default. */
export const DEFAULT_SWAPPINESS = 60;

/**
 * Page reclaim over the node LRU lists (mm/vmscan.c, v6.6 without MGLRU and memcg):
 * isolate_lru_folios, shrink_inactive_list, shrink_active_list, shrink_folio_list,
 * shrink_lruvec with a reduced get_scan_count, and shrink_node.
 *
 * Simplifications, each visible in behaviour: writeback and swap I/O complete synchronously (as
 * on a synchronous swap device such as zram), so a written folio is freed in the same pass; there
 * are no flusher threads, so direct reclaim writes dirty file folios too; large folios, KSM
 * folios and shmem folios are kept, never split or swapped; and
 * no swap cache outlives a reclaim pass (see vm/fault.ts doSwapPage).
 */
export class Vmscan {
  /** vm.swappiness (0..200): the anon share of the scan when both anon and file are eligible. */
  swappiness = DEFAULT_SWAPPINESS;
  private readonly flags: Uint32Array;
  private readonly refcount: Int32Array;

  constructor(
    private readonly mem: PhysicalMemory,
    private readonly vmstat: VmStat,
    private readonly lru: Lru,
    private readonly vm: Vm,
    private readonly thpSplit: ReclaimThpSplit | null = null,
  ) {
    this.flags = mem.frames.flags;
    this.refcount = mem.frames.refcount;
  }

  /**
   * mm/vmscan.c: isolate_lru_folios(): take up to nrToScan pages' worth of folios from the tail
   * of one list; folios in zones above sc.reclaimIdx are skipped (pgskip_*). Isolated folios hold
   * an extra reference and count in NR_ISOLATED_*. Returns [pages scanned, folios].
   */
  isolateLruFolios(nrToScan: number, nid: number, lru: LruList, sc: ScanControl): [number, number[]] {
    const lists = this.mem.lists;
    const listHead = this.lru.lruvecs.lruvecs[nid]!.lists[lru]!;
    const taken: number[] = [];
    let scanned = 0;
    let p = lists.last(listHead);
    while (p !== listHead && p >= 0 && scanned < nrToScan) {
      const prev = lists.getPrev(p);
      const zone = this.mem.pageZone(p);
      const nr = this.lru.lruvecs.nrPages(p);
      if (zone.type > sc.reclaimIdx) {
        this.vmstat.count(VmEvent.PGSCAN_SKIP_DMA32 + zone.type, nr);
      } else {
        scanned += nr;
        if (this.lru.isolateLruPage(p) === 0) taken.push(p);
      }
      p = prev;
    }
    return [scanned, taken];
  }

  /**
   * mm/vmscan.c: shrink_inactive_list(): isolate, shrink_folio_list, put the survivors back
   * (activated ones on the active list), and count pgscan/pgsteal for kswapd or direct reclaim.
   */
  shrinkInactiveList(nrToScan: number, nid: number, lru: LruList, sc: ScanControl): number {
    this.lru.lruAddDrain();
    const [scanned, folios] = this.isolateLruFolios(nrToScan, nid, lru, sc);
    sc.nrScanned += scanned;
    const file = lru === LruList.LRU_INACTIVE_FILE;
    const ev = this.vmstat;
    ev.count(sc.kswapd ? VmEvent.PGSCAN_KSWAPD : VmEvent.PGSCAN_DIRECT, scanned);
    ev.count(file ? VmEvent.PGSCAN_FILE : VmEvent.PGSCAN_ANON, scanned);
    if (folios.length === 0) return 0;
    const reclaimed = this.shrinkFolioList(folios, sc);
    this.lru.lruAddDrain();
    ev.count(sc.kswapd ? VmEvent.PGSTEAL_KSWAPD : VmEvent.PGSTEAL_DIRECT, reclaimed);
    ev.count(file ? VmEvent.PGSTEAL_FILE : VmEvent.PGSTEAL_ANON, reclaimed);
    sc.nrReclaimed += reclaimed;
    return reclaimed;
  }

  /**
   * mm/vmscan.c: shrink_active_list(): every isolated folio that is evictable loses PG_active
   * (and gains PG_workingset) and goes to the inactive list; its young PTE bits are cleared on
   * the way (folio_referenced). Unevictable ones are put back as they are. pgrefill counts the
   * scan, pgdeactivate the moves.
   */
  shrinkActiveList(nrToScan: number, nid: number, lru: LruList, sc: ScanControl): void {
    this.lru.lruAddDrain();
    const [scanned, folios] = this.isolateLruFolios(nrToScan, nid, lru, sc);
    this.vmstat.count(VmEvent.PGREFILL, scanned);
    let deactivated = 0;
    for (const head of folios) {
      const flags = this.flags[head]!;
      if (!(flags & (MLOCKED | UNEVICTABLE))) {
        this.vm.unmap.folioReferenced(head);
        this.flags[head] = (this.flags[head]! & ~ACTIVE) | WORKINGSET;
        deactivated += this.lru.lruvecs.nrPages(head);
      }
      this.lru.putbackLruPage(head);
    }
    this.lru.lruAddDrain();
    this.vmstat.count(VmEvent.PGDEACTIVATE, deactivated);
  }

  /**
   * mm/vmscan.c: shrink_folio_list(): decide each isolated folio's fate. Returns pages freed;
   * the folios not freed are put back on the LRU (activated ones with PG_active).
   */
  shrinkFolioList(folios: readonly number[], sc: ScanControl): number {
    let reclaimed = 0;
    let activated = 0;
    const work = folios.slice();
    for (let k = 0; k < work.length; k++) {
      const head = work[k]!;
      if (this.flags[head]! & HEAD && this.splitForSwap(head, sc, work)) {
        k--; // the head is now a small folio: look at it again
        continue;
      }
      const nr = this.lru.lruvecs.nrPages(head);
      const v = this.shrinkOne(head, sc);
      if (v === Verdict.FREED) {
        reclaimed += nr;
        continue;
      }
      if (v === Verdict.ACTIVATE && !(this.flags[head]! & MLOCKED)) {
        this.flags[head]! |= ACTIVE;
        activated += nr;
      }
      this.lru.putbackLruPage(head);
    }
    this.vmstat.count(VmEvent.PGACTIVATE, activated);
    return reclaimed;
  }

  /**
   * shrink_folio_list(): a large anonymous folio that could be swapped is split first
   * (split_folio_to_list onto the folio list; mmsim has no THP swap clusters, so this is the
   * kernel's fallback when add_to_swap cannot allocate one). The tails join the work list,
   * isolated. False when it cannot or need not be split (the folio is then activated).
   */
  private splitForSwap(head: number, sc: ScanControl, work: number[]): boolean {
    const split = this.thpSplit;
    const f = this.mem.frames;
    if (!split || !sc.maySwap || this.vm.swap.nrSwapPages <= 0) return false;
    if ((f.mapping[head]! & PAGE_MAPPING_FLAGS) !== PAGE_MAPPING_ANON || !(this.flags[head]! & SWAPBACKED)) return false;
    if (this.flags[head]! & (MLOCKED | UNEVICTABLE)) return false;
    if (!split.trylockPage(head)) return false;
    const lists = this.mem.lists;
    const list = lists.newHead();
    let ret: number;
    try {
      ret = split.splitHugePageToList(head, list);
    } finally {
      split.unlockPage(head);
    }
    for (let t = lists.first(list); t !== list; t = lists.first(list)) {
      lists.del(t);
      work.push(t);
    }
    lists.releaseHead(list);
    return ret === 0;
  }

  /** One folio of shrink_folio_list(). */
  private shrinkOne(head: number, sc: ScanControl): Verdict {
    const f = this.mem.frames;
    let flags = this.flags[head]!;
    // folio_trylock() failed, or the folio is under writeback: keep it.
    if (flags & (LOCKED | WRITEBACK)) return Verdict.KEEP;
    // !folio_evictable(): mlocked folios are culled to the unevictable list at putback.
    if (flags & (MLOCKED | UNEVICTABLE)) return Verdict.KEEP;
    const mapping = f.mapping[head]!;
    const anon = (mapping & PAGE_MAPPING_ANON) !== 0;
    if ((mapping & PAGE_MAPPING_FLAGS) === PAGE_MAPPING_KSM || flags & HEAD) return Verdict.ACTIVATE;
    if (mapping === 0) return Verdict.KEEP;
    const refs = this.folioCheckReferences(head);
    if (refs === FolioRef.ACTIVATE) return Verdict.ACTIVATE;
    if (refs === FolioRef.KEEP) return Verdict.KEEP;
    flags = this.flags[head]!;
    if (anon && !(flags & SWAPBACKED)) return this.reclaimLazyfree(head, sc);
    if (!anon && flags & SWAPBACKED) return Verdict.ACTIVATE; // shmem: no shmem swap here
    const mapped = this.vm.rmap.folioMapcount(head);
    // A reference beyond isolation, mappings and the page cache means a pin or GUP user:
    // try_to_unmap() would fail (folio_try_share_anon_rmap_pte) or the freeze would.
    if (this.refcount[head]! > 1 + mapped + (anon ? 0 : 1)) return Verdict.ACTIVATE;
    if (anon) return this.reclaimAnon(head, sc, mapped);
    return this.reclaimFile(head, sc, mapped);
  }

  /**
   * mm/vmscan.c: folio_check_references(): referenced PTEs activate anon and (if referenced
   * before, or mapped more than once) file folios; an unmapped file folio referenced once only
   * through PG_referenced is reclaimed clean; a VM_LOCKED mapping activates (and mlocks).
   */
  private folioCheckReferences(head: number): FolioRef {
    const r = this.vm.unmap.folioReferenced(head);
    const flags = this.flags[head]!;
    const referencedFolio = (flags & REFERENCED) !== 0;
    this.flags[head] = flags & ~REFERENCED;
    if (r.vmLocked) return FolioRef.ACTIVATE;
    if (r.referenced > 0) {
      if (flags & SWAPBACKED) return FolioRef.ACTIVATE;
      // All mapped file folios start out with page table references; activate on the second look.
      this.flags[head]! |= REFERENCED;
      if (referencedFolio || r.referenced > 1) return FolioRef.ACTIVATE;
      return FolioRef.KEEP;
    }
    if (referencedFolio && !(flags & SWAPBACKED)) return FolioRef.RECLAIM_CLEAN;
    return FolioRef.RECLAIM;
  }

  /**
   * Anonymous folio: add_to_swap() (a slot, PG_swapcache, the swap cache's reference, dirty),
   * try_to_unmap() (swap PTEs), pageout() → swap_writepage (pswpout), then __remove_mapping()
   * and free. No swap space → activate (as the kernel does when add_to_swap fails).
   */
  private reclaimAnon(head: number, sc: ScanControl, mapped: number): Verdict {
    if (!sc.maySwap) return Verdict.KEEP;
    if (mapped > 0 && !sc.mayUnmap) return Verdict.KEEP;
    const swap = this.vm.swap;
    const entry = swap.getSwapPage();
    if (entry < 0) return Verdict.ACTIVATE;
    // pageout() → swap_writepage() before the PTEs point at the slot: mmsim keeps no swap cache
    // after reclaim, so a failed write (zram ENOMEM past mem_limit or out of pages) must leave the
    // folio mapped. The kernel redirties it (end_swap_bio_write) and it stays; here it is activated.
    try {
      swap.swapWritepage(entry, head);
    } catch (e) {
      if (!(e instanceof KernelError)) throw e;
      swap.swapFree(entry);
      sc.nrWriteErrors++;
      return Verdict.ACTIVATE;
    }
    const f = this.mem.frames;
    // add_to_swap() → add_to_swap_cache(): folio->swap = entry, one reference per page.
    f.flags[head]! |= SWAPCACHE | DIRTY;
    f.private[head] = entry;
    this.refcount[head]!++;
    this.modNode(head, NodeStat.NR_SWAPCACHE, 1);
    const unmapped = mapped === 0 || this.vm.unmap.tryToUnmap(head, entry);
    f.flags[head]! &= ~DIRTY;
    this.vmstat.count(VmEvent.PSWPOUT);
    this.vmstat.count(VmEvent.PGPGOUT, 4);
    sc.nrWritten++;
    // __remove_mapping() → __delete_from_swap_cache() + put_swap_folio().
    f.flags[head]! &= ~SWAPCACHE;
    f.private[head] = 0;
    this.modNode(head, NodeStat.NR_SWAPCACHE, -1);
    swap.swapFree(entry);
    this.refcount[head]!--;
    if (!unmapped || this.refcount[head] !== 1) return Verdict.ACTIVATE;
    this.freeFolio(head);
    return Verdict.FREED;
  }

  /**
   * A lazily freed (MADV_FREE) anonymous folio: still clean → its mappings are dropped and it is
   * freed without any I/O; written again since → it becomes swap-backed again and goes back to
   * the anon LRU (moving its NR_ISOLATED count from file to anon, which the kernel does per list).
   */
  private reclaimLazyfree(head: number, sc: ScanControl): Verdict {
    if (!sc.mayUnmap && this.vm.rmap.folioMapped(head)) return Verdict.KEEP;
    if (this.vm.unmap.tryToUnmapLazyfree(head) && this.refcount[head] === 1) {
      this.freeFolio(head);
      return Verdict.FREED;
    }
    if (this.flags[head]! & DIRTY) {
      const nr = this.lru.lruvecs.nrPages(head);
      this.modNode(head, NodeStat.NR_ISOLATED_FILE, -nr);
      this.modNode(head, NodeStat.NR_ISOLATED_ANON, nr);
      this.flags[head]! |= SWAPBACKED;
      return Verdict.ACTIVATE;
    }
    return Verdict.KEEP;
  }

  /**
   * File folio: try_to_unmap() (the PTE dirty bits reach the folio), pageout() of a dirty
   * folio (writeback to the file, nr_vmscan_write), then __remove_mapping() from the page cache
   * and free. A folio someone else still references is kept.
   */
  private reclaimFile(head: number, sc: ScanControl, mapped: number): Verdict {
    if (mapped > 0) {
      if (!sc.mayUnmap) return Verdict.KEEP;
      if (!this.vm.unmap.tryToUnmap(head, -1)) return Verdict.ACTIVATE;
    }
    if (this.flags[head]! & DIRTY) {
      if (!sc.mayWritepage) return Verdict.KEEP;
      if (this.vm.filemap.writebackFolio(head)) sc.nrWritten++;
    }
    // __remove_mapping(): the page cache's reference and the isolation reference only.
    if (this.refcount[head] !== 2) return Verdict.KEEP;
    this.vm.filemap.removeMapping(head);
    this.refcount[head]!--;
    this.freeFolio(head);
    return Verdict.FREED;
  }

  /** The isolated folio's last reference goes: NR_ISOLATED_* back down, flags cleared, freed. */
  private freeFolio(head: number): void {
    this.lru.unaccountIsolated(head);
    this.flags[head]! &= ~(ACTIVE | REFERENCED | WORKINGSET | DIRTY);
    this.vm.env.putFolio(head);
  }

  private modNode(pfn: number, item: number, n: number): void {
    this.mem.nodes[this.mem.pageZone(pfn).nid]!.vmStat[item] += n;
  }

  /**
   * mm/vmscan.c: shrink_lruvec() with a reduced get_scan_count(): each evictable list is scanned
   * (size >> priority) pages, in SWAP_CLUSTER_MAX batches, until nr_to_reclaim is met. Anon is
   * not scanned without free swap or with may_swap clear; while the inactive file list is large
   * enough for this priority only file folios are scanned (cache_trim_mode); otherwise anon gets
   * swappiness/200 of the scan. Active lists are aged while their inactive list is smaller.
   */
  shrinkLruvec(nid: number, sc: ScanControl): void {
    // The kernel's per-cpu batches hold at most 15 folios, so list sizes are nearly exact when
    // get_scan_count() reads them; mmsim's may hold a whole small workload, so land them first.
    this.lru.lruAddDrainAll();
    const size = (lru: LruList): number => this.lru.lruvecSize(nid, lru);
    const anonOk = sc.maySwap && this.vm.swap.nrSwapPages > 0;
    const nr = [0, 0, 0, 0];
    const scan = (lru: LruList): number => (sc.priority === 0 ? size(lru) : size(lru) >> sc.priority);
    const cacheTrim = scan(LruList.LRU_INACTIVE_FILE) > 0 && sc.priority > 0;
    const noFile = size(LruList.LRU_INACTIVE_FILE) + size(LruList.LRU_ACTIVE_FILE) === 0;
    // SCAN_FILE without swap or in cache trim mode, SCAN_ANON without file pages, else SCAN_FRACT.
    const fract = anonOk && !cacheTrim && !noFile;
    for (const lru of [LruList.LRU_INACTIVE_ANON, LruList.LRU_ACTIVE_ANON, LruList.LRU_INACTIVE_FILE, LruList.LRU_ACTIVE_FILE]) {
      const file = lru >= LruList.LRU_INACTIVE_FILE;
      let n = scan(lru);
      if (!file && (!anonOk || cacheTrim)) n = 0;
      else if (fract) n = Math.ceil((n * 2 * (file ? 200 - this.swappiness : this.swappiness)) / 200);
      nr[lru] = n;
    }
    // Age an active list only while its inactive list is smaller (inactive_is_low, ratio 1). The
    // kernel decides this once per shrink_node (sc->may_deactivate); mmsim re-checks per batch, so
    // an inactive list emptied by activation in this pass is refilled in the same pass.
    const deferred = [0, 0, 0, 0];
    for (const lru of [LruList.LRU_ACTIVE_ANON, LruList.LRU_ACTIVE_FILE]) {
      if (size(lru - 1) >= size(lru)) {
        deferred[lru] = nr[lru]!;
        nr[lru] = 0;
      }
    }
    for (;;) {
      for (const lru of [LruList.LRU_ACTIVE_ANON, LruList.LRU_ACTIVE_FILE]) {
        if (deferred[lru] && size(lru - 1) < size(lru)) {
          nr[lru] = Math.max(deferred[lru]!, scan(lru));
          deferred[lru] = 0;
        }
      }
      if (!(nr[0]! || nr[1]! || nr[2]! || nr[3]!)) break;
      for (let lru = 0; lru < 4; lru++) {
        const n = Math.min(nr[lru]!, SWAP_CLUSTER_MAX);
        if (!n) continue;
        nr[lru]! -= n;
        if (lru & 1) this.shrinkActiveList(n, nid, lru as LruList, sc);
        else this.shrinkInactiveList(n, nid, lru as LruList, sc);
      }
      if (sc.nrReclaimed >= sc.nrToReclaim) break;
    }
    // Even if we did not try to evict anon pages at all, we want to rebalance the anon lru
    // active/inactive ratio (inactive_is_low, ratio 1).
    if (anonOk && size(LruList.LRU_INACTIVE_ANON) < size(LruList.LRU_ACTIVE_ANON)) {
      this.shrinkActiveList(SWAP_CLUSTER_MAX, nid, LruList.LRU_ACTIVE_ANON, sc);
    }
  }

  /** mm/vmscan.c: shrink_node() — one lruvec per node here. */
  shrinkNode(nid: number, sc: ScanControl): void {
    this.shrinkLruvec(nid, sc);
  }

  /** Evictable pages on a node's LRU lists (the reclaimable part of should_reclaim_retry). */
  reclaimablePages(nid: number): number {
    const s = this.lru;
    let n = s.lruvecSize(nid, LruList.LRU_INACTIVE_FILE) + s.lruvecSize(nid, LruList.LRU_ACTIVE_FILE);
    if (this.vm.swap.nrSwapPages > 0) n += s.lruvecSize(nid, LruList.LRU_INACTIVE_ANON) + s.lruvecSize(nid, LruList.LRU_ACTIVE_ANON);
    return n;
  }
}

