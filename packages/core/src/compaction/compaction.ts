import { KernelError } from '../errors';
import { MigrateMode } from '../migrate/migrate-mode';
import { GFP_KERNEL } from '../zone/gfp';
import type { Zone } from '../zone/zone';
import type { AllocContext, DirectCompactResult } from '../zone/alloc-context';
import { CompactControl, type CompactionEnv, type CompactPriority, type CompactResult, ZoneCompactState } from './compact-control';
import { CompactZone } from './compact-zone';
import { CompactionTrace } from './compaction-tracepoints';
import { Deferral } from './deferral';
import { DirectCompact, type DirectCompactOutcome } from './direct-compact';
import { FreeScanner } from './free-scanner';
import { Kcompactd } from './kcompactd';
import { MigrateScanner } from './migrate-scanner';
import { SkipHints } from './skip-hints';
import { compactionSuitableResult } from './suitable';

/** Options of a single {@link Compaction.compactZone} run (the fields of struct compact_control). */
export interface CompactZoneOptions {
  /** -1 compacts the whole zone (compact_memory); else the allocation order to make room for. */
  order: number;
  mode: MigrateMode;
  gfpMask?: number;
  allocFlags?: number;
  highestZoneidx?: number;
  wholeZone?: boolean;
  ignoreSkipHint?: boolean;
  ignoreBlockSuitable?: boolean;
  directCompaction?: boolean;
  proactiveCompaction?: boolean;
}

/** The result and statistics of one compact_zone() run. */
export interface CompactZoneReport {
  result: CompactResult;
  migrateScanned: number;
  freeScanned: number;
  migratePfn: number;
  freePfn: number;
}

/**
 * Memory compaction (mm/compaction.c, v6.6): compact_zone() with its two scanners, suitability,
 * deferral and skip hints, direct compaction for the allocator's slow path, manual compaction
 * (vm.compact_memory, per-node compact) and one kcompactd thread per node with proactive
 * compaction, all on the simulated clock.
 */
export class Compaction {
  readonly trace: CompactionTrace;
  readonly deferral: Deferral;
  readonly hints: SkipHints;
  readonly migrateScanner: MigrateScanner;
  readonly freeScanner: FreeScanner;
  readonly zoneCompactor: CompactZone;
  readonly direct: DirectCompact;
  /** kcompactd threads by node id. */
  readonly kcompactd: Kcompactd[];
  /** kswapd_is_running(pgdat): set by a kswapd implementation; mmsim has none by default. */
  kswapdIsRunning: (nid: number) => boolean = () => false;
  private readonly zoneState: ZoneCompactState[] = [];

  constructor(readonly env: CompactionEnv) {
    this.trace = new CompactionTrace(env.events);
    this.deferral = new Deferral(this.trace);
    this.hints = new SkipHints(env.mem);
    this.migrateScanner = new MigrateScanner(env, this.hints, this.trace);
    this.freeScanner = new FreeScanner(env, this.hints, this.trace);
    const parts = {
      hints: this.hints, migrateScanner: this.migrateScanner, freeScanner: this.freeScanner, deferral: this.deferral, trace: this.trace,
      kswapdIsRunning: (nid: number) => this.kswapdIsRunning(nid),
    };
    this.zoneCompactor = new CompactZone(env, parts);
    const state = (zone: Zone): ZoneCompactState => this.state(zone);
    this.direct = new DirectCompact(env, this.zoneCompactor, this.deferral, this.trace, state);
    for (const zone of env.mem.zones) {
      if (!zone) continue;
      const z = new ZoneCompactState(zone);
      // pgdat_init / reset_cached_positions at boot: both scanners at their zone ends.
      this.hints.resetCachedPositions(z);
      z.initMigratePfn = zone.zoneStartPfn;
      z.initFreePfn = z.cachedFreePfn;
      this.zoneState[zone.id] = z;
    }
    this.kcompactd = env.mem.nodes.map((pgdat) => new Kcompactd({ ...parts, env, compactZone: this.zoneCompactor, state, kswapdIsRunning: parts.kswapdIsRunning }, pgdat));
  }

  /** The compaction fields of a zone (struct zone, CONFIG_COMPACTION). */
  state(zone: Zone): ZoneCompactState {
    return this.zoneState[zone.id]!;
  }

  /** kcompactd_run() on every node: the threads sleep until woken or their timeout. */
  startKcompactd(): void {
    for (const k of this.kcompactd) k.start();
  }

  /**
   * The allocator's slow-path hook: __alloc_pages_direct_compact() returning the page or -1, and
   * the compact_result in `out` for should_compact_retry().
   */
  readonly directCompactHook = (gfp: number, order: number, allocFlags: number, ac: AllocContext, priority: number, out?: DirectCompactResult): number => {
    const outcome = this.direct.allocPagesDirectCompact(gfp, order, allocFlags, ac, priority as CompactPriority);
    if (out) out.result = outcome.result;
    return outcome.pfn;
  };

  /** __alloc_pages_direct_compact() with its result. */
  allocPagesDirectCompact(gfp: number, order: number, allocFlags: number, ac: AllocContext, priority: CompactPriority): DirectCompactOutcome {
    return this.direct.allocPagesDirectCompact(gfp, order, allocFlags, ac, priority);
  }

  /** mm/compaction.c: compaction_suitable() with the result the tracepoint reports. */
  compactionSuitable(zone: Zone, order: number, highestZoneidx = zone.type): CompactResult {
    this.checkOrder(order, 0);
    return compactionSuitableResult(zone, order, highestZoneidx, this.env.sysctl, this.trace);
  }

  /**
   * mm/compaction.c: compact_zone() on one zone with the given control fields. For tests and
   * experiments; the kernel's callers are the ones below.
   */
  compactZone(zone: Zone, opts: CompactZoneOptions): CompactZoneReport {
    this.checkOrder(opts.order, -1);
    if (opts.mode !== MigrateMode.ASYNC && opts.mode !== MigrateMode.SYNC_LIGHT && opts.mode !== MigrateMode.SYNC) {
      throw new KernelError('EINVAL', `compaction mode ${opts.mode} must be MIGRATE_ASYNC (0), MIGRATE_SYNC_LIGHT (1) or MIGRATE_SYNC (2)`);
    }
    const cc = new CompactControl(zone, this.env.migration.newList(), {
      order: opts.order, gfpMask: opts.gfpMask ?? GFP_KERNEL, mode: opts.mode, highestZoneidx: opts.highestZoneidx ?? zone.type,
    });
    cc.allocFlags = opts.allocFlags ?? 0;
    cc.wholeZone = opts.wholeZone ?? false;
    cc.ignoreSkipHint = opts.ignoreSkipHint ?? false;
    cc.ignoreBlockSuitable = opts.ignoreBlockSuitable ?? false;
    cc.directCompaction = opts.directCompaction ?? false;
    cc.proactiveCompaction = opts.proactiveCompaction ?? false;
    try {
      const result = this.zoneCompactor.compactZone(cc, this.state(zone));
      return { result, migrateScanned: cc.totalMigrateScanned, freeScanned: cc.totalFreeScanned, migratePfn: cc.migratePfn, freePfn: cc.freePfn };
    } finally {
      cc.migratepages.release();
    }
  }

  /**
   * mm/compaction.c: compact_node(): every populated zone of the node, order -1, MIGRATE_SYNC,
   * whole zone, skip hints ignored (/sys/devices/system/node/nodeN/compact).
   */
  compactNode(nid: number): void {
    this.env.mem.checkNid(nid);
    for (const zone of this.env.mem.nodes[nid]!.zones) {
      if (!zone.populated) continue;
      this.compactZone(zone, { order: -1, mode: MigrateMode.SYNC, wholeZone: true, ignoreSkipHint: true });
    }
  }

  /**
   * mm/compaction.c: sysctl_compaction_handler() / compact_nodes(): `echo 1 >
   * /proc/sys/vm/compact_memory`: drain the LRU batches, then compact every node.
   */
  compactMemory(value = 1): void {
    if (value !== 1) {
      throw new KernelError('EINVAL', `vm.compact_memory accepts only 1 (got ${value}); write 1 to compact all memory`);
    }
    this.env.lru.lruAddDrainAll();
    for (const pgdat of this.env.mem.nodes) this.compactNode(pgdat.nid);
  }

  /**
   * mm/compaction.c: compaction_proactiveness_sysctl_handler(): set vm.compaction_proactiveness
   * (0..100); a non-zero value triggers proactive compaction on every node at once.
   */
  setProactiveness(value: number): void {
    if (!Number.isInteger(value) || value < 0 || value > 100) {
      throw new KernelError('EINVAL', `vm.compaction_proactiveness must be an integer 0..100, got ${value}`);
    }
    this.env.sysctl.compaction_proactiveness = value;
    if (!value) return;
    for (const k of this.kcompactd) {
      if (k.proactiveTrigger) continue;
      k.proactiveTrigger = true;
      this.trace.wake('mm_compaction_wakeup_kcompactd', k.pgdat.nid, -1, k.nrZones - 1);
      k.wakeUp();
    }
  }

  /**
   * mm/compaction.c: wakeup_kcompactd(): raise the node's requested order, lower its zone index,
   * and wake the thread if it sleeps and some zone needs and suits compaction. kswapd calls this
   * when it goes to sleep.
   */
  wakeupKcompactd(nid: number, order: number, highestZoneidx: number): void {
    this.env.mem.checkNid(nid);
    this.checkOrder(order, 0);
    if (!order) return;
    const k = this.kcompactd[nid]!;
    if (k.maxOrder < order) k.maxOrder = order;
    if (k.highestZoneidx > highestZoneidx) k.highestZoneidx = highestZoneidx;
    if (!k.sleeping) return;
    if (!k.nodeSuitable()) return;
    this.trace.wake('mm_compaction_wakeup_kcompactd', nid, order, highestZoneidx);
    k.wakeUp();
  }

  /**
   * mm/compaction.c: reset_isolation_suitable(pgdat): clear the skip hints of the node's zones
   * if a full direct compaction asked for it (kswapd calls this before sleeping). Returns the
   * pageblocks cleared.
   */
  resetIsolationSuitable(nid: number): number {
    this.env.mem.checkNid(nid);
    let n = 0;
    for (const zone of this.env.mem.nodes[nid]!.zones) if (zone.populated) n += this.hints.resetIsolationSuitable(this.state(zone));
    return n;
  }

  private checkOrder(order: number, min: number): void {
    if (!Number.isInteger(order) || order < min || order > 10) {
      throw new KernelError('EINVAL', `compaction order ${order} is out of range; use ${min === -1 ? '-1 (whole zone) or ' : ''}0..10 (MAX_PAGE_ORDER)`);
    }
  }
}
