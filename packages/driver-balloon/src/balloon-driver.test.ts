import { ContractViolation, Errno, GFP_HIGHUSER_MOVABLE, GFP_KERNEL, KernelError, type Kernel, MigrateMode, MigrateReason, PG, PageType, __GFP_NORETRY, __GFP_NOWARN, __GFP_THISNODE } from '@mmsim/core';
import { createTestKernel } from '@mmsim/testkit';
import { BALLOON_PAGE_GFP, BALLOON_OUT_OF_PUFF_SLEEP_NS, IBalloon, VIRTIO_BALLOON_ARRAY_PFNS_MAX, balloonDriver, settleBalloon } from './index';
import { balloonPfns } from './__fixtures__/balloon-harness';

const MACHINE = { machine: { nodes: [{ memory: '32MiB', cpus: 1 }, { memory: '32MiB', cpus: 1 }], layout: 'flat' as const } };

function boot(options: Record<string, unknown> = {}): Kernel {
  const kernel = createTestKernel(MACHINE);
  kernel.loadDriver(balloonDriver, options);
  return kernel;
}

const vmstat = (k: Kernel, name: string) => k.vmstat.snapshot(k.mem)[name]!;
const totalManaged = (k: Kernel) => k.mem.zones.reduce((n, z) => n + (z?.managedPages ?? 0), 0);

/** Migrates balloon pages to node `nid` through migrate_pages(); returns the result. */
function migrateTo(k: Kernel, pfns: number[], nid: number, mode = MigrateMode.SYNC) {
  const list = k.migration.newList();
  for (const pfn of pfns) {
    expect(k.migration.isolateMovablePage(pfn)).toBe(0);
    list.add(pfn);
  }
  const res = k.migration.migratePages(list, k.migration.targetAllocator({ nid, gfpMask: GFP_HIGHUSER_MOVABLE | __GFP_THISNODE }), undefined, mode, MigrateReason.MR_COMPACTION);
  if (res.ret) k.migration.putbackMovablePages(list);
  list.release();
  return res;
}

describe('virtio-balloon inflate and deflate', () => {
  it('inflates to the target in batches of VIRTIO_BALLOON_ARRAY_PFNS_MAX with PageOffline movable pages, counters and managed pages', async () => {
    const k = boot({ hostLatencyNs: 10_000 });
    const b = k.resolve(IBalloon);
    const batches: number[] = [];
    k.events.on('mmsim_balloon_inflate', (e) => batches.push(e.nr_pages));
    const managed = totalManaged(k);
    b.setTarget(600);
    expect(settleBalloon(k)).toBe(true);
    expect(batches).toEqual([VIRTIO_BALLOON_ARRAY_PFNS_MAX, VIRTIO_BALLOON_ARRAY_PFNS_MAX, 88]);
    expect(k.clock.now()).toBe(3 * 10_000); // one host round trip per batch
    expect(b.numPages).toBe(600);
    expect(b.host.actual).toBe(600);
    expect(vmstat(k, 'balloon_inflate')).toBe(600);
    expect(totalManaged(k)).toBe(managed - 600);
    const pfns = balloonPfns(k);
    expect(pfns.size).toBe(600);
    expect([...b.host.held].sort()).toEqual([...pfns].sort());
    for (const pfn of pfns) {
      expect(k.mem.frames.pageType(pfn)).toBe(PageType.offline);
      expect(k.migration.movable.pageMovable(pfn)).toBe(true);
      expect(k.mem.frames.refcount[pfn]).toBe(1);
    }
    b.verify();
    await k.dispose();
  });

  it('deflates back to zero: pages return to the buddy, managed pages and the host set restored', async () => {
    const k = boot({ hostLatencyNs: 0 });
    const b = k.resolve(IBalloon);
    const managed = totalManaged(k);
    b.setTarget(300);
    settleBalloon(k);
    const pfns = [...balloonPfns(k)];
    b.setTarget(0);
    expect(settleBalloon(k)).toBe(true);
    expect(b.numPages).toBe(0);
    expect(vmstat(k, 'balloon_deflate')).toBe(300);
    expect(b.host.held.size).toBe(0);
    expect(totalManaged(k)).toBe(managed);
    for (const pfn of pfns) {
      expect(k.mem.frames.refcount[pfn]).toBe(0);
      expect(k.mem.frames.pageType(pfn)).not.toBe(PageType.offline);
      expect(k.migration.movable.pageMovable(pfn)).toBe(false);
    }
    b.verify();
    await k.dispose();
  });

  it('holds the deflated pages until the host acknowledges, so the host never holds a page the guest uses', async () => {
    const k = boot({ hostLatencyNs: 1_000_000 });
    const b = k.resolve(IBalloon);
    b.setTarget(10);
    settleBalloon(k);
    b.setTarget(0);
    k.clock.advance(0); // config interrupt + work: the deflate buffer is in flight
    expect(b.vb.deflateVq.inFlight).toBe(1);
    expect(b.numPages).toBe(0);
    for (const pfn of b.host.held) expect(k.mem.frames.refcount[pfn]).toBe(1); // not yet given back
    b.verify();
    k.clock.advance(999_999);
    expect(b.host.held.size).toBe(10);
    k.clock.advance(1);
    expect(b.host.held.size).toBe(0);
    expect(b.idle).toBe(true);
    b.verify();
    await k.dispose();
  });

  it('follows a target changed while a batch is in flight', async () => {
    const k = boot({ hostLatencyNs: 500_000 });
    const b = k.resolve(IBalloon);
    b.setTarget(1000);
    k.clock.advance(600_000);
    b.setTarget(100);
    expect(settleBalloon(k)).toBe(true);
    expect(b.numPages).toBe(100);
    expect(b.host.held.size).toBe(100);
    b.verify();
    await k.dispose();
  });

  it('runs out of puff on a target larger than memory, retries every 200 ms and stays consistent', async () => {
    const k = boot({ hostLatencyNs: 0, deflateOnOom: true });
    const b = k.resolve(IBalloon);
    b.setTarget(64 * 256); // all of RAM
    expect(settleBalloon(k, 2 * BALLOON_OUT_OF_PUFF_SLEEP_NS)).toBe(false);
    expect(b.stats.outOfPuff).toBeGreaterThan(0);
    expect(b.numPages).toBeLessThan(64 * 256);
    expect(b.numPages).toBeGreaterThan(10_000);
    b.verify();
    b.setTarget(0);
    expect(settleBalloon(k)).toBe(true);
    expect(b.numPages).toBe(0);
    b.verify();
    await k.dispose();
  });

  it('balloon_page_alloc() uses GFP_HIGHUSER_MOVABLE | __GFP_NOMEMALLOC | __GFP_NORETRY | __GFP_NOWARN', async () => {
    const k = boot();
    const gfps: number[] = [];
    k.events.on('mm_page_alloc', (e) => gfps.push(e.gfp_flags));
    k.resolve(IBalloon).setTarget(3);
    settleBalloon(k);
    expect(gfps).toEqual([BALLOON_PAGE_GFP, BALLOON_PAGE_GFP, BALLOON_PAGE_GFP]);
    await k.dispose();
  });

  it('rejects bad targets with EINVAL and changes nothing', async () => {
    const k = boot();
    const b = k.resolve(IBalloon);
    b.setTarget(5);
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 32]) {
      expect(() => b.setTarget(bad)).toThrow(KernelError);
      try {
        b.setTarget(bad);
      } catch (e) {
        expect((e as KernelError).errno).toBe(-Errno.EINVAL);
      }
    }
    expect(b.target).toBe(5);
    expect(() => createTestKernel(MACHINE).loadDriver(balloonDriver, { hostLatencyNs: -1 })).toThrow(KernelError);
    await k.dispose();
  });
});

describe('virtio-balloon dequeue and compaction', () => {
  it('dequeue never returns an isolated page; with every page isolated the deflate waits for putback', async () => {
    const k = boot({ hostLatencyNs: 0 });
    const b = k.resolve(IBalloon);
    b.setTarget(4);
    settleBalloon(k);
    const pfns = [...balloonPfns(k)];
    const list = k.migration.newList();
    for (const pfn of pfns) {
      expect(k.migration.isolateMovablePage(pfn)).toBe(0);
      list.add(pfn);
    }
    expect(b.devInfo.isolatedPages).toBe(4);
    expect(b.devInfo.balloonPageDequeue()).toBe(-1); // temporarily empty: all isolated
    b.setTarget(0);
    expect(settleBalloon(k, 5_000_000)).toBe(false);
    expect(b.numPages).toBe(4);
    b.verify();
    k.migration.putbackMovablePages(list);
    list.release();
    expect(settleBalloon(k)).toBe(true);
    expect(b.numPages).toBe(0);
    b.verify();
    await k.dispose();
  });

  it('balloon_page_dequeue() on an empty balloon with no isolated pages is a BUG (ContractViolation F55)', async () => {
    const k = boot();
    expect(() => k.resolve(IBalloon).devInfo.balloonPageDequeue()).toThrow(ContractViolation);
    await k.dispose();
  });

  it('migrates across nodes: balloon_migrate counts, the host sees inflate(new) and deflate(old), managed pages move with the page', async () => {
    const k = boot({ hostLatencyNs: 0 });
    const b = k.resolve(IBalloon);
    b.setTarget(8);
    settleBalloon(k);
    const pfns = [...balloonPfns(k)];
    const zone0 = k.mem.pageZone(pfns[0]!);
    const managed0 = zone0.managedPages;
    const moves: [number, number][] = [];
    k.events.on('mmsim_balloon_migrate', (e) => moves.push([e.old_pfn, e.new_pfn]));
    const res = migrateTo(k, pfns, 1);
    expect(res.ret).toBe(0);
    expect(vmstat(k, 'balloon_migrate')).toBe(8);
    expect(moves.map(([old]) => old).sort()).toEqual([...pfns].sort());
    const now = balloonPfns(k);
    for (const [old, dst] of moves) {
      expect(now.has(dst)).toBe(true);
      expect(k.mem.pageZone(dst).nid).toBe(1);
      expect(b.host.held.has(dst)).toBe(true);
      expect(b.host.held.has(old)).toBe(false);
      expect(k.mem.frames.refcount[old]).toBe(0);
    }
    expect(zone0.managedPages).toBe(managed0 + 8);
    b.verify();
    await k.dispose();
  });

  it('returns -EAGAIN while a batch holds balloon_lock, then migrates once the host acknowledged', async () => {
    const k = boot({ hostLatencyNs: 1_000_000 });
    const b = k.resolve(IBalloon);
    b.setTarget(4);
    settleBalloon(k);
    const pfns = [...balloonPfns(k)];
    b.setTarget(300);
    k.clock.advance(0); // inflate batch in flight under balloon_lock
    expect(b.vb.balloonLock.isLocked).toBe(true);
    const res = migrateTo(k, pfns, 1, MigrateMode.ASYNC);
    expect(res.ret).toBe(4);
    expect(b.stats.migrateEagain).toBe(40);
    b.verify();
    settleBalloon(k);
    expect(migrateTo(k, pfns, 1).ret).toBe(0);
    b.verify();
    await k.dispose();
  });
});

describe('virtio-balloon DEFLATE_ON_OOM', () => {
  it('the OOM notifier gives back up to 256 pages at once, leaves managed pages alone and keeps the target', async () => {
    const k = boot({ hostLatencyNs: 0, deflateOnOom: true });
    const b = k.resolve(IBalloon);
    const managed = totalManaged(k);
    b.setTarget(400);
    settleBalloon(k);
    expect(totalManaged(k)).toBe(managed);
    const before = balloonPfns(k);
    expect(b.oomNotify()).toBe(256);
    const freed = [...before].filter((pfn) => !balloonPfns(k).has(pfn));
    expect(freed).toHaveLength(256);
    for (const pfn of freed) expect(k.mem.frames.refcount[pfn]).toBe(0);
    expect(b.numPages).toBe(144);
    expect(b.host.held.size).toBe(144);
    expect(b.target).toBe(400);
    expect(b.stats.oomFreed).toBe(256);
    expect(b.oomNotify()).toBe(144);
    expect(b.oomNotify()).toBe(0);
    b.verify();
    await k.dispose();
  });

  it('is hooked to the core\'s OOM path: an allocation under pressure deflates the balloon instead of failing', async () => {
    const k = boot({ hostLatencyNs: 0, deflateOnOom: true });
    const b = k.resolve(IBalloon);
    expect(k.oom.notifiers).toEqual(['virtio_balloon_oom_notify']);
    b.setTarget(64 * 256); // more than RAM: inflates until out of puff
    expect(settleBalloon(k, 0)).toBe(false);
    const inflated = b.numPages;
    expect(inflated).toBeGreaterThan(10_000);
    expect(k.alloc.allocPagesPfn(GFP_KERNEL | __GFP_NOWARN | __GFP_NORETRY, 0)).toBe(-1); // no OOM path for NORETRY
    const got: number[] = [];
    for (let i = 0; i < 1000; i++) got.push(k.alloc.allocPagesPfn(GFP_KERNEL, 0));
    expect(got.every((pfn) => pfn >= 0)).toBe(true);
    expect(b.stats.oomFreed).toBeGreaterThan(0);
    expect(b.stats.oomFreed % 256).toBe(0); // whole VIRTIO_BALLOON_OOM_NR_PAGES batches
    expect(b.numPages).toBe(inflated - b.stats.oomFreed);
    expect(b.host.held.size).toBe(b.numPages);
    expect(b.target).toBe(64 * 256);
    b.verify();
    for (const pfn of got) k.alloc.freePages(pfn, 0);
    await k.dispose();
  });

  it('without the feature no OOM notifier is registered: the allocation fails and the balloon is untouched', async () => {
    const k = boot({ hostLatencyNs: 0 });
    const b = k.resolve(IBalloon);
    expect(k.oom.notifiers).toEqual([]);
    b.setTarget(64 * 256);
    expect(settleBalloon(k, 0)).toBe(false);
    const inflated = b.numPages;
    const pfns = balloonPfns(k);
    let failed = false;
    const got: number[] = [];
    for (let i = 0; i < 1000 && !failed; i++) {
      const pfn = k.alloc.allocPagesPfn(GFP_KERNEL | __GFP_NOWARN, 0);
      if (pfn < 0) failed = true;
      else got.push(pfn);
    }
    expect(failed).toBe(true);
    expect(b.stats.oomFreed).toBe(0);
    expect(b.numPages).toBe(inflated);
    expect(balloonPfns(k)).toEqual(pfns);
    b.verify();
    for (const pfn of got) k.alloc.freePages(pfn, 0);
    await k.dispose();
  });

  it('unloading the driver unregisters its OOM notifier', async () => {
    const k = boot({ hostLatencyNs: 0, deflateOnOom: true });
    expect(k.oom.notifiers).toEqual(['virtio_balloon_oom_notify']);
    k.drivers.disposeAll();
    expect(k.oom.notifiers).toEqual([]);
    expect(k.oom.outOfMemory()).toBe(0);
    await k.dispose();
  });

  it('without the feature the notifier is refused with EOPNOTSUPP', async () => {
    const k = boot();
    expect(() => k.resolve(IBalloon).oomNotify()).toThrow(/DEFLATE_ON_OOM/);
    await k.dispose();
  });

  it('the host discards inflated pages: they read back as zeros', async () => {
    const k = boot({ hostLatencyNs: 0 });
    const page = k.alloc.allocPages(GFP_HIGHUSER_MOVABLE, 0)!;
    k.mem.content.write(page.pfn, 0, new Uint8Array([1, 2, 3]));
    k.alloc.putPage(page.pfn);
    k.alloc.drainAllPages();
    k.resolve(IBalloon).setTarget(16_000);
    settleBalloon(k);
    const pfns = balloonPfns(k);
    expect(pfns.has(page.pfn)).toBe(true);
    expect(k.mem.content.read(page.pfn, 0, 3)).toEqual(new Uint8Array(3));
    expect(k.mem.frames.testFlag(page.pfn, PG.locked)).toBe(false);
    await k.dispose();
  });
});
