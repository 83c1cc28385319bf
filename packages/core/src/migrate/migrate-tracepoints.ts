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
