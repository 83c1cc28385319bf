import { pageblock_order } from '../mem/constants';
import type { SimulatedClock, TimerId } from '../time/clock';
import { NSEC_PER_MSEC } from '../time/clock';
import { VmEvent } from '../stat/vmstat-items';
import type { VmStat } from '../stat/vmstat';
import type { ExecutionContext } from '../kernel/current';
import { __GFP_DIRECT_RECLAIM } from '../zone/gfp';
import type { PgData } from '../zone/pgdat';
import { zoneWatermarkOkSafe } from '../zone/watermarks';
import { DEF_PRIORITY, MAX_RECLAIM_RETRIES, SWAP_CLUSTER_MAX, ScanControl } from './scan-control';
import type { Vmscan } from './vmscan';
import type { VmscanTrace } from './vmscan-tracepoints';

/** What kswapd hands over to compaction when it goes to sleep (mm/compaction.c). */
export interface KswapdCompactionOps {
  resetIsolationSuitable(nid: number): number;
  wakeupKcompactd(nid: number, order: number, highestZoneidx: number): void;
}

/** One balance_pgdat() run, for tests and reports. */
export interface KswapdRun {
  order: number;
  highestZoneidx: number;
  nrReclaimed: number;
  boosted: boolean;
  balanced: boolean;
}

/**
 * An unbalanced node is reclaimed again at once by the kernel (kswapd_try_to_sleep does not
 * sleep); mmsim reruns it one simulated millisecond later so other timers interleave.
 */
const KSWAPD_RERUN_NS = NSEC_PER_MSEC;

/**
 * One kswapd thread (mm/vmscan.c: kswapd()), on the simulated clock like kcompactd: woken by
 * wakeup_kswapd() (the allocator's wakeKswapd hook, or a boosted watermark), it runs at the
 * current simulated time on the next clock advance, reclaims with balance_pgdat() until a zone
 * meets its high watermark (plus boost), then sleeps: prepare_kswapd_sleep() → reset the
 * compaction skip hints and wake kcompactd (kswapd_try_to_sleep), mm_vmscan_kswapd_sleep.
 * A node still unbalanced is reclaimed again until MAX_RECLAIM_RETRIES fruitless runs.
 */
export class Kswapd {
  /** pgdat->kswapd_order */
  order = 0;
  /** pgdat->kswapd_highest_zoneidx (-1 = MAX_NR_ZONES: none requested). */
  highestZoneidx = -1;
  /** pgdat->kswapd_failures */
  failures = 0;
  /** The runs done so far (most recent last, at most 64 kept). */
  readonly runs: KswapdRun[] = [];
  private timer: TimerId = 0;
  private running = false;
  private woken = false;
  private stopped = true;
  private readonly nrZones: number;

  constructor(
    readonly pgdat: PgData,
    private readonly vmscan: Vmscan,
    private readonly clock: SimulatedClock,
    private readonly vmstat: VmStat,
    private readonly current: ExecutionContext,
    private readonly trace: VmscanTrace,
    private readonly compaction: KswapdCompactionOps | null,
  ) {
    let nr = 0;
    for (const z of pgdat.zones) if (z.populated) nr = z.type + 1;
    this.nrZones = nr;
  }

  /** kswapd_run() */
  start(): void {
    this.stopped = false;
  }

  /** kswapd_stop() */
  stop(): void {
    this.stopped = true;
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = 0;
    this.woken = false;
  }

  /** Whether the thread waits on kswapd_wait. */
  get sleeping(): boolean {
    return !this.stopped && !this.woken && !this.running;
  }

  /** kswapd_is_running(): woken or reclaiming (task_is_running). */
  get isRunning(): boolean {
    return this.woken || this.running;
  }

  /**
   * mm/vmscan.c: wakeup_kswapd(): record the order and zone index wanted; if the thread sleeps
   * and the node is neither hopeless (kswapd_failures) nor already balanced without boost, wake
   * it. A hopeless or balanced node gets kcompactd instead when the caller cannot reclaim.
   */
  wakeup(zoneType: number, gfp: number, order: number, highestZoneidx: number): void {
    if (this.stopped || this.nrZones === 0) return;
    if (this.highestZoneidx < 0 || this.highestZoneidx < highestZoneidx) this.highestZoneidx = highestZoneidx;
    if (this.order < order) this.order = order;
    if (!this.sleeping) return;
    if (this.failures >= MAX_RECLAIM_RETRIES || (this.pgdatBalanced(order, highestZoneidx) && !this.watermarkBoosted(highestZoneidx))) {
      // There may be plenty of free memory available, but it's too fragmented for high-order
      // allocations. Wake up kcompactd and rely on direct reclaim instead.
      if (!(gfp & __GFP_DIRECT_RECLAIM)) this.compaction?.wakeupKcompactd(this.pgdat.nid, order, highestZoneidx);
      return;
    }
    this.trace.wakeupKswapd(this.pgdat.nid, zoneType, order, gfp);
    this.woken = true;
    this.arm(0);
  }

  private arm(delayNs: number): void {
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(() => this.run(), delayNs);
  }

  /** One turn of the kswapd() loop: take the request, balance_pgdat(), try to sleep. */
  private run(): void {
    this.timer = 0;
    if (this.stopped) return;
    const order = this.order;
    const highest = this.highestZoneidx < 0 ? this.nrZones - 1 : this.highestZoneidx;
    this.order = 0;
    this.highestZoneidx = -1;
    const comm = this.current.comm;
    const memalloc = this.current.memalloc;
    this.current.comm = `kswapd${this.pgdat.nid}`;
    this.current.memalloc = true; // PF_MEMALLOC
    this.running = true;
    try {
      this.trace.kswapdWake(this.pgdat.nid, highest, order);
      this.balancePgdat(order, highest);
    } finally {
      this.running = false;
      this.woken = false;
      this.current.comm = comm;
      this.current.memalloc = memalloc;
    }
    this.tryToSleep(order, highest);
  }

  /**
   * mm/vmscan.c: kswapd_try_to_sleep(): a balanced (or hopeless) node goes to sleep after handing
   * over to compaction (reset_isolation_suitable, wakeup_kcompactd); otherwise it runs again.
   * A request that arrived meanwhile runs at once.
   */
  private tryToSleep(order: number, highest: number): void {
    if (this.stopped) return;
    if (this.order > 0 || this.highestZoneidx >= 0) {
      if (!this.pgdatBalanced(this.order, this.highestZoneidx < 0 ? highest : this.highestZoneidx)) {
        this.woken = true;
        this.arm(0);
        return;
      }
    }
    if (this.prepareSleep(order, highest)) {
      this.compaction?.resetIsolationSuitable(this.pgdat.nid);
      this.compaction?.wakeupKcompactd(this.pgdat.nid, order, highest);
      this.trace.kswapdSleep(this.pgdat.nid);
      return;
    }
    this.woken = true;
    this.arm(KSWAPD_RERUN_NS);
  }

  /** mm/vmscan.c: prepare_kswapd_sleep(): hopeless, or balanced for the order. */
  prepareSleep(order: number, highest: number): boolean {
    if (this.failures >= MAX_RECLAIM_RETRIES) return true;
    return this.pgdatBalanced(order, highest);
  }

  /**
   * mm/vmscan.c: pgdat_balanced(): some populated zone up to highestZoneidx meets its high
   * watermark (wmark_pages includes the boost) for the order; a node without managed zones is
   * balanced.
   */
  pgdatBalanced(order: number, highest: number): boolean {
    let any = false;
    for (let i = 0; i <= highest && i < this.pgdat.zones.length; i++) {
      const zone = this.pgdat.zones[i]!;
      if (!zone.populated) continue;
      any = true;
      if (zoneWatermarkOkSafe(zone, order, zone.highWmarkPages(), highest, 0)) return true;
    }
    return !any;
  }

  /** mm/vmscan.c: pgdat_watermark_boosted() */
  private watermarkBoosted(highest: number): boolean {
    for (let i = highest; i >= 0; i--) {
      const zone = this.pgdat.zones[i];
      if (zone?.populated && zone.watermarkBoost) return true;
    }
    return false;
  }

  /**
   * mm/vmscan.c: balance_pgdat(): reclaim from priority DEF_PRIORITY down until the node is
   * balanced. A watermark boost is reclaimed too (without writeback or swap, priority floor
   * DEF_PRIORITY-2), unless the node is unbalanced anyway, in which case the boost is ignored for
   * this run; the boost is consumed at the end and kcompactd woken for pageblock_order.
   * kswapd_shrink_node(): nr_to_reclaim = sum of max(high wmark, SWAP_CLUSTER_MAX).
   */
  balancePgdat(order: number, highest: number): number {
    this.vmstat.count(VmEvent.PAGEOUTRUN);
    const zones = this.pgdat.zones;
    const boosts: number[] = [];
    let nrBoostReclaim = 0;
    for (let i = 0; i <= highest && i < zones.length; i++) {
      const z = zones[i]!;
      boosts[i] = z.populated ? z.watermarkBoost : 0;
      nrBoostReclaim += boosts[i]!;
    }
    const boosted = nrBoostReclaim > 0;
    const sc = new ScanControl({ gfpMask: 0, order, kswapd: true, reclaimIdx: highest });
    let balanced = false;
    restart: for (;;) {
      sc.priority = DEF_PRIORITY;
      do {
        const before = sc.nrReclaimed;
        let raisePriority = true;
        sc.reclaimIdx = highest;
        balanced = this.pgdatBalanced(sc.order, highest);
        if (!balanced && nrBoostReclaim) {
          nrBoostReclaim = 0;
          continue restart;
        }
        if (!nrBoostReclaim && balanced) break restart;
        // Limit the priority of boosting to avoid reclaim writeback.
        if (nrBoostReclaim && sc.priority === DEF_PRIORITY - 2) raisePriority = false;
        // Do not writeback or swap pages for boosted reclaim.
        sc.mayWritepage = !nrBoostReclaim;
        sc.maySwap = !nrBoostReclaim;
        if (this.shrinkNode(sc)) raisePriority = false;
        const reclaimed = sc.nrReclaimed - before;
        nrBoostReclaim -= Math.min(nrBoostReclaim, reclaimed);
        // No progress for a boost: stop, it could loop forever.
        if (nrBoostReclaim && !reclaimed) break restart;
        if (raisePriority || !reclaimed) sc.priority--;
      } while (sc.priority >= 1);
      if (!sc.nrReclaimed) this.failures++;
      break;
    }
    if (sc.nrReclaimed) this.failures = 0;
    if (boosted) {
      for (let i = 0; i < boosts.length; i++) zones[i]!.watermarkBoost -= Math.min(zones[i]!.watermarkBoost, boosts[i]!);
      // As there is now likely space, wakeup kcompactd to defragment pageblocks.
      this.compaction?.wakeupKcompactd(this.pgdat.nid, pageblock_order, highest);
    }
    this.record({ order, highestZoneidx: highest, nrReclaimed: sc.nrReclaimed, boosted, balanced: this.pgdatBalanced(order, highest) });
    return sc.nrReclaimed;
  }

  /** mm/vmscan.c: kswapd_shrink_node(): true when it scanned at least nr_to_reclaim. */
  private shrinkNode(sc: ScanControl): boolean {
    let target = 0;
    for (let i = 0; i <= sc.reclaimIdx && i < this.pgdat.zones.length; i++) {
      const z = this.pgdat.zones[i]!;
      if (z.populated) target += Math.max(z.highWmarkPages(), SWAP_CLUSTER_MAX);
    }
    sc.nrToReclaim = target;
    sc.nrScanned = 0;
    this.vmscan.shrinkNode(this.pgdat.nid, sc);
    // compact_gap(): enough reclaimed for compaction, reclaim for order 0 from now on.
    if (sc.order && sc.nrReclaimed >= 2 << sc.order) sc.order = 0;
    return sc.nrScanned >= sc.nrToReclaim;
  }

  private record(run: KswapdRun): void {
    this.runs.push(run);
    if (this.runs.length > 64) this.runs.shift();
  }
}
