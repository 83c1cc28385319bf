import { KernelError } from '../errors';
import type { EventBus } from '../events/event-bus';
import type { ExecutionContext } from '../kernel/current';
import type { Lru } from '../lru/lru';
import { VmEvent } from '../stat/vmstat-items';
import type { VmStat } from '../stat/vmstat';
import type { SimulatedClock } from '../time/clock';
import type { Vm } from '../vm/vm';
import type { AllocContext, AllocSlowpathHooks } from '../zone/alloc-context';
import type { PhysicalMemory } from '../zone/physical-memory';
import { Kswapd, type KswapdCompactionOps } from './kswapd';
import { DEF_PRIORITY, MAX_RECLAIM_RETRIES, SWAP_CLUSTER_MAX, ScanControl } from './scan-control';
import { type ReclaimThpSplit, Vmscan } from './vmscan';
import { VmscanTrace } from './vmscan-tracepoints';

/** What page reclaim is built from. */
export interface ReclaimDeps {
  mem: PhysicalMemory;
  vmstat: VmStat;
  events: EventBus;
  current: ExecutionContext;
  clock: SimulatedClock;
  lru: Lru;
  vm: Vm;
  /** Compaction's kswapd hand-over (reset_isolation_suitable, wakeup_kcompactd); null without compaction. */
  compaction: KswapdCompactionOps | null;
  /** Splitting large anonymous folios before swap-out; without it they are never reclaimed. */
  thpSplit?: ReclaimThpSplit | null;
}

/**
 * Page reclaim (mm/vmscan.c): direct reclaim for the allocator's slow path
 * (try_to_free_pages), one kswapd per node, and manual reclaim of a node. Swap space is the
 * vm's ({@link Vm.swap}): swapon a device first, or anonymous memory cannot be reclaimed.
 */
export class Reclaim {
  readonly vmscan: Vmscan;
  readonly kswapd: Kswapd[];
  readonly trace: VmscanTrace;

  constructor(private readonly deps: ReclaimDeps) {
    this.trace = new VmscanTrace(deps.events);
    this.vmscan = new Vmscan(deps.mem, deps.vmstat, deps.lru, deps.vm, deps.thpSplit ?? null);
    this.kswapd = deps.mem.nodes.map((pgdat) => new Kswapd(pgdat, this.vmscan, deps.clock, deps.vmstat, deps.current, this.trace, deps.compaction));
  }

  /** kswapd_run() on every node. */
  startKswapd(): void {
    for (const k of this.kswapd) k.start();
  }

  /** kswapd_is_running(pgdat) for compaction. */
  readonly kswapdIsRunning = (nid: number): boolean => this.kswapd[nid]?.isRunning ?? false;

  /** The hooks the allocator's slow path calls (wake_all_kswapds, __alloc_pages_direct_reclaim). */
  get slowpathHooks(): AllocSlowpathHooks {
    return { wakeKswapd: this.wakeAllKswapds, directReclaim: this.directReclaim, canReclaimAnon: this.canReclaimAnon };
  }

  /** mm/vmscan.c: can_reclaim_anon_pages() — anonymous pages are reclaimable only with free swap. */
  readonly canReclaimAnon = (): boolean => this.deps.vm.swap.nrSwapPages > 0;

  /** mm/page_alloc.c: wake_all_kswapds(): wakeup_kswapd() once per node of the zonelist. */
  readonly wakeAllKswapds = (order: number, gfp: number, ac: AllocContext): void => {
    let last = -1;
    for (const zone of ac.zones) {
      if (zone.nid === last) continue;
      last = zone.nid;
      this.kswapd[zone.nid]?.wakeup(zone.type, gfp, order, ac.highestZoneidx);
    }
  };

  /**
   * mm/page_alloc.c: __alloc_pages_direct_reclaim() → __perform_reclaim() → try_to_free_pages():
   * allocstall_<zone>, PF_MEMALLOC for the duration, mm_vmscan_direct_reclaim_begin/end. Returns
   * the pages reclaimed (did_some_progress).
   */
  readonly directReclaim = (gfp: number, order: number, _allocFlags: number, ac: AllocContext): number => {
    const current = this.deps.current;
    if (current.memalloc) return 0;
    this.deps.vmstat.count(VmEvent.ALLOCSTALL_DMA32 + ac.highestZoneidx);
    this.trace.directReclaimBegin(order, gfp);
    current.memalloc = true;
    let n: number;
    try {
      n = this.tryToFreePages(ac, gfp, order);
    } finally {
      current.memalloc = false;
    }
    this.trace.directReclaimEnd(n);
    return n;
  };

  /**
   * mm/vmscan.c: try_to_free_pages() → do_try_to_free_pages(): SWAP_CLUSTER_MAX pages from the
   * nodes of the zonelist, priority DEF_PRIORITY down to 0, stopping once enough is reclaimed.
   */
  tryToFreePages(ac: AllocContext, gfp: number, order: number): number {
    const sc = new ScanControl({ nrToReclaim: SWAP_CLUSTER_MAX, gfpMask: gfp, order, reclaimIdx: ac.highestZoneidx });
    const nids: number[] = [];
    for (const z of ac.zones) if (!nids.includes(z.nid)) nids.push(z.nid);
    for (sc.priority = DEF_PRIORITY; sc.priority >= 0; sc.priority--) {
      sc.nrScanned = 0;
      for (const nid of nids) {
        this.vmscan.shrinkNode(nid, sc);
        if (sc.nrReclaimed >= sc.nrToReclaim) break;
      }
      if (sc.nrReclaimed >= sc.nrToReclaim) break;
    }
    return sc.nrReclaimed;
  }

  /**
   * Reclaim up to nrPages from one node as direct reclaim would (the kernel's
   * /sys/devices/system/node/nodeN/reclaim and memory.reclaim are the same idea). Returns pages
   * reclaimed.
   */
  reclaimNode(nid: number, nrPages: number = SWAP_CLUSTER_MAX): number {
    this.deps.mem.checkNid(nid);
    if (!Number.isSafeInteger(nrPages) || nrPages <= 0) throw new KernelError('EINVAL', `reclaimNode: nrPages ${nrPages} must be a positive integer`);
    const pgdat = this.deps.mem.nodes[nid]!;
    let highest = 0;
    for (const z of pgdat.zones) if (z.populated) highest = z.type;
    const sc = new ScanControl({ nrToReclaim: nrPages, reclaimIdx: highest });
    // Like memory.reclaim: full priority passes until the target is met or a pass makes no
    // progress (MAX_RECLAIM_RETRIES passes at most).
    for (let pass = 0; pass < MAX_RECLAIM_RETRIES && sc.nrReclaimed < nrPages; pass++) {
      const before = sc.nrReclaimed;
      const scannedBefore = this.deps.vmstat.events[VmEvent.PGSCAN_DIRECT]! + this.deps.vmstat.events[VmEvent.PGREFILL]!;
      for (sc.priority = DEF_PRIORITY; sc.priority >= 0 && sc.nrReclaimed < nrPages; sc.priority--) this.vmscan.shrinkNode(nid, sc);
      const scanned = this.deps.vmstat.events[VmEvent.PGSCAN_DIRECT]! + this.deps.vmstat.events[VmEvent.PGREFILL]! - scannedBefore;
      if (sc.nrReclaimed === before && scanned === 0) break;
    }
    return sc.nrReclaimed;
  }
}
