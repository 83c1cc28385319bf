import { Errno } from '../errors';
import * as constantsModule from '../mem/constants';
import { PG } from '../mem/page-flags';
import { VmEvent } from '../stat/vmstat-items';
import { FolioMigrate } from './folio-migrate';
import { MigrateHugetlb } from './migrate-hugetlb';
import { MigrateMode, MigrateReason } from './migrate-mode';
import * as migrateModeModule from './migrate-mode';
import type { MigrationEnv } from './migration-env';
import './migrate-tracepoints';
import { type GetNewFolio, type PutNewFolio, UnmapMove } from './unmap-move';
import * as unmapMoveModule from './unmap-move';

// Imported numeric constants as module-level consts, which V8 folds into the code; an imported
// binding is a load from the exporting module at every use (see page-flags.ts).
const { HPAGE_PMD_ORDER } = constantsModule;
const { MIGRATEPAGE_SUCCESS, MIGRATEPAGE_UNMAP, NR_MAX_BATCHED_MIGRATION, NR_MAX_MIGRATE_ASYNC_RETRY, NR_MAX_MIGRATE_PAGES_RETRY, NR_MAX_MIGRATE_SYNC_RETRY } = migrateModeModule;
const { PAGE_WAS_MAPPED } = unmapMoveModule;

/** "No split list" (the kernel's NULL split_folios): list head ids are negative, never 0. */
const NO_SPLIT_LIST = 0;

/** mm/migrate.c: struct migrate_pages_stats (pages are base pages). */
export interface MigratePagesStats {
  nrSucceeded: number;
  nrFailedPages: number;
  nrThpSucceeded: number;
  nrThpFailed: number;
  nrThpSplit: number;
}

function newStats(): MigratePagesStats {
  return { nrSucceeded: 0, nrFailedPages: 0, nrThpSucceeded: 0, nrThpFailed: 0, nrThpSplit: 0 };
}

/** The result of {@link MigratePages.migratePages}: the kernel's return value and *ret_succeeded. */
export interface MigratePagesResult {
  /** Folios not migrated (a split THP counts as one), or a negative errno (-ENOMEM). */
  ret: number;
  /** Base pages migrated. */
  succeeded: number;
  stats: MigratePagesStats;
}

/**
 * mm/migrate.c: migrate_pages(), the batched two-phase engine (v6.3+): folios are unmapped in a
 * batch of up to NR_MAX_BATCHED_MIGRATION base pages, then moved; ASYNC makes up to 10 passes,
 * other modes first 3 ASYNC passes over the batch and then up to 7 passes per folio in the
 * caller's mode. -EAGAIN retries, -ENOMEM stops everything, other errors are permanent. Folios
 * that failed are left on `from`; the caller must putbackMovablePages() iff the result is not 0.
 */
export class MigratePages {
  readonly fm: FolioMigrate;
  readonly um: UnmapMove;
  /** migrate_hugetlbs(), when the kernel has a hugetlb pool. */
  readonly hugetlb: MigrateHugetlb | null;
  private readonly tpStart: number;
  private readonly tpEnd: number;

  constructor(private readonly env: MigrationEnv) {
    this.fm = new FolioMigrate(env);
    this.um = new UnmapMove(env, this.fm);
    this.hugetlb = env.hugetlb ? new MigrateHugetlb(env, env.hugetlb) : null;
    this.tpStart = env.events.tracepointId('mm_migrate_pages_start');
    this.tpEnd = env.events.tracepointId('mm_migrate_pages');
  }

  private nrPages(pfn: number): number {
    const f = this.env.mem.frames;
    return f.flags[pfn]! & (1 << PG.head) ? 1 << f.order[pfn]! : 1;
  }

  private isThp(pfn: number): boolean {
    const f = this.env.mem.frames;
    return (f.flags[pfn]! & (1 << PG.head)) !== 0 && f.order[pfn] === HPAGE_PMD_ORDER;
  }

  migratePages(from: number, getNew: GetNewFolio, putNew: PutNewFolio | undefined, mode: MigrateMode, reason: MigrateReason, priv?: unknown): MigratePagesResult {
    const { mem, events } = this.env;
    const lists = mem.lists;
    if (events.listening[this.tpStart]) events.emit('mm_migrate_pages_start', { mode, reason });
    const stats = newStats();
    const folios = lists.newHead();
    const retFolios = lists.newHead();
    const splitFolios = lists.newHead();
    let rcGather = 0;
    try {
      // Hugetlb folios first (migrate_hugetlbs); the ones still retrying are left on `from` and,
      // as the kernel's batching scan does ("Retried hugetlb folios will be kept in list"), go
      // to retFolios before the non-hugetlb batches.
      const hugetlb = this.hugetlb;
      let hugetlbAbort = false;
      // Both scans below walk the whole list: skip them when the pool holds no huge page at all.
      if (hugetlb && this.env.hugetlb!.hasHugePages()) {
        const rc = hugetlb.migrateHugetlbs(from, getNew, putNew, priv, mode, reason, stats, retFolios);
        if (rc < 0) {
          rcGather = rc;
          hugetlbAbort = true;
        } else {
          rcGather = rc;
          const h = this.env.hugetlb!;
          for (let p = lists.first(from); p !== from; ) {
            const next = lists.getNext(p);
            if (h.isHugetlb(p)) lists.moveTail(p, retFolios);
            p = next;
          }
        }
      }
      while (!hugetlbAbort && !lists.isEmpty(from)) {
        let nr = 0;
        let cut = from;
        for (let p = lists.first(from); p !== from; p = lists.getNext(p)) {
          nr += this.nrPages(p);
          if (nr >= NR_MAX_BATCHED_MIGRATION) {
            cut = lists.getNext(p);
            break;
          }
        }
        if (cut === from) lists.splice(from, folios);
        else lists.cutBefore(folios, from, cut);
        const rc = mode === MigrateMode.ASYNC
          ? this.batch(folios, getNew, putNew, priv, mode, reason, retFolios, splitFolios, stats, NR_MAX_MIGRATE_PAGES_RETRY)
          : this.sync(folios, getNew, putNew, priv, mode, reason, retFolios, splitFolios, stats);
        lists.spliceTail(folios, retFolios);
        if (rc < 0) {
          rcGather = rc;
          lists.spliceTail(splitFolios, retFolios);
          break;
        }
        if (!lists.isEmpty(splitFolios)) {
          // Split folios are migrated with minimal effort, ASYNC and one pass; their failures are
          // not counted again (the large folio already counted as one failure).
          this.batch(splitFolios, getNew, putNew, priv, MigrateMode.ASYNC, reason, retFolios, NO_SPLIT_LIST, stats, 1);
          lists.spliceTail(splitFolios, retFolios);
        }
        rcGather += rc;
      }
      // Permanent failures go back on the caller's list for putback.
      lists.splice(retFolios, from);
      if (lists.isEmpty(from)) rcGather = 0;
    } catch (e) {
      // A broken contract (ContractViolation) or bad input aborts the call: every folio the engine
      // still holds goes back on the caller's list, isolated, for putback.
      lists.spliceTail(folios, from);
      lists.spliceTail(splitFolios, from);
      lists.spliceTail(retFolios, from);
      throw e;
    } finally {
      lists.releaseHead(folios);
      lists.releaseHead(retFolios);
      lists.releaseHead(splitFolios);
    }
    const vm = this.env.vmstat;
    vm.count(VmEvent.PGMIGRATE_SUCCESS, stats.nrSucceeded);
    vm.count(VmEvent.PGMIGRATE_FAIL, stats.nrFailedPages);
    vm.count(VmEvent.THP_MIGRATION_SUCCESS, stats.nrThpSucceeded);
    vm.count(VmEvent.THP_MIGRATION_FAIL, stats.nrThpFailed);
    vm.count(VmEvent.THP_MIGRATION_SPLIT, stats.nrThpSplit);
    if (events.listening[this.tpEnd]) {
      events.emit('mm_migrate_pages', {
        succeeded: stats.nrSucceeded, failed: stats.nrFailedPages, thp_succeeded: stats.nrThpSucceeded,
        thp_failed: stats.nrThpFailed, thp_split: stats.nrThpSplit, mode, reason,
      });
    }
    return { ret: rcGather, succeeded: stats.nrSucceeded, stats };
  }

  /**
   * migrate_pages_sync(): one ASYNC batch of 3 passes first (failures not yet counted, except
   * THP splits), then every remaining folio alone in the caller's mode with 7 passes.
   */
  private sync(from: number, getNew: GetNewFolio, putNew: PutNewFolio | undefined, priv: unknown, mode: MigrateMode, reason: MigrateReason, retFolios: number, splitFolios: number, stats: MigratePagesStats): number {
    const lists = this.env.mem.lists;
    const folios = lists.newHead();
    try {
      const astats = newStats();
      let rc = this.batch(from, getNew, putNew, priv, MigrateMode.ASYNC, reason, folios, splitFolios, astats, NR_MAX_MIGRATE_ASYNC_RETRY);
      stats.nrSucceeded += astats.nrSucceeded;
      stats.nrThpSucceeded += astats.nrThpSucceeded;
      stats.nrThpSplit += astats.nrThpSplit;
      if (rc < 0) {
        stats.nrFailedPages += astats.nrFailedPages;
        stats.nrThpFailed += astats.nrThpFailed;
        lists.spliceTail(folios, retFolios);
        return rc;
      }
      stats.nrThpFailed += astats.nrThpSplit;
      let nrFailed = astats.nrThpSplit;
      // Everything that failed (except split THPs) is retried one by one, synchronously.
      lists.spliceTail(folios, from);
      while (!lists.isEmpty(from)) {
        lists.move(lists.first(from), folios);
        rc = this.batch(folios, getNew, putNew, priv, mode, reason, retFolios, splitFolios, stats, NR_MAX_MIGRATE_SYNC_RETRY);
        lists.spliceTail(folios, retFolios);
        if (rc < 0) return rc;
        nrFailed += rc;
      }
      return nrFailed;
    } catch (e) {
      lists.spliceTail(folios, retFolios);
      throw e;
    } finally {
      lists.releaseHead(folios);
    }
  }

  /**
   * migrate_pages_batch(): unmap every folio (up to `nrPass` passes while some return -EAGAIN),
   * then move the unmapped ones (same pass limit), then undo whatever is left.
   */
  private batch(from: number, getNew: GetNewFolio, putNew: PutNewFolio | undefined, priv: unknown, mode: MigrateMode, reason: MigrateReason, retFolios: number, splitFolios: number, stats: MigratePagesStats, nrPass: number): number {
    const lists = this.env.mem.lists;
    const f = this.env.mem.frames;
    const unmapFolios = lists.newHead();
    const dstFolios = lists.newHead();
    const out = { dst: -1 };
    const nosplit = reason === MigrateReason.MR_NUMA_MISPLACED;
    let retry = 1;
    let thpRetry = 0;
    let nrFailed = 0;
    let nrRetryPages = 0;
    let rcSaved = 0;
    try {
      unmapPhase: {
        for (let pass = 0; pass < nrPass && retry; pass++) {
          retry = 0;
          thpRetry = 0;
          nrRetryPages = 0;
          for (let folio = lists.first(from); folio !== from; ) {
            const next = lists.getNext(folio);
            const isThp = this.isThp(folio);
            const nrPages = this.nrPages(folio);
            const rc = this.um.unmap(getNew, putNew, priv, folio, out, mode, reason, retFolios);
            switch (rc) {
              case -Errno.ENOMEM: {
                // Low on memory: stop unmapping, move what is unmapped, then exit.
                nrFailed++;
                stats.nrThpFailed += isThp ? 1 : 0;
                if (f.flags[folio]! & (1 << PG.head) && !nosplit && splitFolios !== NO_SPLIT_LIST) {
                  const split = this.trySplitFolio(folio, splitFolios);
                  if (!split) {
                    stats.nrThpSplit += isThp ? 1 : 0;
                    break;
                  } else if (reason === MigrateReason.MR_LONGTERM_PIN && split === -Errno.EAGAIN) {
                    // Try again to split the large folio to mitigate the failure of long-term pinning.
                    retry++;
                    thpRetry += isThp ? 1 : 0;
                    nrRetryPages += nrPages;
                    nrFailed--;
                    stats.nrThpFailed -= isThp ? 1 : 0;
                    break;
                  }
                }
                stats.nrFailedPages += nrPages + nrRetryPages;
                stats.nrThpFailed += thpRetry;
                rcSaved = rc;
                break unmapPhase;
              }
              case -Errno.EAGAIN:
                retry++;
                thpRetry += isThp ? 1 : 0;
                nrRetryPages += nrPages;
                break;
              case MIGRATEPAGE_SUCCESS:
                stats.nrSucceeded += nrPages;
                stats.nrThpSucceeded += isThp ? 1 : 0;
                break;
              case MIGRATEPAGE_UNMAP:
                lists.moveTail(folio, unmapFolios);
                lists.addTail(out.dst, dstFolios);
                break;
              default:
                // Permanent failure: the folio went to retFolios and is not retried.
                nrFailed++;
                stats.nrThpFailed += isThp ? 1 : 0;
                stats.nrFailedPages += nrPages;
                break;
            }
            folio = next;
          }
        }
        nrFailed += retry;
        stats.nrThpFailed += thpRetry;
        stats.nrFailedPages += nrRetryPages;
      }
      // try_to_unmap_flush(): TLB flushes are implicit in mmsim.
      retry = 1;
      for (let pass = 0; pass < nrPass && retry; pass++) {
        retry = 0;
        thpRetry = 0;
        nrRetryPages = 0;
        let dst = lists.first(dstFolios);
        for (let folio = lists.first(unmapFolios); folio !== unmapFolios; ) {
          const next = lists.getNext(folio);
          const dstNext = lists.getNext(dst);
          const isThp = this.isThp(folio);
          const nrPages = this.nrPages(folio);
          const rc = this.um.move(putNew, priv, folio, dst, mode, reason, retFolios);
          if (rc === -Errno.EAGAIN) {
            retry++;
            thpRetry += isThp ? 1 : 0;
            nrRetryPages += nrPages;
          } else if (rc === MIGRATEPAGE_SUCCESS) {
            stats.nrSucceeded += nrPages;
            stats.nrThpSucceeded += isThp ? 1 : 0;
          } else {
            nrFailed++;
            stats.nrThpFailed += isThp ? 1 : 0;
            stats.nrFailedPages += nrPages;
          }
          dst = dstNext;
          folio = next;
        }
      }
      nrFailed += retry;
      stats.nrThpFailed += thpRetry;
      stats.nrFailedPages += nrRetryPages;
      return rcSaved || nrFailed;
    } finally {
      // Clean up the folios still unmapped: restore them and free their destinations.
      let dst = lists.first(dstFolios);
      for (let folio = lists.first(unmapFolios); folio !== unmapFolios; ) {
        const next = lists.getNext(folio);
        const dstNext = lists.getNext(dst);
        const wasMapped = f.private[dst]! & PAGE_WAS_MAPPED;
        const anonVma = f.mapping[dst]!;
        f.mapping[dst] = 0;
        f.private[dst] = 0;
        this.um.undoSrc(folio, wasMapped, anonVma, true, retFolios);
        lists.del(dst);
        this.um.undoDst(dst, true, putNew, priv);
        dst = dstNext;
        folio = next;
      }
      lists.releaseHead(unmapFolios);
      lists.releaseHead(dstFolios);
    }
  }

  /** try_split_folio(): split a large folio onto `splitFolios`; its base pages are migrated later. */
  private trySplitFolio(folio: number, splitFolios: number): number {
    const thp = this.env.thp;
    if (!thp) return -Errno.EBUSY;
    if (!this.env.locks.trylockPage(folio)) return -Errno.EAGAIN;
    const rc = thp.splitFolioToList(folio, splitFolios);
    this.env.locks.unlockPage(folio);
    if (!rc) this.env.mem.lists.moveTail(folio, splitFolios);
    return rc;
  }
}
