import { ContractViolation, Errno, KernelError } from '../errors';
import type { ExecutionContext } from '../kernel/current';
import * as mappingModule from '../mem/mapping';
import { PG } from '../mem/page-flags';
import * as pageFlagsModule from '../mem/page-flags';
import type { VmStat } from '../stat/vmstat';
import { NodeStat } from '../stat/vmstat-items';
import type { PageAllocator } from '../zone/page-alloc';
import type { PhysicalMemory } from '../zone/physical-memory';
import { BatchMover, MoveFn } from './batch-move';
import { CpuFbatches, type FolioBatch } from './folio-batch';
import { FolioRelease } from './folio-release';
import { type LruList, folioIsFileLru } from './lru-list';
import { Lruvecs } from './lruvec';
import { Mlock } from './mlock';

// Imported numeric constants as module-level consts, which V8 folds into the code; an imported
// binding is a load from the exporting module at every use (see page-flags.ts).
const { PAGE_MAPPING_ANON, PAGE_MAPPING_FLAGS, PAGE_MAPPING_MOVABLE } = mappingModule;
const { PG_swapcache, ZONEID_SHIFT } = pageFlagsModule;

const LRU = 1 << PG.lru;
const ACTIVE = 1 << PG.active;
const UNEVICTABLE = 1 << PG.unevictable;
const REFERENCED = 1 << PG.referenced;
const HEAD = 1 << PG.head;
const SWAPBACKED = 1 << PG.swapbacked;
const SWAPCACHE = 1 << PG_swapcache;

/**
 * The page LRU (mm/swap.c, mm/vmscan.c isolation, mm/mlock.c), v6.6–v6.10 without MGLRU and
 * memcg: one lruvec per node, per-cpu folio batches of PAGEVEC_SIZE drained when full (and at
 * once for large folios or while lru_cache_disable() is in force), isolation and putback with
 * the NR_ISOLATED_ANON/FILE accounting of the migration callers.
 *
 * References: a folio in a per-cpu batch holds one extra reference until the batch drains, and
 * it is not PG_lru until then (so isolation fails until lru_add_drain(), as in the kernel).
 * When the last reference is dropped here (batch drain, putback), the folio leaves the LRU first.
 */
export class Lru {
  readonly lruvecs: Lruvecs;
  readonly release: FolioRelease;
  readonly mlock: Mlock;
  private readonly mover: BatchMover;
  private readonly fbatches: CpuFbatches[];
  private readonly flags: Uint32Array;
  private readonly refcount: Int32Array;
  private lruDisableCount = 0;

  constructor(
    private readonly mem: PhysicalMemory,
    private readonly ctx: ExecutionContext,
    alloc: PageAllocator,
    vmstat: VmStat,
  ) {
    this.flags = mem.frames.flags;
    this.refcount = mem.frames.refcount;
    this.lruvecs = new Lruvecs(mem);
    this.release = new FolioRelease(mem, this.lruvecs, alloc, vmstat);
    this.mlock = new Mlock(mem, this.lruvecs, this.release, vmstat);
    this.mover = new BatchMover(mem, this.lruvecs, this.release, vmstat);
    this.fbatches = Array.from({ length: mem.nrCpus }, () => new CpuFbatches());
  }

  /** mm/swap.c: folio_add_lru() — queue on this CPU's lru_add batch (lru_add_fn at drain). */
  folioAddLru(pfn: number): void {
    const head = this.folio(pfn);
    const flags = this.flags[head]!;
    const fb = this.localBatches().lruAdd;
    if ((flags & (ACTIVE | UNEVICTABLE)) === (ACTIVE | UNEVICTABLE)) this.violation('LRU1', head, 'folio_add_lru() of a folio that is both PG_active and PG_unevictable');
    if (flags & LRU) this.violation('LRU1', head, 'folio_add_lru() of a folio already on an LRU list');
    if (fb.contains(head)) this.violation('LRU1', head, 'folio_add_lru() twice: the folio already waits in this CPU\'s lru_add batch');
    this.folioGet(head);
    if (fb.add(head) && (flags & HEAD) === 0 && this.lruDisableCount === 0) return;
    this.mover.move(fb, MoveFn.LRU_ADD);
  }

  /** mm/swap.c: lru_add_drain() (current CPU, default) or lru_add_drain_cpu(cpu), then the mlock batch. */
  lruAddDrain(cpu: number = this.ctx.cpu): void {
    const b = this.batches(cpu);
    if (b.lruAdd.nr) this.mover.move(b.lruAdd, MoveFn.LRU_ADD);
    if (b.lruDeactivate.nr) this.mover.move(b.lruDeactivate, MoveFn.DEACTIVATE);
    if (b.activate.nr) this.mover.move(b.activate, MoveFn.ACTIVATE);
    if (b.mlock.nr) this.mlock.drain(b.mlock);
  }

  /**
   * mm/mlock.c: mlock_drain_local() — apply this CPU's queued mlock/munlock ops now. The rmap
   * walks of migration call it after each PTE of a VM_LOCKED VMA, so the folio reference the
   * mlock batch holds does not outlive the walk (it would fail the expected-refcount check).
   */
  mlockDrainLocal(): void {
    const fb = this.localBatches().mlock;
    if (fb.nr) this.mlock.drain(fb);
  }

  /** mm/swap.c: lru_add_drain_all() */
  lruAddDrainAll(): void {
    for (let cpu = 0; cpu < this.fbatches.length; cpu++) this.lruAddDrain(cpu);
  }

  /** mm/swap.c: lru_cache_disable() — drain everywhere; until re-enabled, batches drain at once. */
  lruCacheDisable(): void {
    this.lruDisableCount++;
    this.lruAddDrainAll();
  }

  /** mm/swap.c: lru_cache_enable() */
  lruCacheEnable(): void {
    if (this.lruDisableCount === 0) throw new KernelError('EINVAL', 'lru_cache_enable() without a matching lru_cache_disable()');
    this.lruDisableCount--;
  }

  /** Folios waiting in a CPU's batches (all CPUs when omitted). */
  pendingInBatches(cpu?: number): number {
    if (cpu !== undefined) return this.batches(cpu).pending;
    let n = 0;
    for (const b of this.fbatches) n += b.pending;
    return n;
  }

  /**
   * mm/vmscan.c: folio_isolate_lru() — test-and-clear PG_lru, take a reference, delete from the
   * list. Does not touch NR_ISOLATED_*. False if the folio is not on an LRU (or in a batch).
   */
  folioIsolateLru(pfn: number): boolean {
    const head = this.folio(pfn);
    const flags = this.flags[head]!;
    if (this.refcount[head]! <= 0) this.violation('PG5', head, 'folio_isolate_lru() of a folio with no references');
    if ((flags & LRU) === 0) return false;
    this.flags[head] = flags & ~LRU;
    this.refcount[head]!++;
    this.lruvecs.delFolio(head);
    return true;
  }

  /**
   * folio_isolate_lru() + NR_ISOLATED_ANON/FILE += nr on the folio's node, as the migration
   * callers do (mm/migrate.c: isolate_folio_to_list, add_page_for_migration). 0 or -EBUSY.
   */
  isolateLruPage(pfn: number): number {
    if (!this.folioIsolateLru(pfn)) return -Errno.EBUSY;
    const head = this.lruvecs.head(pfn);
    this.nodeStat(head)[this.isolatedItem(head)] += this.lruvecs.nrPages(head);
    return 0;
  }

  /**
   * mm/migrate.c: putback_movable_pages() for an LRU folio — NR_ISOLATED_* -= nr, then
   * folio_putback_lru(). A movable_ops page (M8), a folio still on an LRU, or a putback that would
   * take NR_ISOLATED below zero is a ContractViolation, raised before anything changes.
   */
  putbackLruPage(pfn: number): void {
    const head = this.folio(pfn);
    this.checkPutback(head);
    this.checkIsolated(head, 'putback');
    this.nodeStat(head)[this.isolatedItem(head)] -= this.lruvecs.nrPages(head);
    this.putback(head);
  }

  /** mm/swap.c: folio_putback_lru() — folio_add_lru() and drop the isolation reference; no NR_ISOLATED change. */
  folioPutbackLru(pfn: number): void {
    const head = this.folio(pfn);
    this.checkPutback(head);
    this.putback(head);
  }

  /**
   * mm/migrate.c: migrate_folio_done() accounting — NR_ISOLATED_* -= nr for an isolated LRU
   * folio that migrated (or was freed) and will not be put back. No-op for movable_ops pages (M8).
   */
  unaccountIsolated(pfn: number): void {
    const head = this.folio(pfn);
    if ((this.mem.frames.mapping[head]! & PAGE_MAPPING_FLAGS) === PAGE_MAPPING_MOVABLE) return;
    this.checkIsolated(head, 'migrate_folio_done');
    this.nodeStat(head)[this.isolatedItem(head)] -= this.lruvecs.nrPages(head);
  }

  /** mm/swap.c: folio_activate() — queue an inactive LRU folio for the active list. */
  folioActivate(pfn: number): void {
    const head = this.folio(pfn);
    const flags = this.flags[head]!;
    if ((flags & (LRU | ACTIVE | UNEVICTABLE)) !== LRU) return;
    this.folioGet(head);
    this.addAndMove(this.localBatches().activate, head, flags, MoveFn.ACTIVATE);
  }

  /** mm/swap.c: folio_deactivate() — queue an active LRU folio for the inactive list. */
  folioDeactivate(pfn: number): void {
    const head = this.folio(pfn);
    const flags = this.flags[head]!;
    if ((flags & (LRU | ACTIVE | UNEVICTABLE)) !== (LRU | ACTIVE)) return;
    this.folioGet(head);
    this.addAndMove(this.localBatches().lruDeactivate, head, flags, MoveFn.DEACTIVATE);
  }

  /**
   * mm/swap.c: folio_mark_accessed() — inactive,unreferenced → inactive,referenced →
   * active (via folio_activate, or by PG_active on a folio still in this CPU's lru_add batch).
   */
  folioMarkAccessed(pfn: number): void {
    const head = this.folio(pfn);
    const flags = this.flags[head]!;
    if ((flags & REFERENCED) === 0) {
      this.flags[head] = flags | REFERENCED;
    } else if ((flags & (UNEVICTABLE | ACTIVE)) === 0) {
      if (flags & LRU) this.folioActivate(head);
      else if (this.localBatches().lruAdd.contains(head)) this.flags[head]! |= ACTIVE; // __lru_cache_activate_folio
      this.flags[head]! &= ~REFERENCED;
    }
  }

  /**
   * mm/swap.c: folio_mark_lazyfree() + lru_lazyfree_fn(), applied at once: an anonymous,
   * swap-backed, evictable folio (not in the swap cache) loses PG_active, PG_referenced and
   * PG_swapbacked and moves to the inactive file list, where reclaim may discard it if it stays
   * clean. A folio waiting in a per-cpu batch just changes its flags (its list is chosen at drain).
   */
  folioMarkLazyfree(pfn: number): void {
    const head = this.folio(pfn);
    const flags = this.flags[head]!;
    if (!(this.mem.frames.mapping[head]! & PAGE_MAPPING_ANON) || (flags & (SWAPBACKED | SWAPCACHE | UNEVICTABLE)) !== SWAPBACKED) return;
    const onLru = (flags & LRU) !== 0;
    if (onLru) this.lruvecs.delFolio(head);
    this.flags[head] = flags & ~(ACTIVE | REFERENCED | SWAPBACKED);
    if (onLru) this.lruvecs.addFolio(head);
  }

  /** mm/mlock.c: mlock_folio() — PG_mlocked + NR_MLOCK now, unevictable LRU at batch drain. */
  mlockFolio(pfn: number): void {
    const head = this.folio(pfn);
    this.folioGet(head);
    this.mlock.mlockFolio(head, this.localBatches().mlock, this.lruDisableCount > 0);
  }

  /** mm/mlock.c: mlock_new_folio() — a new folio of a VM_LOCKED vma (instead of folioAddLru). */
  mlockNewFolio(pfn: number): void {
    const head = this.folio(pfn);
    if (this.flags[head]! & LRU) this.violation('LRU1', head, 'mlock_new_folio() of a folio already on an LRU list');
    this.folioGet(head);
    this.mlock.mlockNewFolio(head, this.localBatches().mlock, this.lruDisableCount > 0);
  }

  /** mm/mlock.c: munlock_folio() — applied at batch drain (__munlock_folio honours mlock_count). */
  munlockFolio(pfn: number): void {
    const head = this.folio(pfn);
    this.folioGet(head);
    this.mlock.munlockFolio(head, this.localBatches().mlock, this.lruDisableCount > 0);
  }

  /**
   * mm/swap.c: __page_cache_release() — for unmap/truncation paths about to free a folio: off
   * its LRU list with __folio_clear_lru_flags(), and a leftover PG_mlocked cleared (NR_MLOCK,
   * unevictable_pgs_cleared). A folio that is not on an LRU only loses PG_mlocked.
   */
  folioDelFromLru(pfn: number): void {
    this.release.pageCacheRelease(this.folio(pfn));
  }

  /** mm/swap.c: folio_put() that releases LRU state when the last reference goes (folios_put). */
  putFolio(pfn: number): void {
    this.release.put(this.folio(pfn));
  }

  /** Pages on list `lru` of node `nid` (node_page_state(NR_LRU_BASE + lru)). */
  lruvecSize(nid: number, lru: LruList): number {
    return this.lruvecs.size(nid, lru);
  }

  /** The folios on one list, head first (list order). Allocates: for tests and views. */
  lruFolios(nid: number, lru: LruList): number[] {
    this.lruvecs.size(nid, lru);
    return this.mem.lists.toArray(this.lruvecs.lruvecs[nid]!.lists[lru]!);
  }

  /** folio_test_lru() of the folio containing pfn. */
  onLru(pfn: number): boolean {
    return (this.flags[this.folio(pfn)]! & LRU) !== 0;
  }

  // ------------------------------------------------------------------------------------------

  private putback(head: number): void {
    this.folioAddLru(head);
    this.release.put(head); // drop the reference taken by isolation
  }

  /** mm/swap.c: folio_batch_add_and_move() */
  private addAndMove(fb: FolioBatch, head: number, flags: number, fn: MoveFn): void {
    if (fb.add(head) && (flags & HEAD) === 0 && this.lruDisableCount === 0) return;
    this.mover.move(fb, fn);
  }

  private checkPutback(head: number): void {
    if ((this.mem.frames.mapping[head]! & PAGE_MAPPING_FLAGS) === PAGE_MAPPING_MOVABLE) {
      this.violation('M8', head, 'LRU putback of a movable_ops page: put it back with putback_movable_pages (movable pages never count in NR_ISOLATED)');
    }
    const flags = this.flags[head]!;
    if (flags & LRU) this.violation('LRU1', head, 'putback of a folio that is still on an LRU list: it was never isolated');
    if (this.localBatches().lruAdd.contains(head)) this.violation('LRU1', head, 'putback of a folio already waiting in the lru_add batch: it was put back twice');
    if ((flags & (ACTIVE | UNEVICTABLE)) === (ACTIVE | UNEVICTABLE)) this.violation('LRU1', head, 'putback of a folio that is both PG_active and PG_unevictable');
    if (this.refcount[head]! <= 0) this.violation('PG5', head, 'putback of a folio with no references (the isolation reference is missing)');
  }

  private checkIsolated(head: number, what: string): void {
    const item = this.isolatedItem(head);
    const have = this.nodeStat(head)[item]!;
    const nr = this.lruvecs.nrPages(head);
    if (have < nr) {
      const name = item === NodeStat.NR_ISOLATED_ANON ? 'nr_isolated_anon' : 'nr_isolated_file';
      this.violation('LRU2', head, `${what} would take ${name} of node ${this.lruvecs.folioLruvec(head).nid} from ${have} to ${have - nr}: the folio was not isolated with isolateLruPage (or PG_swapbacked changed while isolated)`);
    }
  }

  private isolatedItem(head: number): number {
    return NodeStat.NR_ISOLATED_ANON + (folioIsFileLru(this.flags[head]!) ? 1 : 0);
  }

  private nodeStat(head: number): Float64Array {
    return this.mem.nodes[this.mem.zones[this.flags[head]! >>> ZONEID_SHIFT]!.nid]!.vmStat;
  }

  /** folio_get() */
  private folioGet(head: number): void {
    if (this.refcount[head]! <= 0) this.violation('PG5', head, 'folio_get() on a folio with no references (use after free)');
    this.refcount[head]!++;
  }

  /** Validates pfn (EINVAL) and returns its folio head. */
  private folio(pfn: number): number {
    this.mem.checkPfn(pfn);
    return this.lruvecs.head(pfn);
  }

  private localBatches(): CpuFbatches {
    return this.batches(this.ctx.cpu);
  }

  private batches(cpu: number): CpuFbatches {
    const b = this.fbatches[cpu];
    if (b === undefined) throw new KernelError('EINVAL', `cpu ${cpu} does not exist; this machine has cpus 0..${this.fbatches.length - 1}`);
    return b;
  }

  private violation(rule: string, head: number, reason: string): never {
    const f = this.mem.frames;
    throw new ContractViolation(rule, reason, { pfn: head, flags: f.flags[head]!, refcount: f.refcount[head]!, mapcount: f.mapcount[head]!, mapping: f.mapping[head]! });
  }
}
