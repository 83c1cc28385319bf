import { Errno } from '../errors';
import { HPAGE_PMD_NR } from '../mem/constants';
import { PG } from '../mem/page-flags';
import {
  MIGRATEPAGE_SUCCESS, MigrateMode, type MigrateReason, NR_MAX_MIGRATE_PAGES_RETRY,
} from './migrate-mode';
import type { MigrationEnv } from './migration-env';
import type { GetNewFolio, PutNewFolio } from './unmap-move';

/** What hugetlb migration needs from mm/hugetlb.c and the hugetlb rmap (wired by the kernel). */
export interface MigrationHugetlb {
  /** h->nr_huge_pages > 0: with an empty pool no folio can be hugetlb, and the scans are skipped. */
  hasHugePages(): boolean;
  /** folio_test_hugetlb() on a head page. */
  isHugetlb(head: number): boolean;
  /** hugepage_migration_supported(): 2 MiB pages are. */
  migrationSupported(head: number): boolean;
  /** alloc_hugetlb_folio_nodemask() for a migration target: a head or -1. */
  allocTarget(src: number, nid: number, nodemask: readonly number[] | undefined, gfpMask: number): number;
  /** folio_putback_active_hugetlb() */
  putbackActive(head: number): void;
  /** isolate_hugetlb(): true when the folio is now on the list (with a reference). */
  isolate(head: number, add: (head: number) => void): boolean;
  /** folio_mapped() */
  mapped(head: number): boolean;
  tryToMigrate(head: number): void;
  removeMigrationPtes(src: number, dst: number): void;
  /** migrate_huge_page_move_mapping(): anon state or the hugetlbfs page-cache slot moves to dst. */
  moveMapping(src: number, dst: number): number;
  /** move_hugetlb_state(): a temporary destination stays in the pool, the source leaves it. */
  moveState(src: number, dst: number): void;
}

/** Results of one migrate_hugetlbs() call (base pages, as struct migrate_pages_stats counts). */
export interface HugetlbMigrateStats {
  nrSucceeded: number;
  nrFailedPages: number;
}

/**
 * mm/migrate.c: migrate_hugetlbs() and unmap_and_move_huge_page(): hugetlb folios on a
 * migration list are migrated first, one at a time, up to NR_MAX_MIGRATE_PAGES_RETRY (10)
 * passes; from the fourth pass on (`force = pass > 2`) SYNC and SYNC_NO_COPY may wait for the
 * folio lock. Unsupported sizes fail permanently, -ENOMEM aborts the whole call.
 */
export class MigrateHugetlb {
  /** How many times the last call wanted to sleep in folio_lock() (force in a sync mode). */
  forcedLockWaits = 0;

  constructor(private readonly env: MigrationEnv, private readonly h: MigrationHugetlb) {}

  /**
   * migrate_hugetlbs(): returns the number of hugetlb folios not migrated or -ENOMEM. Failed
   * folios go to `retFolios`; those still retrying stay on `from` (migrate_pages() moves them
   * to ret_folios with the non-hugetlb scan).
   */
  migrateHugetlbs(from: number, getNew: GetNewFolio, putNew: PutNewFolio | undefined, priv: unknown, mode: MigrateMode, reason: MigrateReason, stats: HugetlbMigrateStats, retFolios: number): number {
    const lists = this.env.mem.lists;
    let retry = 1;
    let nrFailed = 0;
    let nrRetryPages = 0;
    this.forcedLockWaits = 0;
    for (let pass = 0; pass < NR_MAX_MIGRATE_PAGES_RETRY && retry; pass++) {
      retry = 0;
      nrRetryPages = 0;
      for (let folio = lists.first(from); folio !== from; ) {
        const next = lists.getNext(folio);
        if (!this.h.isHugetlb(folio)) {
          folio = next;
          continue;
        }
        const nrPages = HPAGE_PMD_NR;
        if (!this.h.migrationSupported(folio)) {
          nrFailed++;
          stats.nrFailedPages += nrPages;
          lists.moveTail(folio, retFolios);
          folio = next;
          continue;
        }
        const rc = this.unmapAndMoveHugePage(getNew, putNew, priv, folio, pass > 2, mode, reason, retFolios);
        switch (rc) {
          case -Errno.ENOMEM:
            // Low on memory: give up on everything.
            nrFailed++;
            stats.nrFailedPages += nrPages + nrRetryPages;
            return -Errno.ENOMEM;
          case -Errno.EAGAIN:
            retry++;
            nrRetryPages += nrPages;
            break;
          case MIGRATEPAGE_SUCCESS:
            stats.nrSucceeded += nrPages;
            break;
          default:
            // Permanent failure (-EBUSY, -EOPNOTSUPP…): already moved to retFolios.
            nrFailed++;
            stats.nrFailedPages += nrPages;
            break;
        }
        folio = next;
      }
    }
    nrFailed += retry;
    stats.nrFailedPages += nrRetryPages;
    return nrFailed;
  }

  /**
   * unmap_and_move_huge_page(): a folio with no other reference was freed under us (success);
   * otherwise get a destination (none → -ENOMEM), lock the source (failure → -EAGAIN; with
   * `force` in SYNC/SYNC_NO_COPY the kernel sleeps in folio_lock, mmsim retries the pass),
   * replace its mappings by migration entries, move the mapping and copy the 512 pages
   * (SYNC_NO_COPY skips the copy), restore the entries to the new folio (or the old one on
   * failure). On success the old folio goes back to the pool; on a permanent failure it goes to
   * `retFolios`; the destination is put back unless put_new_folio takes it.
   */
  unmapAndMoveHugePage(getNew: GetNewFolio, putNew: PutNewFolio | undefined, priv: unknown, src: number, force: boolean, mode: MigrateMode, _reason: MigrateReason, retFolios: number): number {
    const { mem, locks } = this.env;
    const f = mem.frames;
    if (f.refcount[src] === 1) {
      // Someone else freed the folio under us: nothing to migrate.
      this.env.mem.lists.del(src);
      this.h.putbackActive(src);
      return MIGRATEPAGE_SUCCESS;
    }
    const dst = getNew(src, priv);
    if (dst < 0) return -Errno.ENOMEM;
    let rc = -Errno.EAGAIN;
    let putNewFolio = putNew;
    out: {
      if (!locks.trylockPage(src)) {
        if (force && (mode === MigrateMode.SYNC || mode === MigrateMode.SYNC_NO_COPY)) this.forcedLockWaits++;
        break out;
      }
      let pageWasMapped = false;
      if (this.h.mapped(src)) {
        this.h.tryToMigrate(src);
        pageWasMapped = true;
      }
      if (!this.h.mapped(src)) rc = this.moveToNewFolio(dst, src, mode);
      if (pageWasMapped) this.h.removeMigrationPtes(src, rc === MIGRATEPAGE_SUCCESS ? dst : src);
      if (rc === MIGRATEPAGE_SUCCESS) {
        this.h.moveState(src, dst);
        putNewFolio = undefined;
      }
      locks.unlockPage(src);
    }
    if (rc === MIGRATEPAGE_SUCCESS) {
      this.env.mem.lists.del(src);
      this.h.putbackActive(src);
    } else if (rc !== -Errno.EAGAIN) {
      this.env.mem.lists.moveTail(src, retFolios);
    }
    if (putNewFolio) putNewFolio(dst, priv);
    else this.h.putbackActive(dst);
    return rc;
  }

  /**
   * move_to_new_folio() → hugetlbfs_migrate_folio(): migrate_huge_page_move_mapping() (the
   * reference count must be exactly the isolation's plus the page cache's, else -EAGAIN), then
   * folio_migrate_copy() or, in SYNC_NO_COPY, folio_migrate_flags().
   */
  private moveToNewFolio(dst: number, src: number, mode: MigrateMode): number {
    const f = this.env.mem.frames;
    const rc = this.h.moveMapping(src, dst);
    if (rc !== MIGRATEPAGE_SUCCESS) return rc;
    if (mode !== MigrateMode.SYNC_NO_COPY) {
      for (let k = 0; k < HPAGE_PMD_NR; k++) this.env.mem.content.copy(dst + k, src + k);
    }
    const keep = (1 << PG.dirty) | (1 << PG.uptodate) | (1 << PG.referenced) | (1 << PG.swapbacked);
    f.flags[dst] = f.flags[dst]! | (f.flags[src]! & keep);
    return MIGRATEPAGE_SUCCESS;
  }
}
