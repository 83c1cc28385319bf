import { Errno, MigrateMode, type MovableOperations, type Page } from '@mmsim/core';
import type { Refpool } from './refpool';

/**
 * refpool's movable_operations (include/linux/migrate.h; modelled on mm/zsmalloc.c
 * zs_page_isolate/zs_page_migrate/zs_page_putback and mm/balloon_compaction.c), following the
 * contract of kernel.md §4.2. Methods are small and protected-overridable so test fixtures can
 * derive one-bug variants.
 */
export class RefpoolMovableOps implements MovableOperations {
  constructor(protected readonly pool: Refpool) {}

  /**
   * D2: called with the page locked; take the page off the pool's list and count it isolated.
   * Never unlock, never touch PG_isolated (M4, M7). A page the pool does not know is refused.
   */
  isolatePage(page: Page, _mode: number): boolean {
    const meta = this.pool.pages.get(page.pfn);
    if (!meta) return false;
    this.pool.pages.delete(page.pfn);
    this.pool.isolated.set(page.pfn, meta);
    this.pool.isolatedCount++;
    return true;
  }

  /**
   * D3: src and dst are locked. Refuse MIGRATE_SYNC_NO_COPY with -EINVAL (D6, as zsmalloc and
   * balloon); return -EAGAIN while the pool mutex is held (D7, as virtio-balloon's trylock).
   * Otherwise copy the page, make dst movable, take the pool's reference on dst, re-point the
   * handles, put dst on the pool's list, __ClearPageMovable(src) and drop the pool's reference
   * on src. src->lru is never touched (M6).
   */
  migratePage(dst: Page, src: Page, mode: MigrateMode): number {
    if (mode === MigrateMode.SYNC_NO_COPY) return -Errno.EINVAL;
    if (this.pool.mutexHeld) return -Errno.EAGAIN;
    const meta = this.pool.isolated.get(src.pfn);
    if (!meta) return -Errno.EINVAL;
    const { content } = this.pool.deps.mem;
    content.copy(dst.pfn, src.pfn);
    this.pool.deps.movable.setPageMovable(dst.pfn, this.pool.entry);
    this.takeDstReference(dst);
    this.pool.rehome(src.pfn, dst.pfn);
    this.pool.isolated.delete(src.pfn);
    this.pool.isolatedCount--;
    this.pool.pages.set(dst.pfn, meta);
    this.releaseSrc(src);
    return 0;
  }

  /** D4: called with the page locked; back on the pool's list, isolation accounting undone. */
  putbackPage(page: Page): void {
    const meta = this.pool.isolated.get(page.pfn);
    if (!meta) return;
    this.pool.isolated.delete(page.pfn);
    this.pool.isolatedCount--;
    this.pool.pages.set(page.pfn, meta);
  }

  /** get_page(newpage): the core drops its allocation reference after a successful migration. */
  protected takeDstReference(dst: Page): void {
    dst.get();
  }

  /** __ClearPageMovable(src) (src is locked by the core), then put_page(src) for the pool's reference. */
  protected releaseSrc(src: Page): void {
    this.pool.deps.movable.clearPageMovable(src.pfn);
    src.put();
  }
}
