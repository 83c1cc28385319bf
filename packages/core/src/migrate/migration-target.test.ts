import { KernelError } from '../errors';
import { GFP_HIGHUSER_MOVABLE, __GFP_THISNODE } from '../zone/gfp';
import { bootMigration } from './__fixtures__/migration-kernel';
import { PoolDriver } from './__fixtures__/pool-driver';
import { MigrateMode, MigrateReason } from './migrate-mode';

function setup(n: number) {
  const k = bootMigration();
  const pool = new PoolDriver(k);
  const pfns = Array.from({ length: n }, (_, i) => pool.addPage(0x20 + i, 0));
  const list = k.migration.newList();
  for (const pfn of pfns) {
    expect(k.migration.isolateMovablePage(pfn)).toBe(0);
    list.add(pfn);
  }
  return { ...k, pool, pfns, list };
}

describe('migrate_pages(…, private): the private argument and alloc_migration_target', () => {
  it('hands `priv` to every getNewFolio and putNewFolio call, as the kernel passes private', () => {
    const k = setup(2);
    const priv = { node: 1 };
    const seen: unknown[] = [];
    const target = k.migration.targetAllocator({ nid: 1, gfpMask: GFP_HIGHUSER_MOVABLE | __GFP_THISNODE });
    const getNew = (src: number, p?: unknown) => {
      seen.push(p);
      return target(src);
    };
    const res = k.migration.migratePages(k.list, getNew, undefined, MigrateMode.SYNC, MigrateReason.MR_SYSCALL, priv);
    expect(res).toMatchObject({ ret: 0, succeeded: 2 });
    expect(seen).toEqual([priv, priv]);
    k.list.release();
  });

  it('gives an unused destination back through putNewFolio with the same `priv`', () => {
    const k = setup(1);
    k.pool.migrateResult = -16; // -EBUSY from the driver: a permanent failure, the destination is unused
    const priv = Symbol('private');
    const target = k.migration.targetAllocator({ nid: 1, gfpMask: GFP_HIGHUSER_MOVABLE | __GFP_THISNODE });
    const puts: [number, unknown][] = [];
    const putNew = (dst: number, p?: unknown) => {
      puts.push([dst, p]);
      k.alloc.putPage(dst);
    };
    const res = k.migration.migratePages(k.list, (src) => target(src), putNew, MigrateMode.SYNC, MigrateReason.MR_SYSCALL, priv);
    expect(res.ret).toBe(1);
    // One unused destination per attempt: the ASYNC batch, then migrate_pages_sync()'s retry.
    expect(puts).toHaveLength(2);
    for (const [, p] of puts) expect(p).toBe(priv);
    k.migration.putbackMovablePages(k.list);
    k.list.release();
  });

  it('migratePagesToTarget() moves the list to the target node and refuses a node that does not exist', () => {
    const k = setup(3);
    expect(() => k.migration.migratePagesToTarget(k.list, { nid: 7, gfpMask: GFP_HIGHUSER_MOVABLE }, MigrateMode.SYNC, MigrateReason.MR_SYSCALL))
      .toThrow(KernelError);
    expect(k.list.length).toBe(3); // nothing was touched
    const res = k.migration.migratePagesToTarget(k.list, { nid: 1, gfpMask: GFP_HIGHUSER_MOVABLE | __GFP_THISNODE }, MigrateMode.SYNC, MigrateReason.MR_SYSCALL);
    expect(res).toMatchObject({ ret: 0, succeeded: 3 });
    for (const pfn of k.pool.pages.keys()) expect(k.mem.pageZone(pfn).nid).toBe(1);
    k.list.release();
  });
});
