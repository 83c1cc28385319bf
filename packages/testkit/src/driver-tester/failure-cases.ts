import assert from 'node:assert/strict';
import { Errno, GFP_HIGHUSER_MOVABLE, MigrateMode, MigrateReason } from '@mmsim/core';
import type { CaseFactory, ConformanceCase } from './conformance-case';
import type { DriverSession } from './session';

/** get_new_folio() that finds no memory (the kernel's NULL). */
const noMemory = (): number => -1;

/**
 * The paths where migration does not happen (F2, F5, F6, F14; D4, D5, D6, M3): -ENOMEM from the
 * core's side, MIGRATE_SYNC_NO_COPY, and a page the driver freed after it was isolated.
 */
export const failureCases: CaseFactory = (harness) => {
  const cases: ConformanceCase[] = [
    {
      group: 'permanent failures',
      name: 'get_new_folio() returning NULL: -ENOMEM, the driver is not called, pages stay isolated on the list and putback restores them',
      run(s, { pages }) {
        const pfns = s.populate(pages);
        const bytes = pfns.map((pfn) => s.bytes(pfn));
        const list = s.isolate(pfns);
        const res = s.kernel.migration.migratePages(list, noMemory, undefined, MigrateMode.SYNC, MigrateReason.MR_COMPACTION);
        assert.equal(res.ret, -Errno.ENOMEM);
        assert.equal(res.succeeded, 0);
        assert.deepEqual(s.spy.of('migrate'), []);
        assert.deepEqual([...list.pfns()].sort(), [...pfns].sort());
        for (const pfn of pfns) assert.equal(s.isIsolated(pfn), true);
        s.verify();
        s.kernel.migration.putbackMovablePages(list);
        list.release();
        pfns.forEach((pfn, i) => {
          assert.equal(s.isIsolated(pfn), false);
          assert.equal(s.kernel.migration.movable.opsOf(pfn), s.entry);
          assert.deepEqual(s.bytes(pfn), bytes[i]);
        });
        s.assertNrIsolatedUnchanged();
        s.assertBuddyClean();
        s.verify();
      },
    },
    noCopyCase(harness.noCopy ?? 'einval'),
  ];
  if (harness.release) {
    const release = harness.release;
    cases.push({
      group: 'released pages',
      name: 'a page the driver frees after isolation migrates as success without a driver call and is freed (M3, D5)',
      run(s, { pages }) {
        const pfns = s.populate(pages);
        const [gone, ...kept] = pfns as [number, ...number[]];
        // The released page goes last, so no later destination can reuse its frame.
        const list = s.isolate([...kept, gone]);
        release(s.kernel, gone);
        assert.equal(s.kernel.migration.movable.opsOf(gone), undefined, 'release() must __ClearPageMovable the page (D5)');
        assert.equal(s.refcount(gone), 1, 'after release only the isolation reference may remain');
        s.verify();
        const { res } = s.migrate(list, MigrateMode.SYNC);
        assert.deepEqual({ ret: res.ret, succeeded: res.succeeded }, { ret: 0, succeeded: pages });
        assert.deepEqual(s.spy.of('migrate', gone), [], 'the driver must not be called for a page it released');
        assert.equal(s.spy.of('migrate').length, kept.length);
        assert.equal(s.refcount(gone), 0, 'the released page must be freed');
        assert.equal(s.isIsolated(gone), false);
        list.release();
        s.assertBuddyClean();
        s.verify();
      },
    });
  }
  return cases;
};

/**
 * D6: migrate_page() with MIGRATE_SYNC_NO_COPY. migrate_pages() never reaches a driver in that
 * mode first (its first 3 passes are ASYNC, F3), so the tester plays the core's
 * move_to_new_folio() step itself: both pages locked, src isolated, then the core's own checks.
 */
function noCopyCase(expect: 'einval' | 'migrates'): ConformanceCase {
  return {
    group: 'MIGRATE_SYNC_NO_COPY',
    name: expect === 'einval' ? 'migrate_page() refuses it with -EINVAL (permanent) and the page is put back intact (D6)' : 'migrate_page() migrates the page (D6)',
    run(s: DriverSession) {
      const k = s.kernel;
      const [src] = s.populate(1) as [number];
      const bytes = s.bytes(src);
      const list = s.isolate([src]);
      const dst = k.alloc.allocPagesPfn(GFP_HIGHUSER_MOVABLE, 0);
      assert.ok(dst >= 0);
      assert.ok(k.locks.trylockPage(src) && k.locks.trylockPage(dst));
      const rc = k.migration.engine.fm.moveToNewFolio(dst, src, MigrateMode.SYNC_NO_COPY);
      assert.deepEqual(s.spy.of('migrate').map((c) => c.mode), [MigrateMode.SYNC_NO_COPY]);
      k.locks.unlockPage(dst);
      if (expect === 'einval') {
        assert.equal(rc, -Errno.EINVAL, 'MIGRATE_SYNC_NO_COPY must be refused with -EINVAL');
        k.locks.unlockPage(src);
        k.alloc.putPage(dst);
        assert.equal(s.refcount(dst), 0);
        s.kernel.migration.putbackMovablePages(list);
        assert.equal(s.kernel.migration.movable.opsOf(src), s.entry);
        assert.deepEqual(s.bytes(src), bytes);
      } else {
        assert.equal(rc, 0, 'MIGRATE_SYNC_NO_COPY must migrate');
        // migrate_folio_move() after success: drop dst's allocation ref, take src off the list, free it.
        k.alloc.putPage(dst);
        k.mem.lists.del(src);
        k.locks.unlockPage(src);
        k.alloc.putPage(src);
        assert.equal(s.refcount(src), 0);
        assert.equal(s.kernel.migration.movable.opsOf(dst), s.entry);
      }
      list.release();
      assert.equal(s.isIsolated(src), false);
      s.assertBuddyClean();
      s.verify();
    },
  };
}
