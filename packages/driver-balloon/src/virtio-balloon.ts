import { Errno, KernelError, NSEC_PER_MSEC, VmEvent, type Page } from '@mmsim/core';
import type { BalloonDeps } from './balloon-deps';
import type { BalloonDevInfo } from './balloon-dev-info';
import type { BalloonHost } from './balloon-host';
import { BalloonMutex } from './balloon-mutex';
import { BalloonVirtqueue, BalloonVq } from './virtqueue';
import { VIRTIO_BALLOON_ARRAY_PFNS_MAX, VIRTIO_BALLOON_OOM_NR_PAGES, VIRTIO_BALLOON_PAGES_PER_PAGE } from './constants';
import './balloon-tracepoints';

/** fill_balloon(): "Sleep for at least 1/5 of a second before retry" when out of puff. */
export const BALLOON_OUT_OF_PUFF_SLEEP_NS = 200 * NSEC_PER_MSEC;
/**
 * Not in the kernel: when a leak batch found every remaining page isolated, the kernel's worker
 * re-queues itself at once (and spins until compaction puts pages back). mmsim waits 1 ms so
 * the simulated clock can move on.
 */
export const BALLOON_NO_PROGRESS_BACKOFF_NS = NSEC_PER_MSEC;

/** Negotiated virtio features the simulator models (include/uapi/linux/virtio_balloon.h). */
export interface VirtioBalloonFeatures {
  /** VIRTIO_BALLOON_F_DEFLATE_ON_OOM: no managed-page adjustment; the OOM notifier deflates. */
  deflateOnOom: boolean;
}

/** Counters of the driver's own activity (not kernel vmstat items). */
export interface VirtioBalloonStats {
  inflateBatches: number;
  deflateBatches: number;
  /** fill_balloon() allocation failures ("Out of puff!"). */
  outOfPuff: number;
  /** virtballoon_migratepage() calls refused with -EAGAIN (balloon_lock contended). */
  migrateEagain: number;
  /** Pages given back by the OOM notifier. */
  oomFreed: number;
}

/**
 * struct virtio_balloon and its worker (drivers/virtio/virtio_balloon.c, v6.6–v6.10) on the
 * simulated clock: update_balloon_size_func() moves the balloon towards the host's target in
 * batches of VIRTIO_BALLOON_ARRAY_PFNS_MAX pages (fill_balloon / leak_balloon), each told to the
 * host over its virtqueue while holding balloon_lock until the host acknowledges; compaction
 * migrates balloon pages through virtballoon_migratepage().
 */
export class VirtioBalloon {
  /** vb->num_pages: pages in the balloon (on the list or isolated). */
  numPages = 0;
  readonly balloonLock: BalloonMutex;
  readonly inflateVq: BalloonVirtqueue;
  readonly deflateVq: BalloonVirtqueue;
  /** Pages dequeued by leak_balloon() whose deflate the host has not acknowledged yet. */
  readonly pendingDeflate = new Set<number>();
  /** adjust_managed_page_count() deltas per zone index in mem.zones (verify() checks them). */
  readonly managedDelta = new Map<number, number>();
  readonly stats: VirtioBalloonStats = { inflateBatches: 0, deflateBatches: 0, outOfPuff: 0, migrateEagain: 0, oomFreed: 0 };
  private workPending = false;
  private workRunning = false;
  private disposed = false;

  constructor(private readonly deps: BalloonDeps, readonly bDevInfo: BalloonDevInfo, readonly host: BalloonHost, readonly features: VirtioBalloonFeatures, latencyNs: number) {
    this.balloonLock = new BalloonMutex(deps.clock);
    const consume = (vq: BalloonVq, pfns: readonly number[]) => host.consume(vq, pfns);
    this.inflateVq = new BalloonVirtqueue(BalloonVq.inflate, deps.clock, consume, latencyNs);
    this.deflateVq = new BalloonVirtqueue(BalloonVq.deflate, deps.clock, consume, latencyNs);
    bDevInfo.migratepage = (_b, newpage, page) => this.virtballoonMigratepage(newpage, page);
    host.onConfigChange = () => this.virtballoonChanged();
  }

  /** Whether no config interrupt is pending and the worker has nothing queued, running or in flight. */
  get idle(): boolean {
    return !this.host.configPending && !this.workPending && !this.workRunning && !this.inflateVq.inFlight && !this.deflateVq.inFlight;
  }

  /** towards_target(): target (aligned to the guest page size) minus num_pages. */
  towardsTarget(): number {
    const per = VIRTIO_BALLOON_PAGES_PER_PAGE;
    return Math.ceil(this.host.target / per) * per - this.numPages;
  }

  /** virtballoon_changed(): the config interrupt queues update_balloon_size_work. */
  virtballoonChanged(): void {
    this.queueWork(0);
  }

  /** update_balloon_size(): writes num_pages back to config.actual. */
  updateBalloonSize(): void {
    this.host.actual = this.numPages;
  }

  /**
   * fill_balloon(): allocates up to one array of pages with balloon_page_alloc() (sleeping 200 ms
   * when out of puff), then under balloon_lock enqueues them, adjusts managed pages (unless
   * DEFLATE_ON_OOM) and tells the host over inflate_vq. `done(n)` runs once the host acknowledged.
   */
  fillBalloon(num: number, done: (n: number) => void): void {
    num = Math.min(num, VIRTIO_BALLOON_ARRAY_PFNS_MAX);
    const pages: Page[] = [];
    let outOfPuff = false;
    for (let n = 0; n < num; n += VIRTIO_BALLOON_PAGES_PER_PAGE) {
      const page = this.bDevInfo.balloonPageAlloc();
      if (!page) {
        this.stats.outOfPuff++;
        outOfPuff = true;
        break;
      }
      pages.push(page); // balloon_page_push()
    }
    const enqueue = () => this.balloonLock.lock(() => {
      const pfns: number[] = [];
      for (let page = pages.pop(); page; page = pages.pop()) {
        this.bDevInfo.balloonPageEnqueue(page);
        pfns.push(page.pfn);
        this.numPages += VIRTIO_BALLOON_PAGES_PER_PAGE;
        if (!this.features.deflateOnOom) this.adjustManagedPageCount(page.pfn, -1);
      }
      const finish = () => {
        this.balloonLock.unlock();
        done(pfns.length);
      };
      if (!pfns.length) return finish();
      this.stats.inflateBatches++;
      this.trace('mmsim_balloon_inflate', pfns.length);
      this.inflateVq.add(pfns, finish);
    });
    if (outOfPuff) this.deps.clock.setTimeout(enqueue, BALLOON_OUT_OF_PUFF_SLEEP_NS);
    else enqueue();
  }

  /**
   * leak_balloon(): under balloon_lock dequeues up to one array (never more than num_pages,
   * never an isolated page), tells the host over deflate_vq and, once it acknowledged,
   * release_pages_balloon() gives them back to the buddy allocator. `done(n)` runs then.
   */
  leakBalloon(num: number, done: (n: number) => void): void {
    num = Math.min(num, VIRTIO_BALLOON_ARRAY_PFNS_MAX);
    this.balloonLock.lock(() => {
      const pfns = this.dequeueBatch(Math.min(num, this.numPages));
      const finish = () => {
        this.releasePagesBalloon(pfns);
        this.balloonLock.unlock();
        done(pfns.length);
      };
      if (!pfns.length) return finish();
      this.stats.deflateBatches++;
      this.trace('mmsim_balloon_deflate', pfns.length);
      // With VIRTIO_BALLOON_F_MUST_TELL_HOST "we *have* to do it in this order": tell, then free.
      this.deflateVq.add(pfns, finish);
    });
  }

  /**
   * virtballoon_migratepage() (v6.6–v6.10): -EAGAIN if balloon_lock is contended; otherwise take
   * the balloon's reference on newpage, fix managed counts across zones (unless DEFLATE_ON_OOM),
   * insert newpage, isolated_pages--, count BALLOON_MIGRATE, tell the host "inflate new" then
   * "deflate old", delete the old page and drop the balloon's reference on it.
   */
  virtballoonMigratepage(newpage: Page, page: Page): number {
    if (!this.balloonLock.trylock()) {
      this.stats.migrateEagain++;
      return -Errno.EAGAIN;
    }
    const { mem, vmstat } = this.deps;
    newpage.get(); // balloon reference
    if (!this.features.deflateOnOom && mem.pageZone(page.pfn) !== mem.pageZone(newpage.pfn)) {
      this.adjustManagedPageCount(page.pfn, 1);
      this.adjustManagedPageCount(newpage.pfn, -1);
    }
    this.bDevInfo.balloonPageInsert(newpage.pfn);
    this.bDevInfo.isolatedPages--;
    this.bDevInfo.isolated.delete(page.pfn);
    vmstat.count(VmEvent.BALLOON_MIGRATE);
    this.inflateVq.addSync([newpage.pfn]);
    this.bDevInfo.balloonPageDelete(page.pfn);
    this.deflateVq.addSync([page.pfn]);
    this.balloonLock.unlock();
    page.put(); // balloon reference
    if (this.deps.events.wants('mmsim_balloon_migrate')) this.deps.events.emit('mmsim_balloon_migrate', { old_pfn: page.pfn, new_pfn: newpage.pfn });
    return 0;
  }

  /**
   * virtio_balloon_oom_notify(): leak_balloon(VIRTIO_BALLOON_OOM_NR_PAGES) and report the pages
   * freed; registered only with VIRTIO_BALLOON_F_DEFLATE_ON_OOM. It does not change the target,
   * so the balloon re-inflates only at the host's next config change.
   *
   * The driver registers it on the core's OOM notifier chain (out_of_memory()). The call is
   * synchronous, so the host acknowledges at once; if balloon_lock is held (a batch in flight),
   * where the kernel would sleep, it frees nothing and returns 0.
   */
  oomNotify(): number {
    if (!this.features.deflateOnOom) {
      throw new KernelError('EOPNOTSUPP', 'the balloon OOM notifier is registered only with VIRTIO_BALLOON_F_DEFLATE_ON_OOM; load the driver with { deflateOnOom: true }');
    }
    if (this.disposed || !this.balloonLock.trylock()) return 0;
    const pfns = this.dequeueBatch(Math.min(VIRTIO_BALLOON_OOM_NR_PAGES, this.numPages));
    if (pfns.length) {
      this.trace('mmsim_balloon_deflate', pfns.length);
      this.deflateVq.addSync(pfns);
    }
    this.releasePagesBalloon(pfns);
    this.balloonLock.unlock();
    this.updateBalloonSize();
    this.stats.oomFreed += pfns.length;
    return pfns.length / VIRTIO_BALLOON_PAGES_PER_PAGE;
  }

  /**
   * remove_common(): deflate everything still on the list, synchronously, and stop the worker.
   * Pages isolated by compaction at that moment stay with the core's migration list.
   */
  dispose(): void {
    this.disposed = true;
    if (!this.balloonLock.trylock()) return;
    const pfns = this.dequeueBatch(this.numPages);
    if (pfns.length) this.deflateVq.addSync(pfns);
    this.releasePagesBalloon(pfns);
    this.balloonLock.unlock();
  }

  /** adjust_managed_page_count(page, count): the page's zone's managed pages. */
  adjustManagedPageCount(pfn: number, count: number): void {
    // Through core so checkBuddy() knows the pages left the kernel's managed memory on purpose.
    this.deps.mem.adjustManagedPageCount(pfn, count);
    const zone = this.deps.mem.pageZone(pfn);
    const idx = this.deps.mem.zones.indexOf(zone);
    this.managedDelta.set(idx, (this.managedDelta.get(idx) ?? 0) + count);
  }

  /** The balloon_page_dequeue() loop of leak_balloon(): up to `num` pages, num_pages decremented. */
  private dequeueBatch(num: number): number[] {
    const pfns: number[] = [];
    while (pfns.length < num) {
      const pfn = this.bDevInfo.balloonPageDequeue();
      if (pfn < 0) break;
      pfns.push(pfn);
      this.pendingDeflate.add(pfn);
      this.numPages -= VIRTIO_BALLOON_PAGES_PER_PAGE;
    }
    return pfns;
  }

  /** release_pages_balloon(): managed pages back (unless DEFLATE_ON_OOM), put_page(). */
  private releasePagesBalloon(pfns: readonly number[]): void {
    for (const pfn of pfns) {
      if (!this.features.deflateOnOom) this.adjustManagedPageCount(pfn, 1);
      this.pendingDeflate.delete(pfn);
      this.deps.alloc.putPage(pfn); // balloon reference
    }
  }

  /** queue_work(system_freezable_wq, &vb->update_balloon_size_work) after `delayNs`. */
  private queueWork(delayNs: number): void {
    if (this.workPending || this.disposed) return;
    this.workPending = true;
    if (!this.workRunning) this.deps.clock.setTimeout(() => this.updateBalloonSizeFunc(), delayNs);
  }

  /**
   * update_balloon_size_func(): one fill or leak batch towards the target, then
   * update_balloon_size() and re-queue while a difference remains.
   */
  private updateBalloonSizeFunc(): void {
    this.workPending = false;
    if (this.disposed) return;
    const diff = this.towardsTarget();
    if (!diff) return;
    this.workRunning = true;
    const done = (n: number) => {
      this.workRunning = false;
      this.updateBalloonSize();
      if (this.disposed) return;
      const again = this.workPending;
      this.workPending = false;
      if (this.towardsTarget() || again) this.queueWork(n ? 0 : BALLOON_NO_PROGRESS_BACKOFF_NS);
    };
    if (diff > 0) this.fillBalloon(diff, done);
    else this.leakBalloon(-diff, done);
  }

  private trace(name: 'mmsim_balloon_inflate' | 'mmsim_balloon_deflate', nrPages: number): void {
    const { events } = this.deps;
    if (events.wants(name)) events.emit(name, { nr_pages: nrPages, num_pages: this.numPages, target: this.host.target });
  }
}
