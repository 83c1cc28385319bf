import assert from 'node:assert/strict';
import { Errno, MigrateMode } from '@mmsim/core';
import type { CaseFactory } from './conformance-case';
import type { DriverSession } from './session';

type Action = 'isolate' | 'reisolate' | 'migrate' | 'putback' | 'contend' | 'release';

/**
 * A seed-driven interleaving of isolate / migrate / putback (plus contention and releases when the
 * harness offers them) over many pages, drawn from the kernel's `driver-tester` random stream.
 * After every step: the driver's verify(), every live page's bytes, PG_isolated exactly on the
 * pages the tester holds, NR_ISOLATED unchanged (M8) and checkBuddy clean.
 */
export const interleavingCases: CaseFactory = (harness) => [{
  group: 'random interleaving',
  name: 'isolate / migrate / putback interleaved by the seed keep the driver and the kernel consistent',
  run(s, { pages, steps, seed }) {
    const rnd = s.kernel.random.stream('driver-tester');
    const n = pages * 2;
    /** Live pages and the bytes each must hold. */
    const live = new Map(s.populate(n).map((pfn) => [pfn, s.bytes(pfn)]));
    const held = s.kernel.migration.newList();
    let release: (() => void) | undefined;
    const actions: Action[] = ['isolate', 'isolate', 'reisolate', 'migrate', 'putback'];
    if (harness.contend) actions.push('contend');
    if (harness.release) actions.push('release');
    const trace: string[] = [];
    for (let step = 0; step < steps; step++) {
      const action = rnd.pick(actions);
      const isolated = held.pfns();
      const free = [...live.keys()].filter((pfn) => !isolated.includes(pfn));
      trace.push(action);
      const where = `seed ${String(seed)}, step ${step} (${trace.slice(-6).join(' → ')})`;
      switch (action) {
        case 'isolate':
          if (free.length) s.isolate([rnd.pick(free)], held);
          break;
        case 'reisolate':
          if (isolated.length) assert.equal(s.kernel.migration.isolateMovablePage(rnd.pick(isolated)), -Errno.EBUSY, where);
          break;
        case 'migrate': {
          const mode = rnd.pick([MigrateMode.ASYNC, MigrateMode.SYNC_LIGHT, MigrateMode.SYNC]);
          const { res, moved } = s.migrate(held, mode, rnd.int(0, s.nrNodes - 1));
          for (const [src, dst] of moved) {
            live.set(dst, live.get(src)!);
            live.delete(src);
          }
          if (release) assert.equal(res.ret, held.length, `${where}: contended pages must fail`);
          else assert.equal(res.ret, 0, `${where}: migrate_pages() failed without contention`);
          break;
        }
        case 'putback':
          s.kernel.migration.putbackMovablePages(held);
          break;
        case 'contend':
          if (release) {
            release();
            release = undefined;
          } else release = harness.contend!(s.kernel);
          break;
        case 'release': {
          if (live.size <= 1) break;
          const victim = rnd.pick([...live.keys()]);
          harness.release!(s.kernel, victim);
          live.delete(victim);
          break;
        }
      }
      checkStep(s, live, held.pfns(), where);
    }
    release?.();
    s.kernel.migration.putbackMovablePages(held);
    held.release();
    checkStep(s, live, [], 'after the final putback');
  },
}];

function checkStep(s: DriverSession, live: Map<number, Uint8Array>, held: number[], where: string): void {
  const onList = new Set(held);
  s.verify();
  for (const [pfn, bytes] of live) {
    assert.equal(s.kernel.migration.movable.opsOf(pfn), s.entry, `${where}: live page 0x${pfn.toString(16)} lost its movable ops`);
    assert.equal(s.isIsolated(pfn), onList.has(pfn), `${where}: PG_isolated of 0x${pfn.toString(16)} disagrees with the tester's list`);
    assert.deepEqual(s.bytes(pfn), bytes, `${where}: bytes of 0x${pfn.toString(16)} changed`);
  }
  s.assertNrIsolatedUnchanged();
  s.assertBuddyClean();
}
