/** include/linux/migrate_mode.h: enum migrate_mode (v6.1–v6.10, with SYNC_NO_COPY). */
export const enum MigrateMode {
  /** Never block. */
  ASYNC = 0,
  /** Block on most things, but not on ->writepage. */
  SYNC_LIGHT = 1,
  /** Block when necessary. */
  SYNC = 2,
  /** Block, but never copy with the CPU: the data is moved by DMA (device migration). */
  SYNC_NO_COPY = 3,
}
export const MIGRATE_MODE_NAMES: readonly string[] = ['MIGRATE_ASYNC', 'MIGRATE_SYNC_LIGHT', 'MIGRATE_SYNC', 'MIGRATE_SYNC_NO_COPY'];

/** include/linux/migrate_mode.h: enum migrate_reason. */
export const enum MigrateReason {
  MR_COMPACTION = 0,
  MR_MEMORY_FAILURE = 1,
  MR_MEMORY_HOTPLUG = 2,
  MR_SYSCALL = 3,
  MR_MEMPOLICY_MBIND = 4,
  MR_NUMA_MISPLACED = 5,
  MR_CONTIG_RANGE = 6,
  MR_LONGTERM_PIN = 7,
  MR_DEMOTION = 8,
}
export const MR_TYPES = 9;
/** mm/debug.c: migrate_reason_names (the strings trace output prints). */
export const MIGRATE_REASON_NAMES: readonly string[] = [
  'compaction', 'memory_failure', 'memory_hotplug', 'syscall_or_cpuset', 'mempolicy_mbind',
  'numa_misplaced', 'contig_range', 'longterm_pin', 'demotion',
];

/** include/linux/migrate.h: MIGRATEPAGE_SUCCESS / MIGRATEPAGE_UNMAP. */
export const MIGRATEPAGE_SUCCESS = 0;
export const MIGRATEPAGE_UNMAP = 1;

/** mm/migrate.c: retry limits. */
export const NR_MAX_BATCHED_MIGRATION = 512;
export const NR_MAX_MIGRATE_PAGES_RETRY = 10;
export const NR_MAX_MIGRATE_ASYNC_RETRY = 3;
export const NR_MAX_MIGRATE_SYNC_RETRY = NR_MAX_MIGRATE_PAGES_RETRY - NR_MAX_MIGRATE_ASYNC_RETRY;

/** include/linux/mmzone.h: isolate_mode_t bits passed to isolate_page(). */
export const ISOLATE_UNEVICTABLE = 0x4;
export const ISOLATE_ASYNC_MIGRATE = 0x8;
