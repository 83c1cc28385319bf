import { type Page, PG_isolated, type MigrateMode } from '@mmsim/core';
import { Refpool } from '../../reference-driver/refpool';
import { makeRefpoolDriver } from '../../reference-driver/refpool-driver';
import { RefpoolMovableOps } from '../../reference-driver/refpool-movable-ops';

/**
 * Variants of the refpool reference driver, each with exactly one bug of the movable_operations
 * contract (kernel.md §4.1–4.2). The `rule` is the id the core's check reports; `during` is the
 * phase of DriverTester's invalid scenario that reaches the bug.
 */

/** D2: isolate_page() must return with the page still locked. */
class UnlocksInIsolate extends RefpoolMovableOps {
  override isolatePage(page: Page, mode: number): boolean {
    const ok = super.isolatePage(page, mode);
    this.pool.deps.locks.unlockPage(page.pfn);
    return ok;
  }
}

/** M4: only the core sets PG_isolated (it aliases PG_reclaim). */
class SetsPgIsolated extends RefpoolMovableOps {
  override isolatePage(page: Page, mode: number): boolean {
    page.frames.setFlag(page.pfn, PG_isolated);
    return super.isolatePage(page, mode);
  }
}

/** D3: success without __ClearPageMovable(src) (the pool's reference on src is still dropped). */
class KeepsSrcMovable extends RefpoolMovableOps {
  protected override releaseSrc(src: Page): void {
    src.put();
  }
}

/** D3: success without get_page(dst): the core's folio_put(dst) would free a page the pool uses. */
class ForgetsDstReference extends RefpoolMovableOps {
  protected override takeDstReference(_dst: Page): void {}
}

/** M6: the core owns src->lru of an isolated page; this driver unlinks it. */
class TouchesSrcLru extends RefpoolMovableOps {
  override migratePage(dst: Page, src: Page, mode: MigrateMode): number {
    this.pool.deps.mem.lists.del(src.pfn);
    return super.migratePage(dst, src, mode);
  }
}

/** M7: src and dst stay locked across migrate_page(). */
class UnlocksSrcInMigrate extends RefpoolMovableOps {
  override migratePage(dst: Page, src: Page, mode: MigrateMode): number {
    const rc = super.migratePage(dst, src, mode);
    this.pool.deps.locks.unlockPage(src.pfn);
    return rc;
  }
}

/** D4: putback_page() must not free the page; this one drops the pool's reference. */
class FreesInPutback extends RefpoolMovableOps {
  override putbackPage(page: Page): void {
    super.putbackPage(page);
    page.put();
  }
}

/** D3 / F21: migrate_page() returns 0 or a negative errno; 1 is MIGRATEPAGE_UNMAP, internal. */
class ReturnsPositive extends RefpoolMovableOps {
  override migratePage(dst: Page, src: Page, mode: MigrateMode): number {
    const rc = super.migratePage(dst, src, mode);
    return rc === 0 ? 1 : rc;
  }
}

/** D5: frees an empty page without __ClearPageMovable() first. */
class FreesOwnedMovable extends Refpool {
  protected override releasePage(pfn: number): void {
    if (this.isolated.delete(pfn)) this.isolatedCount--;
    this.pages.delete(pfn);
    this.deps.alloc.putPage(pfn);
  }
}

/** M2: __SetPageMovable() without holding the page lock. */
class SetsMovableUnlocked extends Refpool {
  protected override setMovable(pfn: number): void {
    this.deps.movable.setPageMovable(pfn, this.entry);
  }
}

/** The broken drivers and what the core must say about each. */
export const BROKEN_DRIVERS = [
  { bug: 'unlocks the page in isolate_page', rule: 'D2', during: 'isolate', driver: makeRefpoolDriver({ name: 'refpool-unlocks-in-isolate', makeOps: (p) => new UnlocksInIsolate(p) }) },
  { bug: 'sets PG_isolated itself', rule: 'M4', during: 'isolate', driver: makeRefpoolDriver({ name: 'refpool-sets-pg-isolated', makeOps: (p) => new SetsPgIsolated(p) }) },
  { bug: 'forgets clearPageMovable(src) on success', rule: 'D3', during: 'migrate', driver: makeRefpoolDriver({ name: 'refpool-keeps-src-movable', makeOps: (p) => new KeepsSrcMovable(p) }) },
  { bug: 'forgets get_page(dst)', rule: 'D3', during: 'migrate', driver: makeRefpoolDriver({ name: 'refpool-forgets-dst-ref', makeOps: (p) => new ForgetsDstReference(p) }) },
  { bug: 'touches src->lru in migrate_page', rule: 'M6', during: 'migrate', driver: makeRefpoolDriver({ name: 'refpool-touches-src-lru', makeOps: (p) => new TouchesSrcLru(p) }) },
  { bug: 'unlocks src in migrate_page', rule: 'M7', during: 'migrate', driver: makeRefpoolDriver({ name: 'refpool-unlocks-src', makeOps: (p) => new UnlocksSrcInMigrate(p) }) },
  { bug: 'frees the page in putback_page', rule: 'D4', during: 'putback', driver: makeRefpoolDriver({ name: 'refpool-frees-in-putback', makeOps: (p) => new FreesInPutback(p) }) },
  { bug: 'frees a page it still owns without clearPageMovable', rule: 'D5', during: 'free', driver: makeRefpoolDriver({ name: 'refpool-frees-owned', makePool: (...a) => new FreesOwnedMovable(...a) }) },
  { bug: 'setPageMovable without the page lock', rule: 'M2', during: 'setup', driver: makeRefpoolDriver({ name: 'refpool-movable-unlocked', makePool: (...a) => new SetsMovableUnlocked(...a) }) },
  { bug: 'returns a positive number from migrate_page', rule: 'D3', during: 'migrate', driver: makeRefpoolDriver({ name: 'refpool-returns-positive', makeOps: (p) => new ReturnsPositive(p) }) },
] as const;
