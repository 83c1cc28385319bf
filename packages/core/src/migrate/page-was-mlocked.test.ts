import { createKernel } from '../kernel/kernel';
import { PAGE_SIZE } from '../mem/constants';
import { PG } from '../mem/page-flags';
import { MAP_ANONYMOUS, MAP_PRIVATE, PROT_READ, PROT_WRITE } from '../vm/constants';
import { GFP_HIGHUSER_MOVABLE, __GFP_THISNODE } from '../zone/gfp';
import { MigrateMode, MigrateReason } from './migrate-mode';

/**
 * mm/migrate.c (v6.7, "mm: migrate: record the mlocked page status to remove unnecessary lru
 * drain"): migrate_folio_move() adds dst to this CPU's lru_add batch and drains the batch only
 * when the source was mlocked (PAGE_WAS_MLOCKED), so that remove_migration_ptes() rebuilds the
 * mlock state on an LRU folio. Other mapped folios wait in the batch like any folio_add_lru().
 */
function bootOnePage(mlocked: boolean) {
  const kernel = createKernel({ machine: { nodes: [{ memory: '32MiB' }, { memory: '32MiB' }], layout: 'flat' } });
  const p = kernel.vm.createProcess({ comm: 'mlocked', uid: 0 });
  const addr = kernel.vm.mmap(p, { length: PAGE_SIZE, prot: PROT_READ | PROT_WRITE, flags: MAP_PRIVATE | MAP_ANONYMOUS });
  kernel.vm.write(p, addr, new Uint8Array([1, 2, 3]));
  if (mlocked) kernel.vm.mlock(p, addr, PAGE_SIZE);
  kernel.lru.lruAddDrainAll();
  const src = kernel.vm.followPage(p, addr).pfn;
  expect(kernel.mem.frames.testFlag(src, PG.mlocked)).toBe(mlocked);
  // migrate_pages() itself, not move_pages(): the per-cpu batches stay enabled (no lru_cache_disable).
  expect(kernel.lru.isolateLruPage(src)).toBe(0);
  const list = kernel.migration.newList().add(src);
  const migrate = () => kernel.migration.migratePages(
    list, kernel.migration.targetAllocator({ nid: 1, gfpMask: GFP_HIGHUSER_MOVABLE | __GFP_THISNODE }),
    undefined, MigrateMode.SYNC, MigrateReason.MR_SYSCALL);
  return { kernel, p, addr, src, list, migrate };
}

function migrateOnePage(mlocked: boolean) {
  const { kernel, p, addr, list, migrate } = bootOnePage(mlocked);
  expect(migrate()).toMatchObject({ ret: 0, succeeded: 1 });
  list.release();
  const dst = kernel.vm.followPage(p, addr).pfn;
  expect(kernel.mem.pageZone(dst).nid).toBe(1);
  expect(Array.from(kernel.vm.read(p, addr, 3))).toEqual([1, 2, 3]);
  return { kernel, dst };
}

describe('PAGE_WAS_MLOCKED: migrate_folio_move() drains the lru_add batch only for an mlocked source', () => {
  it('a mapped, not mlocked page: dst waits in the lru_add batch, holding its reference, until a drain', () => {
    const { kernel, dst } = migrateOnePage(false);
    const f = kernel.mem.frames;
    expect(kernel.lru.pendingInBatches()).toBe(1);
    expect(f.testFlag(dst, PG.lru)).toBe(false);
    expect(f.refcount[dst]).toBe(2); // the mapping's reference and the batch's
    kernel.lru.lruAddDrainAll();
    expect(kernel.lru.pendingInBatches()).toBe(0);
    expect(f.testFlag(dst, PG.lru)).toBe(true);
    expect(f.refcount[dst]).toBe(1);
  });

  it('an mlocked page: dst is drained at once and remove_migration_ptes() mlocks it on the unevictable LRU', () => {
    const { kernel, dst } = migrateOnePage(true);
    const f = kernel.mem.frames;
    expect(kernel.lru.pendingInBatches()).toBe(0);
    expect(f.testFlag(dst, PG.lru)).toBe(true);
    expect(f.testFlag(dst, PG.mlocked)).toBe(true);
    expect(f.testFlag(dst, PG.unevictable)).toBe(true);
  });

  it('an mlocked page migrates with the batches enabled: try_to_migrate_one() drains the munlock it queues (mlock_drain_local)', () => {
    // Without the drain the mlock batch kept a reference, folio_migrate_mapping() saw one too
    // many and every pass failed with -EAGAIN (found by the test above).
    const { kernel, dst } = migrateOnePage(true);
    expect(kernel.mem.frames.refcount[dst]).toBe(1);
    expect(kernel.vm.folioMapcount(dst)).toBe(1);
  });

  it('a failed migration of an mlocked page restores it without leaving batch references behind', () => {
    const { kernel, p, addr, src, list, migrate } = bootOnePage(true);
    const f = kernel.mem.frames;
    kernel.alloc.getPage(src); // an extra reference: every pass fails with -EAGAIN
    expect(migrate()).toMatchObject({ ret: 1, succeeded: 0 });
    // The mapping's, the isolation's and ours: each pass's undo (remove_migration_ptes(src, src))
    // drained the mlock it queued instead of leaving one more reference in the batch.
    expect(f.refcount[src]).toBe(3);
    expect(kernel.lru.pendingInBatches()).toBe(0);
    kernel.migration.putbackMovablePages(list);
    list.release();
    kernel.alloc.putPage(src);
    kernel.lru.lruAddDrainAll();
    expect(kernel.vm.followPage(p, addr).pfn).toBe(src);
    expect(f.refcount[src]).toBe(1);
    expect(f.testFlag(src, PG.mlocked)).toBe(true);
    expect(f.testFlag(src, PG.unevictable)).toBe(true);
    expect(kernel.lru.pendingInBatches()).toBe(0);
  });
});
