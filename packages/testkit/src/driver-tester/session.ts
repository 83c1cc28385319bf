import assert from 'node:assert/strict';
import {
  type FolioList, GFP_HIGHUSER_MOVABLE, type Kernel, type MigrateMode, type MigratePagesResult, MigrateReason,
  type MovableOpsEntry, PG, PG_isolated, __GFP_THISNODE, checkBuddy,
} from '@mmsim/core';
import { type TestKernelOverrides, createTestKernel } from '../create-test-kernel';
import { deepMerge } from '../deep-merge';
import { OpsSpy } from './ops-spy';
import type { DriverHarness } from './types';

/** The tester's machine: two nodes, so pages can move between nodes and within one. */
export const DRIVER_TESTER_MACHINE: TestKernelOverrides = { machine: { nodes: [{ memory: '32MiB', cpus: 1 }, { memory: '32MiB', cpus: 1 }], layout: 'flat' } };

/** Where migrated pages go: the other node (round robin), the same node, or a fixed node. */
export type MigrationTarget = 'other-node' | 'same-node' | number;

/** A migration the session ran, with the destination of every source page. */
export interface TrackedMigration {
  res: MigratePagesResult;
  moved: Map<number, number>;
}

/**
 * One private kernel with the driver under test loaded and spied on, plus the helpers every
 * conformance case uses. All checks are `node:assert`, so the tester runs under any framework.
 */
export class DriverSession {
  readonly kernel: Kernel;
  readonly entry: MovableOpsEntry;
  readonly spy: OpsSpy;
  private readonly nrIsolatedAtStart: number;

  constructor(readonly harness: DriverHarness, seed?: number | string) {
    const overrides = deepMerge<TestKernelOverrides>(DRIVER_TESTER_MACHINE, harness.kernel);
    this.kernel = createTestKernel(seed === undefined ? overrides : { ...overrides, seed });
    this.kernel.loadDriver(harness.driver, harness.options);
    const name = harness.driver.meta.name;
    const entry = this.kernel.migration.movable.entry(name);
    assert.ok(entry, `driver "${name}" did not register movable_operations (ctx.registerMovableOps) while loading`);
    this.entry = entry;
    this.spy = new OpsSpy(entry);
    this.nrIsolatedAtStart = this.nrIsolated();
  }

  get nrNodes(): number {
    return this.kernel.mem.nodes.length;
  }

  /** harness.populate(), checked: n distinct pages, each movable with the driver's ops (D1). */
  populate(n: number): number[] {
    const pfns = this.harness.populate(this.kernel, n);
    assert.equal(new Set(pfns).size, n, `populate(kernel, ${n}) must return ${n} distinct pfns, got [${pfns.join(', ')}]`);
    for (const pfn of pfns) {
      assert.equal(this.kernel.migration.movable.opsOf(pfn), this.entry, `populate() returned pfn 0x${pfn.toString(16)}, which is not movable with the driver's ops (D1: setPageMovable)`);
      assert.equal(this.isIsolated(pfn), false, `populated page 0x${pfn.toString(16)} is already PG_isolated`);
    }
    this.verify();
    return pfns;
  }

  verify(): void {
    this.harness.verify?.(this.kernel);
  }

  isIsolated(pfn: number): boolean {
    return this.kernel.mem.frames.testFlag(pfn, PG_isolated);
  }

  isLocked(pfn: number): boolean {
    return this.kernel.mem.frames.testFlag(pfn, PG.locked);
  }

  refcount(pfn: number): number {
    return this.kernel.mem.frames.refcount[pfn]!;
  }

  /** NR_ISOLATED_ANON + NR_ISOLATED_FILE over all nodes. */
  nrIsolated(): number {
    const s = this.kernel.vmstat.snapshot(this.kernel.mem);
    return s['nr_isolated_anon']! + s['nr_isolated_file']!;
  }

  counter(name: string): number {
    return this.kernel.vmstat.snapshot(this.kernel.mem)[name]!;
  }

  /** A copy of the whole page's bytes. */
  bytes(pfn: number): Uint8Array {
    return this.kernel.mem.content.read(pfn).slice();
  }

  /** Pages allocated (not free in the buddy or on pcp lists), after draining the pcp lists. */
  pagesInUse(): number {
    this.kernel.alloc.drainAllPages();
    return checkBuddy(this.kernel.mem).census.reduce((n, z) => n + z.inUse, 0);
  }

  /** isolate_movable_page() on each pfn, expecting 0; returns the list holding them. */
  isolate(pfns: readonly number[], list: FolioList = this.kernel.migration.newList()): FolioList {
    for (const pfn of pfns) {
      const rc = this.kernel.migration.isolateMovablePage(pfn);
      assert.equal(rc, 0, `isolate_movable_page(0x${pfn.toString(16)}) returned ${rc}; the driver's isolate_page() refused a page it owns`);
      list.add(pfn);
    }
    return list;
  }

  /** The node a page belongs to. */
  nid(pfn: number): number {
    return this.kernel.mem.pageZone(pfn).nid;
  }

  /**
   * migrate_pages() through a get_new_folio that allocates on the target node
   * (alloc_migration_target with __GFP_THISNODE) and records src → dst.
   */
  migrate(list: FolioList, mode: MigrateMode, target: MigrationTarget = 'other-node', reason = MigrateReason.MR_COMPACTION): TrackedMigration {
    const moved = new Map<number, number>();
    const res = this.kernel.migration.migratePages(list, (src) => {
      const dst = this.kernel.migration.targetAllocator({ nid: this.targetNid(src, target), gfpMask: GFP_HIGHUSER_MOVABLE | __GFP_THISNODE })(src);
      if (dst >= 0) moved.set(src, dst);
      return dst;
    }, undefined, mode, reason);
    // Pages still on the list failed: their destinations were given back.
    for (const src of list.pfns()) moved.delete(src);
    return { res, moved };
  }

  targetNid(src: number, target: MigrationTarget): number {
    if (typeof target === 'number') return target;
    const nid = this.nid(src);
    return target === 'same-node' ? nid : (nid + 1) % this.nrNodes;
  }

  /** checkBuddy() finds no problem. */
  assertBuddyClean(): void {
    const { problems } = checkBuddy(this.kernel.mem);
    assert.deepEqual(problems, [], 'the buddy allocator is inconsistent');
  }

  /** M8: movable_ops pages never move NR_ISOLATED_ANON/FILE. */
  assertNrIsolatedUnchanged(): void {
    assert.equal(this.nrIsolated(), this.nrIsolatedAtStart, 'NR_ISOLATED_ANON + NR_ISOLATED_FILE changed; movable_ops pages must never count there (M8)');
  }

  /**
   * Every page carrying a movable mapping and PG_isolated is on one of `held` (no isolated page
   * escaped the lists the caller holds), and no such page is left locked.
   */
  assertNoStrayIsolated(held: readonly FolioList[]): void {
    const on = new Set(held.flatMap((l) => l.pfns()));
    const { frames } = this.kernel.mem;
    const movable = this.kernel.migration.movable;
    const stray: string[] = [];
    for (let pfn = 0; pfn < frames.nrFrames; pfn++) {
      if (!movable.isMovableMapping(pfn)) continue;
      if (frames.testFlag(pfn, PG_isolated) && !on.has(pfn)) stray.push(`0x${pfn.toString(16)} isolated off-list`);
      if (frames.testFlag(pfn, PG.locked)) stray.push(`0x${pfn.toString(16)} left locked`);
    }
    assert.deepEqual(stray, [], 'movable pages left in a state nobody can undo');
  }

  dispose(): Promise<void> {
    return this.kernel.dispose();
  }
}

/** Runs `fn` on a fresh session and disposes it, whatever happens. */
export async function withSession(harness: DriverHarness, seed: number | string | undefined, fn: (s: DriverSession) => void): Promise<void> {
  const s = new DriverSession(harness, seed);
  try {
    fn(s);
  } finally {
    await s.dispose();
  }
}
