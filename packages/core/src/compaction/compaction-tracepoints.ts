import type { EventBus } from '../events/event-bus';
import { TP_PRINTK } from '../events/ftrace-format';
import { formatGfp } from '../zone/gfp';
import type { Zone } from '../zone/zone';
import { ZONE_NAMES } from '../zone/zone-type';
import { COMPACT_RESULT_NAMES, type CompactResult, type ZoneCompactState, compactionFailed, compactionWithdrawn } from './compact-control';
import type { CompactRetryEvent } from './compact-retry';

/** include/trace/events/compaction.h: mm_compaction_isolate_template */
export interface MmCompactionIsolate {
  start_pfn: number;
  end_pfn: number;
  nr_scanned: number;
  nr_taken: number;
}
/** include/trace/events/compaction.h: mm_compaction_migratepages */
export interface MmCompactionMigratepages {
  nr_migratepages: number;
  nr_failed: number;
}
/** include/trace/events/compaction.h: mm_compaction_begin */
export interface MmCompactionBegin {
  zone_start: number;
  migrate_pfn: number;
  free_pfn: number;
  zone_end: number;
  sync: boolean;
}
/** include/trace/events/compaction.h: mm_compaction_end */
export interface MmCompactionEnd extends MmCompactionBegin {
  status: number;
}
/** include/trace/events/compaction.h: mm_compaction_try_to_compact_pages */
export interface MmCompactionTryToCompactPages {
  order: number;
  gfp_mask: number;
  prio: number;
}
/** include/trace/events/compaction.h: mm_compaction_suitable_template (finished, suitable) */
export interface MmCompactionSuitable {
  nid: number;
  idx: number;
  order: number;
  ret: number;
}
/** include/trace/events/compaction.h: mm_compaction_defer_template */
export interface MmCompactionDefer {
  nid: number;
  idx: number;
  order: number;
  considered: number;
  defer_shift: number;
  order_failed: number;
}
/** include/trace/events/compaction.h: mm_compaction_kcompactd_sleep */
export interface MmCompactionKcompactdSleep {
  nid: number;
}
/** include/trace/events/compaction.h: kcompactd_wake_template */
export interface MmCompactionKcompactdWake {
  nid: number;
  order: number;
  highest_zoneidx: number;
}

declare module '../events/tracepoints' {
  interface TracepointMap {
    mm_compaction_isolate_migratepages: MmCompactionIsolate;
    mm_compaction_isolate_freepages: MmCompactionIsolate;
    mm_compaction_fast_isolate_freepages: MmCompactionIsolate;
    mm_compaction_migratepages: MmCompactionMigratepages;
    mm_compaction_begin: MmCompactionBegin;
    mm_compaction_end: MmCompactionEnd;
    mm_compaction_try_to_compact_pages: MmCompactionTryToCompactPages;
    mm_compaction_finished: MmCompactionSuitable;
    mm_compaction_suitable: MmCompactionSuitable;
    mm_compaction_deferred: MmCompactionDefer;
    mm_compaction_defer_compaction: MmCompactionDefer;
    mm_compaction_defer_reset: MmCompactionDefer;
    mm_compaction_kcompactd_sleep: MmCompactionKcompactdSleep;
    mm_compaction_wakeup_kcompactd: MmCompactionKcompactdWake;
    mm_compaction_kcompactd_wake: MmCompactionKcompactdWake;
    compact_retry: CompactRetryEvent;
  }
}

type DeferName = 'mm_compaction_deferred' | 'mm_compaction_defer_compaction' | 'mm_compaction_defer_reset';
type IsolateName = 'mm_compaction_isolate_migratepages' | 'mm_compaction_isolate_freepages' | 'mm_compaction_fast_isolate_freepages';
type WakeName = 'mm_compaction_wakeup_kcompactd' | 'mm_compaction_kcompactd_wake';

/**
 * Emits the compaction tracepoints only when someone listens (one typed-array load otherwise,
 * the kernel's static-key trace_*_enabled()).
 */
export class CompactionTrace {
  private readonly listening: Uint32Array;
  private readonly ids: Record<string, number> = {};
  readonly idIsolateMigrate: number;
  readonly idIsolateFree: number;
  readonly idFastIsolateFree: number;

  constructor(private readonly events: EventBus) {
    this.listening = events.listening;
    for (const name of TRACEPOINT_NAMES) this.ids[name] = events.tracepointId(name);
    this.idIsolateMigrate = this.ids.mm_compaction_isolate_migratepages!;
    this.idIsolateFree = this.ids.mm_compaction_isolate_freepages!;
    this.idFastIsolateFree = this.ids.mm_compaction_fast_isolate_freepages!;
  }

  /** Whether anyone listens to a tracepoint (by id). */
  on(id: number): boolean {
    return this.listening[id] !== 0;
  }

  private enabled(name: string): boolean {
    return this.listening[this.ids[name]!] !== 0;
  }

  isolate(name: IsolateName, start_pfn: number, end_pfn: number, nr_scanned: number, nr_taken: number): void {
    this.events.emit(name, { start_pfn, end_pfn, nr_scanned, nr_taken });
  }

  migratepages(nrMigratepages: number, nrSucceeded: number): void {
    if (this.enabled('mm_compaction_migratepages')) {
      this.events.emit('mm_compaction_migratepages', { nr_migratepages: nrMigratepages, nr_failed: nrMigratepages - nrSucceeded });
    }
  }

  begin(zone_start: number, migrate_pfn: number, free_pfn: number, zone_end: number, sync: boolean): void {
    if (this.enabled('mm_compaction_begin')) this.events.emit('mm_compaction_begin', { zone_start, migrate_pfn, free_pfn, zone_end, sync });
  }

  end(zone_start: number, migrate_pfn: number, free_pfn: number, zone_end: number, sync: boolean, status: CompactResult): void {
    if (this.enabled('mm_compaction_end')) this.events.emit('mm_compaction_end', { zone_start, migrate_pfn, free_pfn, zone_end, sync, status });
  }

  tryToCompactPages(order: number, gfp_mask: number, prio: number): void {
    if (this.enabled('mm_compaction_try_to_compact_pages')) this.events.emit('mm_compaction_try_to_compact_pages', { order, gfp_mask, prio });
  }

  suitable(zone: Zone, order: number, ret: CompactResult): void {
    if (this.enabled('mm_compaction_suitable')) this.events.emit('mm_compaction_suitable', { nid: zone.nid, idx: zone.type, order, ret });
  }

  finished(zone: Zone, order: number, ret: CompactResult): void {
    if (this.enabled('mm_compaction_finished')) this.events.emit('mm_compaction_finished', { nid: zone.nid, idx: zone.type, order, ret });
  }

  deferEvent(name: DeferName, z: ZoneCompactState, order: number): void {
    if (!this.enabled(name)) return;
    this.events.emit(name, {
      nid: z.zone.nid, idx: z.zone.type, order, considered: z.considered, defer_shift: z.deferShift, order_failed: z.orderFailed,
    });
  }

  kcompactdSleep(nid: number): void {
    if (this.enabled('mm_compaction_kcompactd_sleep')) this.events.emit('mm_compaction_kcompactd_sleep', { nid });
  }

  wake(name: WakeName, nid: number, order: number, highest_zoneidx: number): void {
    if (this.enabled(name)) this.events.emit(name, { nid, order, highest_zoneidx });
  }
}

const TRACEPOINT_NAMES = [
  'mm_compaction_isolate_migratepages', 'mm_compaction_isolate_freepages', 'mm_compaction_fast_isolate_freepages',
  'mm_compaction_migratepages', 'mm_compaction_begin', 'mm_compaction_end', 'mm_compaction_try_to_compact_pages',
  'mm_compaction_finished', 'mm_compaction_suitable', 'mm_compaction_deferred', 'mm_compaction_defer_compaction',
  'mm_compaction_defer_reset', 'mm_compaction_kcompactd_sleep', 'mm_compaction_wakeup_kcompactd', 'mm_compaction_kcompactd_wake',
] as const;

const hex = (n: number): string => '0x' + n.toString(16);
/** `%-8s` of the zone name */
const zoneName = (idx: number): string => (ZONE_NAMES[idx] ?? String(idx)).padEnd(8);

/** include/trace/events/compaction.h (v6.6): the TP_printk() of every compaction tracepoint. */
const isolatePrintk = (e: MmCompactionIsolate): string =>
  `range=(${hex(e.start_pfn)} ~ ${hex(e.end_pfn)}) nr_scanned=${e.nr_scanned} nr_taken=${e.nr_taken}`;
const beginPrintk = (e: MmCompactionBegin): string =>
  `zone_start=${hex(e.zone_start)} migrate_pfn=${hex(e.migrate_pfn)} free_pfn=${hex(e.free_pfn)} zone_end=${hex(e.zone_end)}, mode=${e.sync ? 'sync' : 'async'}`;
const suitablePrintk = (e: MmCompactionSuitable): string =>
  `node=${e.nid} zone=${zoneName(e.idx)} order=${e.order} ret=${COMPACT_RESULT_NAMES[e.ret]}`;
const deferPrintk = (e: MmCompactionDefer): string =>
  `node=${e.nid} zone=${zoneName(e.idx)} order=${e.order} order_failed=${e.order_failed} consider=${e.considered} limit=${2 ** e.defer_shift}`;
const wakePrintk = (e: MmCompactionKcompactdWake): string => `nid=${e.nid} order=${e.order} highest_zoneidx=${zoneName(e.highest_zoneidx)}`;

TP_PRINTK.mm_compaction_isolate_migratepages = isolatePrintk;
TP_PRINTK.mm_compaction_isolate_freepages = isolatePrintk;
TP_PRINTK.mm_compaction_fast_isolate_freepages = isolatePrintk;
TP_PRINTK.mm_compaction_migratepages = (e) => `nr_migratepages=${e.nr_migratepages} nr_failed=${e.nr_failed}`;
TP_PRINTK.mm_compaction_begin = beginPrintk;
TP_PRINTK.mm_compaction_end = (e) => `${beginPrintk(e)} status=${COMPACT_RESULT_NAMES[e.status]}`;
TP_PRINTK.mm_compaction_try_to_compact_pages = (e) => `order=${e.order} gfp_mask=${formatGfp(e.gfp_mask)} priority=${e.prio}`;
TP_PRINTK.mm_compaction_finished = suitablePrintk;
TP_PRINTK.mm_compaction_suitable = suitablePrintk;
TP_PRINTK.mm_compaction_deferred = deferPrintk;
TP_PRINTK.mm_compaction_defer_compaction = deferPrintk;
TP_PRINTK.mm_compaction_defer_reset = deferPrintk;
TP_PRINTK.mm_compaction_kcompactd_sleep = (e) => `nid=${e.nid}`;
TP_PRINTK.mm_compaction_wakeup_kcompactd = wakePrintk;
TP_PRINTK.mm_compaction_kcompactd_wake = wakePrintk;

/** include/trace/events/mmflags.h: COMPACTION_PRIORITY */
const COMPACT_PRIORITY_NAMES = ['COMPACT_PRIO_SYNC_FULL', 'COMPACT_PRIO_SYNC_LIGHT', 'COMPACT_PRIO_ASYNC'];
/** include/trace/events/mmflags.h: compact_result_to_feedback() / COMPACTION_FEEDBACK */
function compactFeedback(result: number): string {
  if (compactionFailed(result as CompactResult)) return 'failed';
  return compactionWithdrawn(result as CompactResult) ? 'withdrawn' : 'progress';
}
/** include/trace/events/oom.h: compact_retry */
TP_PRINTK.compact_retry = (e) =>
  `order=${e.order} priority=${COMPACT_PRIORITY_NAMES[e.priority]} compaction_result=${compactFeedback(e.result)} retries=${e.retries} max_retries=${e.max_retries} should_retry=${e.ret ? 1 : 0}`;
