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

declare module '../events/tracepoints' {
  interface TracepointMap {
    mm_migrate_pages: MmMigratePages;
    mm_migrate_pages_start: MmMigratePagesStart;
  }
}

/**
 * include/trace/events/migrate.h: the TP_printk() of the migration tracepoints, registered in
 * the ftrace formatter table when this module loads.
 */
TP_PRINTK.mm_migrate_pages = (e) =>
  `nr_succeeded=${e.succeeded} nr_failed=${e.failed} nr_thp_succeeded=${e.thp_succeeded} nr_thp_failed=${e.thp_failed} ` +
  `nr_thp_split=${e.thp_split} mode=${MIGRATE_MODE_NAMES[e.mode]} reason=${MIGRATE_REASON_NAMES[e.reason]}`;
TP_PRINTK.mm_migrate_pages_start = (e) => `mode=${MIGRATE_MODE_NAMES[e.mode]} reason=${MIGRATE_REASON_NAMES[e.reason]}`;
