import { TP_PRINTK } from '../events/ftrace-format';
import { MIGRATE_MODE_NAMES, MIGRATE_REASON_NAMES } from './migrate-mode';

/** include/trace/events/migrate.h tracepoint payloads. */
export interface MmMigratePages {
  succeeded: number;
  failed: number;
  thp_succeeded: number;
  thp_failed: number;
  thp_split: number;
  mode: number;
  reason: number;
}

export interface MmMigratePagesStart {
  mode: number;
  reason: number;
}

/**
 * mmsim_migrate_step: not a kernel tracepoint. Marks each of the 18 steps of "How
 * migrate_pages() works" (Documentation/mm/page_migration.rst) as it happens to a folio, so the
 * order can be traced and tested.
 */
export interface MmsimMigrateStep {
  pfn: number;
  step: number;
}

declare module '../events/tracepoints' {
  interface TracepointMap {
    mm_migrate_pages: MmMigratePages;
    mm_migrate_pages_start: MmMigratePagesStart;
    mmsim_migrate_step: MmsimMigrateStep;
  }
}

/** Emits a migration step if anyone traces them (one typed-array load otherwise). */
export class MigrateStepTrace {
  private readonly id: number;
  private readonly listening: Uint32Array;

  constructor(private readonly events: import('../events/event-bus').EventBus) {
    this.id = events.tracepointId('mmsim_migrate_step');
    this.listening = events.listening;
  }

  /** Whether anyone traces steps; hot paths test this once per folio. */
  get on(): boolean {
    return this.listening[this.id] !== 0;
  }

  step(pfn: number, step: number): void {
    this.events.emit('mmsim_migrate_step', { pfn, step });
  }
}

/**
 * include/trace/events/migrate.h: the TP_printk() of the migration tracepoints, registered in
 * the ftrace formatter table when this module loads.
 */
TP_PRINTK.mm_migrate_pages = (e) =>
  `nr_succeeded=${e.succeeded} nr_failed=${e.failed} nr_thp_succeeded=${e.thp_succeeded} nr_thp_failed=${e.thp_failed} ` +
  `nr_thp_split=${e.thp_split} mode=${MIGRATE_MODE_NAMES[e.mode]} reason=${MIGRATE_REASON_NAMES[e.reason]}`;
TP_PRINTK.mmsim_migrate_step = (e) => `pfn=0x${e.pfn.toString(16)} step=${e.step}`;
TP_PRINTK.mm_migrate_pages_start = (e) => `mode=${MIGRATE_MODE_NAMES[e.mode]} reason=${MIGRATE_REASON_NAMES[e.reason]}`;
