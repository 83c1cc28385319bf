import { Errno } from '../../errors';
import { GFP_HIGHUSER_MOVABLE } from '../../zone/gfp';
import type { Page } from '../../mem/page';
import type { MovableOperations, MovableOpsEntry } from '../movable-ops';
import { MigrateMode } from '../migrate-mode';
import type { bootMigration } from './migration-kernel';

type Kernel = ReturnType<typeof bootMigration>;

/**
 * A minimal well-behaved movable_operations driver: a pool of pages, each holding one object
 * whose bytes must survive migration. Behaviour can be bent per test (`refuseIsolation`,
 * `migrateResult`) to drive the engine through its error paths.
 */
export class PoolDriver implements MovableOperations {
  readonly entry: MovableOpsEntry;
  /** pfn → object id. */
  readonly pages = new Map<number, number>();
  isolated = 0;
  readonly calls: { op: string; pfn: number; mode?: number }[] = [];
  refuseIsolation = false;
  /** What migratePage returns instead of migrating (undefined: migrate). */
  migrateResult: number | undefined;

  constructor(private readonly k: Kernel, name = 'pool') {
    this.entry = k.env.movable.register(name, this);
  }

  /** Allocates a page, writes `fill` into it and makes it movable (under the page lock, D1). */
  addPage(fill: number, nid = 0): number {
    const pfn = this.k.alloc.allocPagesPfn(GFP_HIGHUSER_MOVABLE, 0, nid);
    if (pfn < 0) throw new Error('pool: out of memory');
    this.k.mem.content.write(pfn, 0, new Uint8Array(64).fill(fill));
    this.k.locks.trylockPage(pfn);
    this.k.env.movable.setPageMovable(pfn, this.entry);
    this.k.locks.unlockPage(pfn);
    this.pages.set(pfn, fill);
    return pfn;
  }

  /** Frees a page the pool owns (clearing movability first, D5). */
  removePage(pfn: number): void {
    this.k.locks.trylockPage(pfn);
    this.k.env.movable.clearPageMovable(pfn);
    this.k.locks.unlockPage(pfn);
    this.pages.delete(pfn);
    this.k.alloc.putPage(pfn);
  }

  isolatePage(page: Page, mode: number): boolean {
    this.calls.push({ op: 'isolate', pfn: page.pfn, mode });
    if (this.refuseIsolation) return false;
    this.isolated++;
    return true;
  }

  migratePage(dst: Page, src: Page, mode: MigrateMode): number {
    this.calls.push({ op: 'migrate', pfn: src.pfn, mode });
    if (this.migrateResult !== undefined) return this.migrateResult;
    if (mode === MigrateMode.SYNC_NO_COPY) return -Errno.EINVAL;
    this.k.mem.content.copy(dst.pfn, src.pfn);
    this.k.env.movable.setPageMovable(dst.pfn, this.entry);
    dst.get();
    this.pages.set(dst.pfn, this.pages.get(src.pfn)!);
    this.pages.delete(src.pfn);
    this.k.env.movable.clearPageMovable(src.pfn);
    this.isolated--;
    src.put(); // the pool's own reference moves to dst
    return 0;
  }

  putbackPage(page: Page): void {
    this.calls.push({ op: 'putback', pfn: page.pfn });
    this.isolated--;
  }
}
