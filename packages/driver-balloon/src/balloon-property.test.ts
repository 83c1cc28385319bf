import { type FolioList, GFP_HIGHUSER_MOVABLE, type Kernel, MAX_ORDER_NR_PAGES, MigrateMode, MigrateReason, __GFP_THISNODE } from '@mmsim/core';
import { createTestKernel } from '@mmsim/testkit';
import fc from 'fast-check';
import { IBalloon, balloonDriver, settleBalloon } from './index';
import { balloonPfns } from './__fixtures__/balloon-harness';

type Action =
  | { kind: 'target'; pages: number }
  | { kind: 'advance'; ns: number }
  | { kind: 'migrate'; count: number; nid: number; mode: MigrateMode; contend: boolean }
  | { kind: 'isolate'; count: number }
  | { kind: 'putback' }
  | { kind: 'offline'; block: number }
  | { kind: 'online' }
  | { kind: 'oom' }
  | { kind: 'compact'; nid: number };

const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ kind: fc.constant('target' as const), pages: fc.integer({ min: 0, max: 3000 }) }),
  fc.record({ kind: fc.constant('advance' as const), ns: fc.integer({ min: 0, max: 2_000_000 }) }),
  fc.record({
    kind: fc.constant('migrate' as const),
    count: fc.integer({ min: 1, max: 24 }),
    nid: fc.integer({ min: 0, max: 1 }),
    mode: fc.constantFrom(MigrateMode.ASYNC, MigrateMode.SYNC_LIGHT, MigrateMode.SYNC),
    contend: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('isolate' as const), count: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('putback' as const) }),
  fc.record({ kind: fc.constant('offline' as const), block: fc.integer({ min: 0, max: 15 }) }),
  fc.record({ kind: fc.constant('online' as const) }),
  fc.record({ kind: fc.constant('oom' as const) }),
  fc.record({ kind: fc.constant('compact' as const), nid: fc.integer({ min: 0, max: 1 }) }),
);

const vmstat = (k: Kernel, name: string) => k.vmstat.snapshot(k.mem)[name]!;

/** Isolates up to `count` pages from the balloon list into `list`. */
function isolateFromBalloon(k: Kernel, count: number, list: FolioList): number {
  const pfns = k.resolve(IBalloon).devInfo.listPfns().slice(0, count);
  for (const pfn of pfns) {
    expect(k.migration.isolateMovablePage(pfn)).toBe(0);
    list.add(pfn);
  }
  return pfns.length;
}

/** The invariants checked after every step. */
function check(k: Kernel, where: string): void {
  const b = k.resolve(IBalloon);
  try {
    b.verify(); // list + isolated == num_pages, host ⊆ guest, equal when drained, managed pages
  } catch (e) {
    throw new Error(`${where}: ${(e as Error).message}`);
  }
  expect(b.devInfo.listLength() + b.devInfo.isolatedPages).toBe(b.numPages);
  expect(vmstat(k, 'balloon_inflate') - vmstat(k, 'balloon_deflate')).toBe(b.numPages);
}

function run(initial: number, actions: Action[], deflateOnOom: boolean): void {
  const k = createTestKernel({ machine: { nodes: [{ memory: '32MiB', cpus: 1 }, { memory: '32MiB', cpus: 1 }], layout: 'flat' }, seed: 7 });
  k.loadDriver(balloonDriver, { hostLatencyNs: 200_000, deflateOnOom });
  const b = k.resolve(IBalloon);
  const held = k.migration.newList();
  const offlined: number[] = [];
  b.setTarget(initial);
  settleBalloon(k);
  check(k, 'initial inflate');
  actions.forEach((a, step) => {
    const where = `step ${step} ${JSON.stringify(a)}`;
    switch (a.kind) {
      case 'target':
        b.setTarget(a.pages);
        break;
      case 'advance':
        k.clock.advance(a.ns);
        break;
      case 'isolate':
        isolateFromBalloon(k, a.count, held);
        break;
      case 'putback':
        k.migration.putbackMovablePages(held);
        break;
      case 'migrate': {
        const list = k.migration.newList();
        const n = isolateFromBalloon(k, a.count, list);
        const lock = b.vb.balloonLock;
        const contended = a.contend && lock.trylock();
        const before = vmstat(k, 'balloon_migrate');
        const res = k.migration.migratePages(list, k.migration.targetAllocator({ nid: a.nid, gfpMask: GFP_HIGHUSER_MOVABLE | __GFP_THISNODE }), undefined, a.mode, MigrateReason.MR_COMPACTION);
        if (contended) lock.unlock();
        if (contended || lock.isLocked) expect(res.succeeded).toBe(0);
        expect(vmstat(k, 'balloon_migrate') - before).toBe(res.succeeded);
        expect(res.succeeded + (res.ret > 0 ? res.ret : 0)).toBeLessThanOrEqual(n);
        if (res.ret) k.migration.putbackMovablePages(list);
        list.release();
        break;
      }
      case 'offline': {
        // core's test_pages_isolated() accepts PageOffline pages whatever their refcount, so a
        // balloon page that could not migrate (balloon_lock held by a batch) would go offline
        // with the balloon still owning it: offline only while the lock is free.
        if (b.vb.balloonLock.isLocked) break;
        const start = a.block * MAX_ORDER_NR_PAGES;
        if (offlined.includes(start)) break;
        const rc = k.hotplug.offlinePages(start, MAX_ORDER_NR_PAGES);
        if (rc === 0) {
          offlined.push(start);
          for (const pfn of balloonPfns(k)) expect(pfn >= start && pfn < start + MAX_ORDER_NR_PAGES).toBe(false);
        }
        break;
      }
      case 'online': {
        const start = offlined.pop();
        if (start !== undefined) k.hotplug.onlinePages(start, MAX_ORDER_NR_PAGES);
        break;
      }
      case 'oom':
        if (deflateOnOom) b.oomNotify();
        break;
      case 'compact': {
        // Real compaction (compact_node, MIGRATE_SYNC, whole zones): balloon pages met by the migrate
        // scanner go through balloon_page_isolate/migrate like any movable_ops page.
        const before = vmstat(k, 'balloon_migrate');
        k.compaction.compactNode(a.nid);
        expect(vmstat(k, 'balloon_migrate')).toBeGreaterThanOrEqual(before);
        break;
      }
    }
    check(k, where);
  });
  k.migration.putbackMovablePages(held);
  held.release();
  settleBalloon(k);
  check(k, 'after settling');
  if (b.idle) expect([...b.host.held].sort()).toEqual([...balloonPfns(k)].sort());
  void k.dispose();
}

describe('virtio-balloon property: inflate / deflate / target changes / migration / compaction / offline', () => {
  it('keeps |list| + isolated_pages == num_pages and the host in step with the guest at every step', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2500 }), fc.array(action, { minLength: 1, maxLength: 40 }), fc.boolean(), (initial, actions, deflateOnOom) => run(initial, actions, deflateOnOom)), { numRuns: 40, seed: 20240601 });
  });
});
