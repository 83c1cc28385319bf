import { NSEC_PER_MSEC, type TimerId } from '../time/clock';
import { fragmentationScoreNode, fragmentationScoreWmark } from '../stat/fragmentation';
import { VmEvent } from '../stat/vmstat-items';
import { GFP_KERNEL } from '../zone/gfp';
import { MigrateMode } from '../migrate/migrate-mode';
import type { PgData } from '../zone/pgdat';
import type { Zone } from '../zone/zone';
import { zoneWatermarkOkSafe } from '../zone/watermarks';
import {
  COMPACT_MAX_DEFER_SHIFT, CompactControl, type CompactionEnv, CompactResult, HPAGE_FRAG_CHECK_INTERVAL_MSEC, type ZoneCompactState,
} from './compact-control';
import type { CompactZone } from './compact-zone';
import type { CompactionTrace } from './compaction-tracepoints';
import type { Deferral } from './deferral';
import { compactionSuitable } from './suitable';

/** What a kcompactd thread uses of the compaction service. */
export interface KcompactdDeps {
  readonly env: CompactionEnv;
  readonly compactZone: CompactZone;
  readonly deferral: Deferral;
  readonly trace: CompactionTrace;
  state(zone: Zone): ZoneCompactState;
  kswapdIsRunning(nid: number): boolean;
}

/** Per-run scan counts of one kcompactd pass (for tests and reports). */
export interface KcompactdRun {
  kind: 'work' | 'proactive';
  scoreBefore: number;
  scoreAfter: number;
}

/**
 * One kcompactd thread (mm/compaction.c: kcompactd()), driven by the simulated clock: it sleeps
 * on kcompactd_wait with a HPAGE_FRAG_CHECK_INTERVAL_MSEC timeout (none when proactiveness is 0),
 * does kcompactd_do_work() when woken with work, and otherwise checks for proactive compaction.
 * A wake-up runs the thread at the current simulated time, on the next clock advance.
 */
export class Kcompactd {
  /** pgdat->kcompactd_max_order */
  maxOrder = 0;
  /** pgdat->kcompactd_highest_zoneidx */
  highestZoneidx: number;
  /** pgdat->proactive_compact_trigger */
  proactiveTrigger = false;
  /** The runs done so far (most recent last, at most 64 kept). */
  readonly runs: KcompactdRun[] = [];
  private timer: TimerId = 0;
  private timeoutNs = HPAGE_FRAG_CHECK_INTERVAL_MSEC * NSEC_PER_MSEC;
  private running = false;
  private stopped = false;
  readonly nrZones: number;

  constructor(private readonly deps: KcompactdDeps, readonly pgdat: PgData) {
    let nr = 0;
    for (const z of pgdat.zones) if (z.populated) nr = z.type + 1;
    this.nrZones = nr;
    this.highestZoneidx = nr - 1;
  }

  /** kcompactd_run(): start the thread; it goes to sleep at once. */
  start(): void {
    this.stopped = false;
    this.sleep(HPAGE_FRAG_CHECK_INTERVAL_MSEC * NSEC_PER_MSEC);
  }

  /** kcompactd_stop() */
  stop(): void {
    this.stopped = true;
    if (this.timer) this.deps.env.clock.clearTimeout(this.timer);
    this.timer = 0;
  }

  /** Whether the thread waits on kcompactd_wait (wq_has_sleeper). */
  get sleeping(): boolean {
    return !this.running && !this.stopped;
  }

  /** kcompactd_work_requested() */
  workRequested(): boolean {
    return this.maxOrder > 0 || this.proactiveTrigger;
  }

  /** wait_event_freezable_timeout(): arm the timeout, or run now if work is already requested. */
  private sleep(timeoutNs: number): void {
    if (this.stopped) return;
    this.timeoutNs = timeoutNs;
    this.deps.trace.kcompactdSleep(this.pgdat.nid);
    if (this.workRequested()) {
      this.arm(0);
      return;
    }
    // Avoid the unnecessary wakeup for proactive compaction when it is disabled.
    if (!this.deps.env.sysctl.compaction_proactiveness) return;
    this.arm(timeoutNs);
  }

  private arm(delayNs: number): void {
    const clock = this.deps.env.clock;
    if (this.timer) clock.clearTimeout(this.timer);
    this.timer = clock.setTimeout(() => this.run(), delayNs);
  }

  /** wake_up_interruptible(&pgdat->kcompactd_wait): the thread runs at the current time. */
  wakeUp(): void {
    if (!this.sleeping) return;
    this.arm(0);
  }

  /** One turn of the kcompactd() loop. */
  private run(): void {
    this.timer = 0;
    if (this.stopped) return;
    const current = this.deps.env.current;
    const comm = current.comm;
    current.comm = `kcompactd${this.pgdat.nid}`;
    this.running = true;
    const defaultTimeout = HPAGE_FRAG_CHECK_INTERVAL_MSEC * NSEC_PER_MSEC;
    let timeout = defaultTimeout;
    try {
      if (this.workRequested() && !this.proactiveTrigger) {
        this.doWork();
      } else {
        if (this.shouldProactiveCompactNode()) {
          const prev = fragmentationScoreNode(this.pgdat);
          this.proactiveCompactNode();
          const score = fragmentationScoreNode(this.pgdat);
          this.record({ kind: 'proactive', scoreBefore: prev, scoreAfter: score });
          // Defer proactive compaction if the fragmentation score did not go down.
          if (score >= prev) timeout = defaultTimeout * 2 ** COMPACT_MAX_DEFER_SHIFT;
        }
        this.proactiveTrigger = false;
      }
    } finally {
      this.running = false;
      current.comm = comm;
    }
    this.sleep(timeout);
  }

  /** The timeout of the current sleep in ns (500 ms, or 32 s after a proactive run without progress). */
  get currentTimeoutNs(): number {
    return this.timeoutNs;
  }

  private record(run: KcompactdRun): void {
    this.runs.push(run);
    if (this.runs.length > 64) this.runs.shift();
  }

  /**
   * mm/compaction.c: kcompactd_node_suitable(): some zone up to highest_zoneidx fails the min
   * watermark for kcompactd_max_order and compaction is suitable there.
   */
  nodeSuitable(): boolean {
    const { env, trace } = this.deps;
    for (let zoneid = 0; zoneid <= this.highestZoneidx; zoneid++) {
      const zone = this.pgdat.zones[zoneid]!;
      if (!zone.populated) continue;
      // Allocation can already succeed, check other zones
      if (zoneWatermarkOkSafe(zone, this.maxOrder, zone.minWmarkPages(), this.highestZoneidx, 0)) continue;
      if (compactionSuitable(zone, this.maxOrder, this.highestZoneidx, env.sysctl, trace)) return true;
    }
    return false;
  }

  /**
   * mm/compaction.c: kcompactd_do_work(): KCOMPACTD_WAKE, then SYNC_LIGHT compaction of every
   * zone up to highest_zoneidx that is not deferred, not already above the min watermark and
   * suitable; SUCCESS resets the deferral, COMPLETE/PARTIAL_SKIPPED drains the per-cpu lists and
   * defers. Scan counts go to compact_daemon_*. The request is then cleared.
   */
  doWork(): void {
    const { env, deferral, trace } = this.deps;
    const order = this.maxOrder;
    const highestZoneidx = this.highestZoneidx;
    trace.wake('mm_compaction_kcompactd_wake', this.pgdat.nid, order, highestZoneidx);
    const events = env.vmstat.events;
    events[VmEvent.KCOMPACTD_WAKE]++;
    let before = 0;
    for (let zoneid = 0; zoneid <= highestZoneidx; zoneid++) {
      const zone = this.pgdat.zones[zoneid]!;
      if (!zone.populated) continue;
      const z = this.deps.state(zone);
      if (deferral.compactionDeferred(z, order)) continue;
      // Allocation can already succeed, nothing to do
      if (zoneWatermarkOkSafe(zone, order, zone.minWmarkPages(), zoneid, 0)) continue;
      if (!compactionSuitable(zone, order, zoneid, env.sysctl, trace)) continue;
      before = fragmentationScoreNode(this.pgdat);
      const cc = this.control(zone, order, zoneid, MigrateMode.SYNC_LIGHT);
      const status = this.compact(cc);
      if (status === CompactResult.COMPACT_SUCCESS) {
        deferral.compactionDeferReset(z, order, false);
      } else if (status === CompactResult.COMPACT_PARTIAL_SKIPPED || status === CompactResult.COMPACT_COMPLETE) {
        env.alloc.drainAllPages(zone);
        deferral.deferCompaction(z, order);
      }
      events[VmEvent.KCOMPACTD_MIGRATE_SCANNED] += cc.totalMigrateScanned;
      events[VmEvent.KCOMPACTD_FREE_SCANNED] += cc.totalFreeScanned;
    }
    this.record({ kind: 'work', scoreBefore: before, scoreAfter: fragmentationScoreNode(this.pgdat) });
    // Remember a higher order / tighter zone index requested meanwhile.
    if (this.maxOrder <= order) this.maxOrder = 0;
    if (this.highestZoneidx >= highestZoneidx) this.highestZoneidx = this.nrZones - 1;
  }

  /**
   * mm/compaction.c: should_proactive_compact_node(): proactiveness on, kswapd not running and
   * the node's fragmentation score above the high watermark.
   */
  shouldProactiveCompactNode(): boolean {
    const proactiveness = this.deps.env.sysctl.compaction_proactiveness;
    if (!proactiveness || this.deps.kswapdIsRunning(this.pgdat.nid)) return false;
    return fragmentationScoreNode(this.pgdat) > fragmentationScoreWmark(false, proactiveness);
  }

  /**
   * mm/compaction.c: proactive_compact_node(): every populated zone, order -1, SYNC_LIGHT, whole
   * zone, skip hints ignored, until the zone score reaches the low watermark.
   */
  proactiveCompactNode(): void {
    const events = this.deps.env.vmstat.events;
    for (const zone of this.pgdat.zones) {
      if (!zone.populated) continue;
      const cc = this.control(zone, -1, zone.type, MigrateMode.SYNC_LIGHT);
      cc.ignoreSkipHint = true;
      cc.wholeZone = true;
      cc.proactiveCompaction = true;
      this.compact(cc);
      events[VmEvent.KCOMPACTD_MIGRATE_SCANNED] += cc.totalMigrateScanned;
      events[VmEvent.KCOMPACTD_FREE_SCANNED] += cc.totalFreeScanned;
    }
  }

  private control(zone: Zone, order: number, highestZoneidx: number, mode: MigrateMode): CompactControl {
    return new CompactControl(zone, this.deps.env.migration.newList(), { order, gfpMask: GFP_KERNEL, mode, highestZoneidx });
  }

  private compact(cc: CompactControl): CompactResult {
    try {
      return this.deps.compactZone.compactZone(cc, this.deps.state(cc.zone));
    } finally {
      cc.migratepages.release();
    }
  }
}
