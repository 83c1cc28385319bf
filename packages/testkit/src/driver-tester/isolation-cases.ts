import assert from 'node:assert/strict';
import { Errno } from '@mmsim/core';
import type { CaseFactory } from './conformance-case';

/**
 * isolate_movable_page() and putback_movable_pages() against the driver (mm/migrate.c, F13/F14;
 * contract D2, D4, M4, M5, M7, M8).
 */
export const isolationCases: CaseFactory = () => [
  {
    group: 'isolation',
    name: 'isolate_movable_page() returns 0, sets PG_isolated, keeps one reference and leaves the page unlocked (D2, M4, M5)',
    run(s, { pages }) {
      const pfns = s.populate(pages);
      const refs = pfns.map((pfn) => s.refcount(pfn));
      const list = s.isolate(pfns);
      pfns.forEach((pfn, i) => {
        assert.equal(s.isIsolated(pfn), true, `page 0x${pfn.toString(16)} is not PG_isolated after isolation`);
        assert.equal(s.refcount(pfn), refs[i]! + 1, `isolation must keep exactly one extra reference on 0x${pfn.toString(16)}`);
        assert.equal(s.isLocked(pfn), false, `page 0x${pfn.toString(16)} is still locked after isolation`);
        assert.equal(s.spy.of('isolate', pfn).length, 1, 'isolate_page() must be called once per isolation');
      });
      s.verify(); // the driver's lists must agree that these pages are isolated
      s.assertNrIsolatedUnchanged();
      s.kernel.migration.putbackMovablePages(list);
      list.release();
    },
  },
  {
    group: 'isolation',
    name: 'a second isolation of an isolated page returns -EBUSY without calling the driver or changing the page (M4)',
    run(s, { pages }) {
      const pfns = s.populate(pages);
      const list = s.isolate(pfns);
      const refs = pfns.map((pfn) => s.refcount(pfn));
      s.spy.clear();
      for (const [i, pfn] of pfns.entries()) {
        assert.equal(s.kernel.migration.isolateMovablePage(pfn), -Errno.EBUSY);
        assert.equal(s.refcount(pfn), refs[i]);
        assert.equal(s.isIsolated(pfn), true);
        assert.equal(s.isLocked(pfn), false);
      }
      assert.deepEqual(s.spy.calls, [], 'the core must not call isolate_page() on a PG_isolated page');
      s.verify();
      s.kernel.migration.putbackMovablePages(list);
      list.release();
    },
  },
  {
    group: 'putback',
    name: 'putback_movable_pages() calls putback_page(), clears PG_isolated, restores the refcount, and the page can be isolated again (D4)',
    run(s, { pages }) {
      const pfns = s.populate(pages);
      const refs = pfns.map((pfn) => s.refcount(pfn));
      const bytes = pfns.map((pfn) => s.bytes(pfn));
      const list = s.isolate(pfns);
      s.kernel.migration.putbackMovablePages(list);
      assert.equal(list.isEmpty, true);
      pfns.forEach((pfn, i) => {
        assert.equal(s.spy.of('putback', pfn).length, 1, `putback_page() not called for 0x${pfn.toString(16)}`);
        assert.equal(s.isIsolated(pfn), false);
        assert.equal(s.isLocked(pfn), false);
        assert.equal(s.refcount(pfn), refs[i], `refcount of 0x${pfn.toString(16)} not restored by putback`);
        assert.equal(s.kernel.migration.movable.opsOf(pfn), s.entry, 'a put-back page must still be movable with the driver\'s ops');
        assert.deepEqual(s.bytes(pfn), bytes[i]);
      });
      s.verify();
      s.assertNrIsolatedUnchanged();
      s.isolate(pfns, list); // usable again: the driver took it back on its lists
      s.verify();
      s.kernel.migration.putbackMovablePages(list);
      list.release();
      s.verify();
    },
  },
];
