import { Errno } from '../errors';
import { PG } from '../mem/page-flags';
import * as pageFlagsModule from '../mem/page-flags';
import { NodeStat } from '../stat/vmstat-items';
import type { FolioMigrate } from './folio-migrate';
import { MigrateMode, MigrateReason } from './migrate-mode';
import * as migrateModeModule from './migrate-mode';
import type { MigrationEnv } from './migration-env';
import { MigrateStepTrace } from './migrate-tracepoints';

// Imported numeric constants as module-level consts, which V8 folds into the code; an imported
// binding is a load from the exporting module at every use (see page-flags.ts).
const { PG_isolated } = pageFlagsModule;
const { MIGRATEPAGE_SUCCESS, MIGRATEPAGE_UNMAP } = migrateModeModule;

/**
 * mm/migrate.c: the old_page_state bits migrate_folio_unmap() records in dst->private (v6.7+,
 * "mm: migrate: record the mlocked page status to remove unnecessary lru drain").
 */
export const PAGE_WAS_MAPPED = 1 << 0;
export const PAGE_WAS_MLOCKED = 1 << 1;

/**
 * new_folio_t: a destination for src, or -1 (the kernel's NULL, turned into -ENOMEM). `priv` is
 * the `private` argument given to migratePages(), passed through as the kernel does.
 */
export type GetNewFolio = (src: number, priv?: unknown) => number;
/** free_folio_t: take back an unused destination. */
export type PutNewFolio = (dst: number, priv?: unknown) => void;

/**
 * The two steps of migrating one folio (mm/migrate.c: migrate_folio_unmap, migrate_folio_move)
 * and their undo paths. Between the steps the destination records the source's old_page_state
 * (PAGE_WAS_MAPPED, PAGE_WAS_MLOCKED) and which anon_vma is pinned, in dst->private and
 * dst->mapping as the kernel does (__migrate_folio_record).
 *
 * mmsim's core never sleeps inside migration: where the kernel would block in folio_lock() or
 * folio_wait_writeback() (SYNC modes), the folio is retried on the next pass (-EAGAIN).
 */
export class UnmapMove {
  private readonly trace: MigrateStepTrace;

  constructor(private readonly env: MigrationEnv, private readonly fm: FolioMigrate) {
    this.trace = new MigrateStepTrace(env.events);
  }

  private nrPages(pfn: number): number {
    const f = this.env.mem.frames;
    return f.flags[pfn]! & (1 << PG.head) ? 1 << f.order[pfn]! : 1;
  }

  private record(dst: number, oldPageState: number, anonVma: number): void {
    const f = this.env.mem.frames;
    f.mapping[dst] = anonVma;
    f.private[dst] = oldPageState;
  }

  /**
   * migrate_folio_done(): an LRU source leaves NR_ISOLATED_* (movable_ops pages never entered
   * it, M8) and loses the isolation reference (kept for MR_MEMORY_FAILURE).
   */
  done(src: number, reason: MigrateReason): void {
    const { mem, movable } = this.env;
    if (!movable.isMovableMapping(src)) {
      const f = mem.frames;
      const file = f.testFlag(src, PG.swapbacked) ? 0 : 1;
      mem.nodes[mem.pageZone(src).nid]!.vmStat[NodeStat.NR_ISOLATED_ANON + file] -= this.nrPages(src);
    }
    if (reason !== MigrateReason.MR_MEMORY_FAILURE) this.env.alloc.putPage(src);
  }

  /** migrate_folio_undo_src(): restore mappings, drop the anon_vma, unlock, move to `ret`. */
  undoSrc(src: number, wasMapped: number, anonVma: number, locked: boolean, ret: number | null): void {
    if (wasMapped) this.env.rmap!.removeMigrationPtes(src, src, false);
    if (anonVma) this.env.rmap!.putAnonVma(anonVma);
    if (locked) this.env.locks.unlockPage(src);
    if (ret !== null) this.env.mem.lists.moveTail(src, ret);
  }

  /**
   * A contract violation inside move_to_new_folio(): the core takes back what it holds of the
   * pair (its locks, if the driver left them, the destination, the anon_vma pin, the migration
   * entries) and leaves the source isolated on `ret` for the caller's putback.
   */
  private abandonPair(putNew: PutNewFolio | undefined, priv: unknown, src: number, dst: number, wasMapped: number, anonVma: number, ret: number): void {
    const f = this.env.mem.frames;
    const srcLocked = f.testFlag(src, PG.locked);
    this.undoSrc(src, wasMapped, anonVma, srcLocked, ret);
    this.undoDst(dst, f.testFlag(dst, PG.locked), putNew, priv);
  }

  /** migrate_folio_undo_dst(): unlock and give the unused destination back. */
  undoDst(dst: number, locked: boolean, putNew: PutNewFolio | undefined, priv: unknown): void {
    if (locked) this.env.locks.unlockPage(dst);
    if (putNew) putNew(dst, priv);
    else this.env.alloc.putPage(dst);
  }

  /**
   * migrate_folio_unmap(): get a destination, lock the source (by mode), wait for writeback only
   * in full SYNC, pin the anon_vma, lock the destination, and replace the source's mappings with
   * migration entries. Returns MIGRATEPAGE_SUCCESS (source freed meanwhile), MIGRATEPAGE_UNMAP
   * (ready to move; `out.dst` set), -ENOMEM, -EAGAIN or -EBUSY.
   */
  unmap(getNew: GetNewFolio, putNew: PutNewFolio | undefined, priv: unknown, src: number, out: { dst: number }, mode: MigrateMode, reason: MigrateReason, ret: number): number {
    const { mem, movable, locks } = this.env;
    const f = mem.frames;
    const isLru = !movable.isMovableMapping(src);
    if (f.refcount[src] === 1) {
      // The folio was freed from under us: done.
      f.clearFlag(src, PG.active);
      f.clearFlag(src, PG.unevictable);
      f.clearFlag(src, PG_isolated);
      mem.lists.del(src);
      this.done(src, reason);
      return MIGRATEPAGE_SUCCESS;
    }
    const dst = getNew(src, priv);
    if (dst < 0) return -Errno.ENOMEM;
    out.dst = dst;
    f.private[dst] = 0;
    // Whether mmsim_migrate_step is traced, read once per folio: the checks below are on every
    // migrated page, and nothing between them can add a listener (getNew ran already).
    const tracing = this.trace.on;
    let rc = -Errno.EAGAIN;
    let oldPageState = 0;
    let anonVma = 0;
    let locked = false;
    let dstLocked = false;
    fail: {
      if (!locks.trylockPage(src)) {
        // ASYNC never blocks; direct compaction (PF_MEMALLOC) never lock_page()s; SYNC_LIGHT
        // does not wait for I/O. The others would sleep in folio_lock(): retried instead.
        break fail;
      }
      locked = true;
      if (f.testFlag(src, PG.mlocked)) oldPageState |= PAGE_WAS_MLOCKED;
      if (tracing) this.trace.step(src, 1);
      if (f.testFlag(src, PG.writeback)) {
        // Only full synchronous migration waits for writeback (here: retries); the others fail.
        if (mode !== MigrateMode.SYNC && mode !== MigrateMode.SYNC_NO_COPY) rc = -Errno.EBUSY;
        break fail;
      }
      if (tracing) this.trace.step(src, 2);
      if (this.env.rmap && (f.mapping[src]! & 3) === 1) anonVma = this.env.rmap.folioGetAnonVma(src);
      if (!locks.trylockPage(dst)) break fail;
      dstLocked = true;
      if (tracing) this.trace.step(src, 3);
      if (!isLru) {
        this.record(dst, oldPageState, anonVma);
        return MIGRATEPAGE_UNMAP;
      }
      if (!f.mapping[src]) {
        // Orphaned page cache (truncated) with fs-private data: try_to_free_buffers, retry.
        if (f.testFlag(src, PG.private)) {
          f.clearFlag(src, PG.private);
          break fail;
        }
      } else if (this.env.rmap?.folioMapped(src)) {
        this.env.rmap.tryToMigrate(src, mode === MigrateMode.ASYNC);
        oldPageState |= PAGE_WAS_MAPPED;
      }
      if (!this.env.rmap?.folioMapped(src)) {
        if (tracing) this.trace.step(src, 4);
        this.record(dst, oldPageState, anonVma);
        return MIGRATEPAGE_UNMAP;
      }
    }
    // A folio that has not been unmapped goes back to `ret` unless it will be retried.
    this.undoSrc(src, oldPageState & PAGE_WAS_MAPPED, anonVma, locked, rc === -Errno.EAGAIN ? null : ret);
    this.undoDst(dst, dstLocked, putNew, priv);
    return rc;
  }

  /**
   * migrate_folio_move(): move the data and identity, put an LRU destination on the LRU and
   * point the migration entries at it, release both locks and the source. -EAGAIN keeps the pair
   * for the next pass; other errors undo both sides.
   */
  move(putNew: PutNewFolio | undefined, priv: unknown, src: number, dst: number, mode: MigrateMode, reason: MigrateReason, ret: number): number {
    const { mem, movable, locks } = this.env;
    const f = mem.frames;
    const lists = mem.lists;
    const oldPageState = f.private[dst]!;
    const wasMapped = oldPageState & PAGE_WAS_MAPPED;
    const anonVma = f.mapping[dst]!;
    f.mapping[dst] = 0;
    f.private[dst] = 0;
    const isLru = !movable.isMovableMapping(src);
    const prev = lists.getPrev(dst);
    lists.del(dst);
    let rc: number;
    try {
      rc = this.fm.moveToNewFolio(dst, src, mode);
    } catch (e) {
      this.abandonPair(putNew, priv, src, dst, wasMapped, anonVma, ret);
      throw e;
    }
    if (rc !== MIGRATEPAGE_SUCCESS) {
      if (rc === -Errno.EAGAIN) {
        lists.add(dst, prev);
        this.record(dst, oldPageState, anonVma);
        return rc;
      }
      this.undoSrc(src, wasMapped, anonVma, true, ret);
      this.undoDst(dst, true, putNew, priv);
      return rc;
    }
    // Read after the driver's migrate_page (which may have added a listener), once for 18/16/17.
    const tracing = this.trace.on;
    if (isLru) {
      // Push dst to the LRU at once so remove_migration_ptes() builds the right mlock state
      // (v5.18+; page_migration.rst still lists this as the last step). Only an mlocked source
      // needs the batch drained first (v6.7: the drain per mapped folio was a hotspot).
      this.env.lru?.folioAddLru(dst);
      if (oldPageState & PAGE_WAS_MLOCKED) this.env.lru?.lruAddDrain();
      if (tracing) this.trace.step(src, 18);
      if (wasMapped) {
        this.env.rmap!.removeMigrationPtes(src, dst, false);
        if (tracing) this.trace.step(src, 16);
      }
    }
    locks.unlockPage(dst);
    // The new owner holds its own reference now; drop the allocation reference.
    this.env.alloc.putPage(dst);
    lists.del(src);
    if (anonVma) this.env.rmap!.putAnonVma(anonVma);
    locks.unlockPage(src);
    if (tracing) this.trace.step(src, 17);
    this.done(src, reason);
    return rc;
  }
}
