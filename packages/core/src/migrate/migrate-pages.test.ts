import { Errno } from '../errors';
import { tpPrintk } from '../events/ftrace-format';
import { PG_isolated } from '../mem/page-flags';
import { NodeStat } from '../stat/vmstat-items';
import { checkBuddy } from '../zone/check-buddy';
import { GFP_HIGHUSER_MOVABLE, __GFP_THISNODE } from '../zone/gfp';
import { bootMigration } from './__fixtures__/migration-kernel';
import { PoolDriver } from './__fixtures__/pool-driver';
import { MigrateMode, MigrateReason } from './migrate-mode';

function setup(n = 4) {
  const k = bootMigration();
  const pool = new PoolDriver(k);
  const pfns = Array.from({ length: n }, (_, i) => pool.addPage(0x10 + i, 0));
  const toNode1 = k.migration.targetAllocator({ nid: 1, gfpMask: GFP_HIGHUSER_MOVABLE | __GFP_THISNODE });
  const isolateAll = () => {
    const list = k.migration.newList();
    for (const pfn of pfns) {
      expect(k.migration.isolateMovablePage(pfn)).toBe(0);
      list.add(pfn);
    }
    return list;
  };
  const isolatedNr = () => k.mem.nodes.reduce((n, node) => n + node.vmStat[NodeStat.NR_ISOLATED_ANON]! + node.vmStat[NodeStat.NR_ISOLATED_FILE]!, 0);
  return { ...k, pool, pfns, toNode1, isolateAll, isolatedNr };
}

describe('migrate_pages on movable_operations pages (mm/migrate.c)', () => {
  it('moves every page to the target node with its bytes, frees the old pages and counts pgmigrate_success', () => {
    const k = setup(4);
    const list = k.isolateAll();
    expect(k.pool.isolated).toBe(4);
    const res = k.migration.migratePages(list, k.toNode1, undefined, MigrateMode.SYNC, MigrateReason.MR_SYSCALL);
    expect(res).toMatchObject({ ret: 0, succeeded: 4 });
    expect(list.isEmpty).toBe(true);
    expect(k.pool.isolated).toBe(0);
    for (const [pfn, fill] of k.pool.pages) {
      expect(k.mem.pageZone(pfn).nid).toBe(1);
      expect(Array.from(k.mem.content.read(pfn, 0, 4))).toEqual([fill, fill, fill, fill]);
      expect(k.env.movable.pageMovable(pfn)).toBe(true);
      expect(k.mem.frames.refcount[pfn]).toBe(1); // only the pool's reference
      expect(k.mem.frames.testFlag(pfn, PG_isolated)).toBe(false);
    }
    k.alloc.drainAllPages();
    for (const old of k.pfns) expect(k.mem.frames.refcount[old]).toBe(0); // back in the allocator
    expect(checkBuddy(k.mem).census.reduce((n, z) => n + z.inUse, 0)).toBe(4);
    expect(k.vmstat.snapshot(k.mem)).toMatchObject({ pgmigrate_success: 4, pgmigrate_fail: 0 });
    expect(checkBuddy(k.mem).problems).toEqual([]);
    list.release();
  });

  it('seed regression: after a successful migration the old page is released with put_page, not put back', () => {
    const k = setup(1);
    const list = k.isolateAll();
    k.migration.migratePages(list, k.toNode1, undefined, MigrateMode.ASYNC, MigrateReason.MR_COMPACTION);
    expect(k.pool.calls.map((c) => c.op)).toEqual(['isolate', 'migrate']);
    expect(k.mem.frames.refcount[k.pfns[0]!]).toBe(0);
    k.alloc.drainAllPages();
    expect(checkBuddy(k.mem).census.reduce((n, z) => n + z.inUse, 0)).toBe(1);
  });

  it('seed regression: NR_ISOLATED_* never counts non-LRU movable pages (M8)', () => {
    const k = setup(3);
    const list = k.isolateAll();
    expect(k.isolatedNr()).toBe(0);
    k.pool.migrateResult = -Errno.EBUSY;
    const res = k.migration.migratePages(list, k.toNode1, undefined, MigrateMode.SYNC, MigrateReason.MR_COMPACTION);
    expect(res.ret).toBe(3);
    expect(k.isolatedNr()).toBe(0);
    k.migration.putbackMovablePages(list);
    expect(k.isolatedNr()).toBe(0);
    expect(k.pool.isolated).toBe(0);
  });

  it.each([
    ['MIGRATE_ASYNC', MigrateMode.ASYNC, 10, ['ASYNC x10']],
    ['MIGRATE_SYNC_LIGHT', MigrateMode.SYNC_LIGHT, 10, ['ASYNC x3', 'SYNC_LIGHT x7']],
    ['MIGRATE_SYNC', MigrateMode.SYNC, 10, ['ASYNC x3', 'SYNC x7']],
  ])('an -EAGAIN storm in %s (mode %i): %i driver calls %p, then one failure', (_name, mode, calls, shape) => {
    const k = setup(1);
    const list = k.isolateAll();
    k.pool.migrateResult = -Errno.EAGAIN;
    const res = k.migration.migratePages(list, k.toNode1, undefined, mode, MigrateReason.MR_COMPACTION);
    const migrates = k.pool.calls.filter((c) => c.op === 'migrate');
    expect(migrates).toHaveLength(calls);
    const names = ['ASYNC', 'SYNC_LIGHT', 'SYNC'];
    const runs: string[] = [];
    for (const c of migrates) {
      const label = names[c.mode!]!;
      const last = runs[runs.length - 1];
      if (last?.startsWith(label + ' x')) runs[runs.length - 1] = `${label} x${Number(last.split('x')[1]) + 1}`;
      else runs.push(`${label} x1`);
    }
    expect(runs).toEqual(shape);
    expect(res).toMatchObject({ ret: 1, succeeded: 0 });
    expect(k.vmstat.snapshot(k.mem)).toMatchObject({ pgmigrate_fail: 1 });
    // The folio stays on the list, destinations were given back.
    expect(list.pfns()).toEqual(k.pfns);
    k.migration.putbackMovablePages(list);
    expect(k.pool.calls.at(-1)).toEqual({ op: 'putback', pfn: k.pfns[0] });
    k.alloc.drainAllPages();
    expect(checkBuddy(k.mem).census.reduce((n, z) => n + z.inUse, 0)).toBe(1);
  });

  it('a permanent error is not retried: one call, the page is put back by the caller', () => {
    const k = setup(2);
    const list = k.isolateAll();
    k.pool.migrateResult = -Errno.EBUSY;
    const res = k.migration.migratePages(list, k.toNode1, undefined, MigrateMode.ASYNC, MigrateReason.MR_COMPACTION);
    expect(res.ret).toBe(2);
    expect(k.pool.calls.filter((c) => c.op === 'migrate')).toHaveLength(2);
    k.migration.putbackMovablePages(list);
    expect(k.pool.isolated).toBe(0);
    for (const pfn of k.pfns) expect(k.env.movable.pageMovable(pfn)).toBe(true);
  });

  it('-ENOMEM from get_new_folio stops the whole migration', () => {
    const k = setup(3);
    const list = k.isolateAll();
    let n = 0;
    const res = k.migration.migratePages(list, (src) => (n++ < 1 ? k.toNode1(src) : -1), undefined, MigrateMode.ASYNC, MigrateReason.MR_SYSCALL);
    expect(res.ret).toBe(-Errno.ENOMEM);
    expect(res.succeeded).toBe(1);
    expect(list.length).toBe(2);
    k.migration.putbackMovablePages(list);
  });

  it('a page its driver released after isolation migrates without calling the driver (M3)', () => {
    const k = setup(1);
    const list = k.isolateAll();
    const pfn = k.pfns[0]!;
    k.locks.trylockPage(pfn);
    k.env.movable.clearPageMovable(pfn);
    k.locks.unlockPage(pfn);
    k.alloc.putPage(pfn); // the pool lets go of it
    const res = k.migration.migratePages(list, k.toNode1, undefined, MigrateMode.SYNC, MigrateReason.MR_COMPACTION);
    expect(res).toMatchObject({ ret: 0, succeeded: 1 });
    expect(k.pool.calls.filter((c) => c.op === 'migrate')).toHaveLength(0);
    expect(k.mem.frames.refcount[pfn]).toBe(0);
  });

  it('emits mm_migrate_pages with the kernel fields', () => {
    const k = setup(2);
    const seen: unknown[] = [];
    k.events.on('mm_migrate_pages', (e) => seen.push(e));
    k.migration.migratePages(k.isolateAll(), k.toNode1, undefined, MigrateMode.SYNC, MigrateReason.MR_SYSCALL);
    expect(seen).toEqual([{ succeeded: 2, failed: 0, thp_succeeded: 0, thp_failed: 0, thp_split: 0, mode: MigrateMode.SYNC, reason: MigrateReason.MR_SYSCALL }]);
    expect(tpPrintk('mm_migrate_pages', seen[0] as never)).toBe('nr_succeeded=2 nr_failed=0 nr_thp_succeeded=0 nr_thp_failed=0 nr_thp_split=0 mode=MIGRATE_SYNC reason=syscall_or_cpuset');
    expect(tpPrintk('mm_migrate_pages_start', { mode: MigrateMode.ASYNC, reason: MigrateReason.MR_COMPACTION })).toBe('mode=MIGRATE_ASYNC reason=compaction');
  });

  it('batches large lists by NR_MAX_BATCHED_MIGRATION and migrates them all', () => {
    const k = setup(1200);
    const res = k.migration.migratePages(k.isolateAll(), k.toNode1, undefined, MigrateMode.ASYNC, MigrateReason.MR_COMPACTION);
    expect(res).toMatchObject({ ret: 0, succeeded: 1200 });
    k.alloc.drainAllPages();
    expect(checkBuddy(k.mem).problems).toEqual([]);
  });

  it('rejects bad arguments with EINVAL', () => {
    const k = setup(1);
    const list = k.migration.newList();
    expect(() => k.migration.migratePages(list, k.toNode1, undefined, 7 as MigrateMode, MigrateReason.MR_SYSCALL)).toThrow(/migrate mode 7/);
    expect(() => k.migration.migratePages(list, k.toNode1, undefined, MigrateMode.SYNC, 42 as MigrateReason)).toThrow(/migrate reason 42/);
    expect(() => k.migration.targetAllocator({ nid: 5, gfpMask: 0 })).toThrow(/node 5/);
  });
});
