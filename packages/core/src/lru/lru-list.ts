import { PG } from '../mem/page-flags';

/**
 * include/linux/mmzone.h: enum lru_list. The values equal the offsets of the node counters
 * NR_INACTIVE_ANON..NR_UNEVICTABLE (NR_LRU_BASE) and, plus one, of the zone counters
 * NR_ZONE_INACTIVE_ANON..NR_ZONE_UNEVICTABLE (NR_ZONE_LRU_BASE) in stat/vmstat-items.ts.
 */
export const enum LruList {
  LRU_INACTIVE_ANON = 0,
  LRU_ACTIVE_ANON = 1,
  LRU_INACTIVE_FILE = 2,
  LRU_ACTIVE_FILE = 3,
  LRU_UNEVICTABLE = 4,
}
/** include/linux/mmzone.h: LRU_ACTIVE, LRU_FILE */
export const LRU_ACTIVE = 1;
export const LRU_FILE = 2;
export const NR_LRU_LISTS = 5;
/** enum lru_list names as the kernel spells them. */
export const LRU_NAMES: readonly string[] = ['inactive_anon', 'active_anon', 'inactive_file', 'active_file', 'unevictable'];
/** NodeStat.NR_INACTIVE_ANON */
export const NR_LRU_BASE = 0;
/** ZoneStat.NR_ZONE_INACTIVE_ANON */
export const NR_ZONE_LRU_BASE = 1;

const UNEVICTABLE = 1 << PG.unevictable;
const ACTIVE = 1 << PG.active;
const SWAPBACKED = 1 << PG.swapbacked;

/** include/linux/mm_inline.h: folio_is_file_lru() — !PG_swapbacked. */
export function folioIsFileLru(flags: number): boolean {
  return (flags & SWAPBACKED) === 0;
}

/** include/linux/mm_inline.h: folio_lru_list(), from the head page's flags word. */
export function folioLruList(flags: number): LruList {
  if (flags & UNEVICTABLE) return LruList.LRU_UNEVICTABLE;
  return ((flags & SWAPBACKED ? LruList.LRU_INACTIVE_ANON : LruList.LRU_INACTIVE_FILE) + (flags & ACTIVE ? LRU_ACTIVE : 0)) as LruList;
}
