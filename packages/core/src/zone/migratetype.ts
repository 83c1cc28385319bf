/** include/linux/mmzone.h: enum migratetype (CONFIG_CMA and CONFIG_MEMORY_ISOLATION on). */
export const enum MigrateType {
  UNMOVABLE = 0,
  MOVABLE = 1,
  RECLAIMABLE = 2,
  /** MIGRATE_PCPTYPES: the number of types on the per-cpu lists. */
  HIGHATOMIC = 3,
  CMA = 4,
  ISOLATE = 5,
}
export const MIGRATE_PCPTYPES = 3;
export const MIGRATE_TYPES = 6;
/** mm/page_alloc.c: migratetype_names */
export const MIGRATETYPE_NAMES: readonly string[] = ['Unmovable', 'Movable', 'Reclaimable', 'HighAtomic', 'CMA', 'Isolate'];

/**
 * mm/page_alloc.c: fallbacks[][]. The order in which an allocation of a given migratetype
 * steals from other free lists when its own is empty.
 */
export const FALLBACKS: readonly (readonly MigrateType[])[] = [
  [MigrateType.RECLAIMABLE, MigrateType.MOVABLE], // UNMOVABLE
  [MigrateType.RECLAIMABLE, MigrateType.UNMOVABLE], // MOVABLE
  [MigrateType.UNMOVABLE, MigrateType.MOVABLE], // RECLAIMABLE
];

/** include/linux/mmzone.h: migratetype_is_mergeable: pcp types may merge across pageblocks. */
export function migratetypeIsMergeable(mt: number): boolean {
  return mt < MIGRATE_PCPTYPES;
}
