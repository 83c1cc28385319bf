import { KernelError } from '../errors';
import { MigratePages, type MigratePagesResult } from './migrate-pages';
import { MigrateMode, MigrateReason } from './migrate-mode';
import { type MigrationDeps, type MigrationEnv, MigrationServices } from './migration-env';
import { MigrationTarget, type MigrationTargetControl, allocMigrationTargetFolio } from './migration-target';
import { MovableIsolation } from './isolation';
import type { GetNewFolio, PutNewFolio } from './unmap-move';

/**
 * A list of isolated folios for migration (a list_head over page->lru): folios are linked through
 * the memmap's list links, so building a list allocates nothing per page.
 */
export class FolioList {
  constructor(private readonly env: MigrationEnv, readonly head = env.mem.lists.newHead()) {}

  add(pfn: number): this {
    this.env.mem.lists.addTail(pfn, this.head);
    return this;
  }

  get isEmpty(): boolean {
    return this.env.mem.lists.isEmpty(this.head);
  }

  get length(): number {
    return this.env.mem.lists.length(this.head);
  }

  pfns(): number[] {
    return this.env.mem.lists.toArray(this.head);
  }

  /** Gives the list head back; the list must be empty (migrated or put back). */
  release(): void {
    if (!this.isEmpty) {
      throw new KernelError('EBUSY', `a migration list still holds ${this.length} folio(s); putbackMovablePages() them before releasing the list`);
    }
    this.env.mem.lists.releaseHead(this.head);
  }
}

/** Valid modes and reasons of the public API. */
function checkModeReason(mode: number, reason: number): void {
  if (!Number.isInteger(mode) || mode < MigrateMode.ASYNC || mode > MigrateMode.SYNC_NO_COPY) {
    throw new KernelError('EINVAL', `migrate mode ${mode} is not one of MIGRATE_ASYNC (0), MIGRATE_SYNC_LIGHT (1), MIGRATE_SYNC (2), MIGRATE_SYNC_NO_COPY (3)`);
  }
  if (!Number.isInteger(reason) || reason < MigrateReason.MR_COMPACTION || reason > MigrateReason.MR_DEMOTION) {
    throw new KernelError('EINVAL', `migrate reason ${reason} is not one of MR_COMPACTION (0) … MR_DEMOTION (8)`);
  }
}

/**
 * The page-migration service of a kernel: movable_operations for drivers, isolation and putback,
 * and migrate_pages() (mm/migrate.c).
 */
export class Migration {
  readonly env: MigrationEnv;
  readonly isolation: MovableIsolation;
  readonly engine: MigratePages;

  constructor(deps: MigrationDeps) {
    const env = deps instanceof MigrationServices ? deps : new MigrationServices(deps);
    this.env = env;
    this.isolation = new MovableIsolation(env);
    this.engine = new MigratePages(env);
  }

  get movable() {
    return this.env.movable;
  }

  /** A new, empty migration list. */
  newList(): FolioList {
    return new FolioList(this.env);
  }

  /** isolate_movable_page(): 0 or -EBUSY. */
  isolateMovablePage(pfn: number, mode = 0): number {
    return this.isolation.isolateMovablePage(pfn, mode);
  }

  /** putback_movable_pages() */
  putbackMovablePages(list: FolioList): void {
    this.isolation.putbackMovablePages(list.head);
  }

  /**
   * migrate_pages(list, get_new_folio, put_new_folio, mode, reason, private). Folios left on
   * `list` afterwards failed; call putbackMovablePages(list) iff `ret !== 0`. `priv` is handed to
   * every getNewFolio/putNewFolio call, like the kernel's `private`.
   */
  migratePages(list: FolioList, getNewFolio: GetNewFolio, putNewFolio: PutNewFolio | undefined, mode: MigrateMode, reason: MigrateReason, priv?: unknown): MigratePagesResult {
    checkModeReason(mode, reason);
    if (typeof getNewFolio !== 'function') throw new KernelError('EINVAL', 'migratePages() needs a getNewFolio(src) function that returns a destination pfn or -1');
    return this.engine.migratePages(list.head, getNewFolio, putNewFolio, mode, reason, priv);
  }

  /** alloc_migration_target() as a get_new_folio callback. */
  targetAllocator(mtc: MigrationTargetControl): GetNewFolio {
    const target = this.target(mtc);
    return (src) => allocMigrationTargetFolio(src, target);
  }

  /**
   * migrate_pages(list, alloc_migration_target, NULL, mode, reason, &mtc): the hot-path form of
   * targetAllocator() for the kernel's own callers (see allocMigrationTargetFolio).
   */
  migratePagesToTarget(list: FolioList, mtc: MigrationTargetControl, mode: MigrateMode, reason: MigrateReason): MigratePagesResult {
    return this.migratePages(list, allocMigrationTargetFolio, undefined, mode, reason, this.target(mtc));
  }

  /** The `private` of alloc_migration_target for `mtc`, whose node must exist (-1: the source's). */
  private target(mtc: MigrationTargetControl): MigrationTarget {
    if (mtc.nid >= 0) this.env.mem.checkNid(mtc.nid);
    return new MigrationTarget(this.env, mtc);
  }
}
