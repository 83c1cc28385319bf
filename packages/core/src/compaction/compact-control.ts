import { SWAP_CLUSTER_MAX } from '../mem/constants';
import type { EventBus } from '../events/event-bus';
import type { ExecutionContext } from '../kernel/current';
import type { Lru } from '../lru/lru';
import type { FolioList, Migration } from '../migrate/migration';
import { MigrateMode } from '../migrate/migrate-mode';
import type { VmStat } from '../stat/vmstat';
import type { SimulatedClock } from '../time/clock';
import type { VmSysctl } from '../zone/machine-config';
import type { PageAllocator } from '../zone/page-alloc';
import type { PhysicalMemory } from '../zone/physical-memory';
import type { Zone } from '../zone/zone';

/** include/linux/compaction.h: enum compact_priority. */
export const enum CompactPriority {
  COMPACT_PRIO_SYNC_FULL = 0,
  COMPACT_PRIO_SYNC_LIGHT = 1,
  COMPACT_PRIO_ASYNC = 2,
}
/** MIN_COMPACT_PRIORITY = COMPACT_PRIO_SYNC_FULL */
export const MIN_COMPACT_PRIORITY = CompactPriority.COMPACT_PRIO_SYNC_FULL;
/** MIN_COMPACT_COSTLY_PRIORITY = DEF_COMPACT_PRIORITY = COMPACT_PRIO_SYNC_LIGHT */
export const MIN_COMPACT_COSTLY_PRIORITY = CompactPriority.COMPACT_PRIO_SYNC_LIGHT;
export const DEF_COMPACT_PRIORITY = CompactPriority.COMPACT_PRIO_SYNC_LIGHT;
/** INIT_COMPACT_PRIORITY = COMPACT_PRIO_ASYNC */
export const INIT_COMPACT_PRIORITY = CompactPriority.COMPACT_PRIO_ASYNC;

/** include/linux/compaction.h: enum compact_result (ordered: later is "more successful"). */
export const enum CompactResult {
  COMPACT_NOT_SUITABLE_ZONE = 0,
  COMPACT_SKIPPED = 1,
  COMPACT_DEFERRED = 2,
  COMPACT_NO_SUITABLE_PAGE = 3,
  COMPACT_CONTINUE = 4,
  COMPACT_COMPLETE = 5,
  COMPACT_PARTIAL_SKIPPED = 6,
  COMPACT_CONTENDED = 7,
  COMPACT_SUCCESS = 8,
}
/** COMPACT_INACTIVE aliases COMPACT_DEFERRED. */
export const COMPACT_INACTIVE = CompactResult.COMPACT_DEFERRED;
/** include/trace/events/mmflags.h: compaction_status_string (COMPACTION_STATUS). */
export const COMPACT_RESULT_NAMES: readonly string[] = [
  'not_suitable_zone', 'skipped', 'deferred', 'no_suitable_page', 'continue', 'complete', 'partial_skipped', 'contended', 'success',
];

/** include/linux/compaction.h: compaction_made_progress() */
export function compactionMadeProgress(result: CompactResult): boolean {
  return result === CompactResult.COMPACT_SUCCESS;
}
/** include/linux/compaction.h: compaction_failed() */
export function compactionFailed(result: CompactResult): boolean {
  return result === CompactResult.COMPACT_COMPLETE;
}
/** include/linux/compaction.h: compaction_needs_reclaim() */
export function compactionNeedsReclaim(result: CompactResult): boolean {
  return result === CompactResult.COMPACT_SKIPPED;
}
/** include/linux/compaction.h: compaction_withdrawn() */
export function compactionWithdrawn(result: CompactResult): boolean {
  return result === CompactResult.COMPACT_DEFERRED || result === CompactResult.COMPACT_CONTENDED || result === CompactResult.COMPACT_PARTIAL_SKIPPED;
}

/** mm/compaction.c: isolate_migrate_t */
export const enum IsolateMigrate {
  ISOLATE_ABORT = 0,
  ISOLATE_NONE = 1,
  ISOLATE_SUCCESS = 2,
}

/** mm/compaction.c: COMPACT_CLUSTER_MAX (SWAP_CLUSTER_MAX). */
export const COMPACT_CLUSTER_MAX = SWAP_CLUSTER_MAX;
/** mm/compaction.c: COMPACT_MAX_DEFER_SHIFT */
export const COMPACT_MAX_DEFER_SHIFT = 6;
/** mm/compaction.c: HPAGE_FRAG_CHECK_INTERVAL_MSEC */
export const HPAGE_FRAG_CHECK_INTERVAL_MSEC = 500;

/** include/linux/compaction.h: compact_gap(): the free pages compaction needs as migration targets. */
export function compactGap(order: number): number {
  return 2 << order;
}

/** mm/compaction.c: is_via_compact_memory(): order -1 compacts the whole zone. */
export function isViaCompactMemory(order: number): boolean {
  return order === -1;
}

/**
 * The compaction fields of struct zone (include/linux/mmzone.h, CONFIG_COMPACTION): the cached
 * scanner positions, deferral state and the skip-bit flush request.
 */
export class ZoneCompactState {
  /** compact_cached_free_pfn */
  cachedFreePfn = 0;
  /** compact_cached_migrate_pfn[ASYNC, SYNC] */
  readonly cachedMigratePfn = [0, 0];
  /** compact_init_migrate_pfn */
  initMigratePfn = 0;
  /** compact_init_free_pfn */
  initFreePfn = 0;
  /** compact_considered */
  considered = 0;
  /** compact_defer_shift */
  deferShift = 0;
  /** compact_order_failed */
  orderFailed = 0;
  /** compact_blockskip_flush */
  blockskipFlush = false;

  constructor(readonly zone: Zone) {}
}

/** What compaction reaches: the core services. */
export interface CompactionEnv {
  readonly mem: PhysicalMemory;
  readonly alloc: PageAllocator;
  readonly vmstat: VmStat;
  readonly events: EventBus;
  readonly current: ExecutionContext;
  readonly lru: Lru;
  readonly migration: Migration;
  readonly sysctl: VmSysctl;
  readonly clock: SimulatedClock;
}

/**
 * mm/internal.h: struct compact_control. One per compaction run; the isolated free pages live in
 * `freepages` (a pfn stack of order-0 pages, the kernel's cc->freepages list after
 * split_map_pages) and the isolated migration sources on `migratepages`.
 */
export class CompactControl {
  /** cc->freepages: pfns of isolated order-0 target pages. */
  freepages = new Int32Array(1024);
  /** Number of entries in {@link freepages}; equals nr_freepages. */
  nrFreepages = 0;
  /** Number of pages (base pages) on migratepages. */
  nrMigratepages = 0;
  freePfn = 0;
  migratePfn = 0;
  fastStartPfn = 0;
  totalMigrateScanned = 0;
  totalFreeScanned = 0;
  fastSearchFail = 0;
  searchOrder: number;
  gfpMask: number;
  order: number;
  migratetype = 0;
  allocFlags = 0;
  highestZoneidx: number;
  mode: MigrateMode;
  ignoreSkipHint = false;
  noSetSkipHint = false;
  ignoreBlockSuitable = false;
  directCompaction = false;
  proactiveCompaction = false;
  wholeZone = false;
  contended = false;
  finishPageblock = false;
  allocContig = false;
  /** cc->rescan (≤v6.5 name of finish_pageblock, kept as an alias for readers of old traces). */
  get rescan(): boolean {
    return this.finishPageblock;
  }

  constructor(
    readonly zone: Zone,
    readonly migratepages: FolioList,
    opts: { order: number; gfpMask: number; mode: MigrateMode; highestZoneidx: number },
  ) {
    this.order = opts.order;
    this.searchOrder = opts.order;
    this.gfpMask = opts.gfpMask;
    this.mode = opts.mode;
    this.highestZoneidx = opts.highestZoneidx;
  }

  /** Pushes an order-0 target page (list_add_tail on cc->freepages). */
  pushFree(pfn: number): void {
    if (this.nrFreepages === this.freepages.length) {
      const bigger = new Int32Array(this.freepages.length * 2);
      bigger.set(this.freepages);
      this.freepages = bigger;
    }
    this.freepages[this.nrFreepages++] = pfn;
  }
}
