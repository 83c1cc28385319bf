import assert from 'node:assert/strict';
import { MigrateMode } from '@mmsim/core';
import { type CaseFactory, type ConformanceCase, MODE_NAMES } from './conformance-case';
import type { DriverSession, MigrationTarget } from './session';

/**
 * Isolates `n` populated pages, migrates them in `mode` to `target` and checks what migrate_pages()
 * promises for movable_ops pages (F1, F5, F6, F15; D3, M8): all succeed, bytes identical on the
 * destination, destinations movable and owned by the driver, sources freed, counters right.
 */
export function migrateAndCheck(s: DriverSession, n: number, mode: MigrateMode, target: MigrationTarget): Map<number, number> {
  const pfns = s.populate(n);
  const bytes = new Map(pfns.map((pfn) => [pfn, s.bytes(pfn)]));
  const inUse = s.pagesInUse();
  const success = s.counter('pgmigrate_success');
  const list = s.isolate(pfns);
  const { res, moved } = s.migrate(list, mode, target);
  assert.deepEqual({ ret: res.ret, succeeded: res.succeeded }, { ret: 0, succeeded: n }, `migrate_pages(${MODE_NAMES[mode]}) did not migrate every page`);
  assert.equal(list.isEmpty, true, 'migrated pages must leave the list');
  list.release();
  for (const src of pfns) {
    const dst = moved.get(src);
    assert.ok(dst !== undefined, `no destination recorded for 0x${src.toString(16)}`);
    assert.equal(s.nid(dst), s.targetNid(src, target), 'destination on the wrong node');
    assert.equal(s.spy.of('migrate', src).length, 1, `migrate_page() must be called once for 0x${src.toString(16)}`);
    assert.deepEqual(s.bytes(dst), bytes.get(src), `bytes of 0x${src.toString(16)} differ on the destination 0x${dst.toString(16)}`);
    assert.equal(s.kernel.migration.movable.opsOf(dst), s.entry, 'the destination must be movable with the driver\'s ops (D3)');
    assert.equal(s.isIsolated(dst), false);
    assert.equal(s.isLocked(dst), false);
    assert.ok(s.refcount(dst) >= 1, 'the driver must hold a reference on the destination (D3: get_page)');
    assert.equal(s.refcount(src), 0, `source 0x${src.toString(16)} was not freed (refcount ${s.refcount(src)})`);
    assert.equal(s.isIsolated(src), false);
  }
  assert.equal(s.counter('pgmigrate_success') - success, n, 'pgmigrate_success must count every migrated page');
  assert.equal(s.pagesInUse(), inUse, 'pages in use changed: sources not freed or destinations leaked');
  s.assertNrIsolatedUnchanged();
  s.assertBuddyClean();
  s.verify();
  return moved;
}

const MODES = [MigrateMode.ASYNC, MigrateMode.SYNC_LIGHT, MigrateMode.SYNC] as const;

/** Successful migration in every mode, across nodes and within a node (D7). */
export const migrationCases: CaseFactory = (_harness, nrNodes) => {
  const targets: ('other-node' | 'same-node')[] = nrNodes > 1 ? ['other-node', 'same-node'] : ['same-node'];
  return MODES.flatMap((mode) => targets.map((target): ConformanceCase => ({
    group: 'migration',
    name: `${MODE_NAMES[mode]} to ${target === 'other-node' ? 'another node' : 'the same node'}: every page moves with its bytes, sources are freed, pgmigrate_success counts, NR_ISOLATED unchanged`,
    run(s, { pages }) {
      const moved = migrateAndCheck(s, pages, mode, target);
      // The destinations are ordinary driver pages: they migrate again.
      const back = s.isolate([...moved.values()]);
      const again = s.migrate(back, mode, target);
      assert.deepEqual(again.res.ret, 0, 'migrated pages must be migratable again');
      back.release();
      s.verify();
    },
  })));
};

/**
 * -EAGAIN storms (F2, F3, D3, D7): while the driver is contended every mode retries — 10 ASYNC
 * passes, or 3 ASYNC then 7 in the caller's mode — and the page fails, stays isolated on the
 * list; putback restores it and a later uncontended migration succeeds.
 */
export const stormCases: CaseFactory = (harness) => {
  if (!harness.contend) return [];
  return MODES.map((mode): ConformanceCase => ({
    group: '-EAGAIN storms',
    name: `${MODE_NAMES[mode]} under contention: ${mode === MigrateMode.ASYNC ? '10 ASYNC calls' : `3 ASYNC + 7 ${MODE_NAMES[mode].slice(8)} calls`} per page, then failure; putback restores; later migration succeeds`,
    run(s, { pages }) {
      const pfns = s.populate(pages);
      const bytes = pfns.map((pfn) => s.bytes(pfn));
      const fail = s.counter('pgmigrate_fail');
      const list = s.isolate(pfns);
      const release = harness.contend!(s.kernel);
      const { res } = s.migrate(list, mode);
      const expected = mode === MigrateMode.ASYNC ? Array<number>(10).fill(MigrateMode.ASYNC) : [...Array<number>(3).fill(MigrateMode.ASYNC), ...Array<number>(7).fill(mode)];
      for (const pfn of pfns) {
        const calls = s.spy.of('migrate', pfn);
        assert.deepEqual(calls.map((c) => c.mode), expected, `driver calls for 0x${pfn.toString(16)} (modes)`);
        assert.ok(calls.every((c) => c.result === -11), 'a contended migrate_page() must return -EAGAIN');
        assert.equal(s.isIsolated(pfn), true);
      }
      assert.deepEqual({ ret: res.ret, succeeded: res.succeeded }, { ret: pages, succeeded: 0 });
      assert.equal(s.counter('pgmigrate_fail') - fail, pages);
      assert.deepEqual([...list.pfns()].sort(), [...pfns].sort(), 'failed pages stay on the list');
      s.assertNrIsolatedUnchanged();
      s.verify();
      release();
      s.kernel.migration.putbackMovablePages(list);
      pfns.forEach((pfn, i) => {
        assert.equal(s.isIsolated(pfn), false);
        assert.equal(s.kernel.migration.movable.opsOf(pfn), s.entry);
        assert.deepEqual(s.bytes(pfn), bytes[i]);
      });
      s.verify();
      s.spy.clear();
      s.isolate(pfns, list);
      const after = s.migrate(list, mode);
      assert.deepEqual({ ret: after.res.ret, succeeded: after.res.succeeded }, { ret: 0, succeeded: pages });
      pfns.forEach((pfn, i) => assert.deepEqual(s.bytes(after.moved.get(pfn)!), bytes[i]));
      list.release();
      s.assertBuddyClean();
      s.verify();
    },
  }));
};
