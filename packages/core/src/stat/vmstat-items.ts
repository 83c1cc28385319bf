/**
 * The counters mmsim models, with their /proc/vmstat names, in the kernel's order (Linux v6.6:
 * include/linux/mmzone.h: zone_stat_item, numa_stat_item, node_stat_item;
 * include/linux/vm_event_item.h: vm_event_item; mm/vmstat.c: vmstat_text[]).
 *
 * Each `const enum` is the index into the matching names array; `vmstat-items.test.ts` checks the
 * two agree. Items the kernel has but mmsim does not model are left out of both (the /proc
 * renderers print only modelled items, in kernel order), so the numeric values differ from the
 * kernel's; only the relative order is the kernel's. Per-zone groups (PGALLOC_*, ALLOCSTALL_*,
 * PGSCAN_SKIP_*) follow ZoneType (DMA32, Normal, Movable, Device: mmsim has no ZONE_DMA and no
 * ZONE_HIGHMEM) and are indexed as `PGALLOC_DMA32 + zone.type`.
 */

/** include/linux/mmzone.h: enum zone_stat_item (per zone). */
export const enum ZoneStat {
  NR_FREE_PAGES,
  NR_ZONE_INACTIVE_ANON,
  NR_ZONE_ACTIVE_ANON,
  NR_ZONE_INACTIVE_FILE,
  NR_ZONE_ACTIVE_FILE,
  NR_ZONE_UNEVICTABLE,
  NR_ZONE_WRITE_PENDING,
  NR_MLOCK,
  NR_BOUNCE,
  NR_ZSPAGES,
  NR_FREE_CMA_PAGES,
}
export const ZONE_STAT_NAMES: readonly string[] = [
  'nr_free_pages', 'nr_zone_inactive_anon', 'nr_zone_active_anon', 'nr_zone_inactive_file',
  'nr_zone_active_file', 'nr_zone_unevictable', 'nr_zone_write_pending', 'nr_mlock', 'nr_bounce',
  'nr_zspages', 'nr_free_cma',
];

/** include/linux/mmzone.h: enum numa_stat_item (per zone, CONFIG_NUMA). */
export const enum NumaStat {
  NUMA_HIT,
  NUMA_MISS,
  NUMA_FOREIGN,
  NUMA_INTERLEAVE_HIT,
  NUMA_LOCAL,
  NUMA_OTHER,
}
export const NUMA_STAT_NAMES: readonly string[] = [
  'numa_hit', 'numa_miss', 'numa_foreign', 'numa_interleave', 'numa_local', 'numa_other',
];

/** include/linux/mmzone.h: enum node_stat_item (per node). */
export const enum NodeStat {
  NR_INACTIVE_ANON,
  NR_ACTIVE_ANON,
  NR_INACTIVE_FILE,
  NR_ACTIVE_FILE,
  NR_UNEVICTABLE,
  NR_SLAB_RECLAIMABLE_B,
  NR_SLAB_UNRECLAIMABLE_B,
  NR_ISOLATED_ANON,
  NR_ISOLATED_FILE,
  NR_ANON_MAPPED,
  NR_FILE_MAPPED,
  NR_FILE_PAGES,
  NR_FILE_DIRTY,
  NR_WRITEBACK,
  NR_SHMEM,
  /** Counted in base pages, printed in THPs (vmstat_item_print_in_thp). */
  NR_SHMEM_THPS,
  /** Counted in base pages, printed in THPs (vmstat_item_print_in_thp). */
  NR_FILE_THPS,
  /** Counted in base pages, printed in THPs (vmstat_item_print_in_thp). */
  NR_ANON_THPS,
  NR_KERNEL_MISC_RECLAIMABLE,
  NR_FOLL_PIN_ACQUIRED,
  NR_FOLL_PIN_RELEASED,
  NR_PAGETABLE,
  NR_SWAPCACHE,
}
export const NODE_STAT_NAMES: readonly string[] = [
  'nr_inactive_anon', 'nr_active_anon', 'nr_inactive_file', 'nr_active_file', 'nr_unevictable',
  'nr_slab_reclaimable', 'nr_slab_unreclaimable', 'nr_isolated_anon', 'nr_isolated_file',
  'nr_anon_pages', 'nr_mapped', 'nr_file_pages', 'nr_dirty', 'nr_writeback', 'nr_shmem',
  'nr_shmem_hugepages', 'nr_file_hugepages', 'nr_anon_transparent_hugepages', 'nr_kernel_misc_reclaimable', 'nr_foll_pin_acquired',
  'nr_foll_pin_released', 'nr_page_table_pages', 'nr_swapcached',
];

/** include/linux/vm_event_item.h: enum vm_event_item (global event counters). */
export const enum VmEvent {
  PGPGIN,
  PGPGOUT,
  PSWPIN,
  PSWPOUT,
  PGALLOC_DMA32,
  PGALLOC_NORMAL,
  PGALLOC_MOVABLE,
  PGALLOC_DEVICE,
  ALLOCSTALL_DMA32,
  ALLOCSTALL_NORMAL,
  ALLOCSTALL_MOVABLE,
  ALLOCSTALL_DEVICE,
  PGSCAN_SKIP_DMA32,
  PGSCAN_SKIP_NORMAL,
  PGSCAN_SKIP_MOVABLE,
  PGSCAN_SKIP_DEVICE,
  PGFREE,
  PGACTIVATE,
  PGDEACTIVATE,
  PGFAULT,
  PGMAJFAULT,
  PGREFILL,
  PGSTEAL_KSWAPD,
  PGSTEAL_DIRECT,
  PGSTEAL_KHUGEPAGED,
  PGSCAN_KSWAPD,
  PGSCAN_DIRECT,
  PGSCAN_KHUGEPAGED,
  PGSCAN_ANON,
  PGSCAN_FILE,
  PGSTEAL_ANON,
  PGSTEAL_FILE,
  KSWAPD_LOW_WMARK_HIT_QUICKLY,
  KSWAPD_HIGH_WMARK_HIT_QUICKLY,
  PAGEOUTRUN,
  OOM_KILL,
  NUMA_PAGE_MIGRATE,
  PGMIGRATE_SUCCESS,
  PGMIGRATE_FAIL,
  THP_MIGRATION_SUCCESS,
  THP_MIGRATION_FAIL,
  THP_MIGRATION_SPLIT,
  COMPACTMIGRATE_SCANNED,
  COMPACTFREE_SCANNED,
  COMPACTISOLATED,
  COMPACTSTALL,
  COMPACTFAIL,
  COMPACTSUCCESS,
  KCOMPACTD_WAKE,
  KCOMPACTD_MIGRATE_SCANNED,
  KCOMPACTD_FREE_SCANNED,
  /** mm/hugetlb.c: alloc_buddy_hugetlb_folio() succeeded (vm_event_item.h order: before CMA). */
  HTLB_BUDDY_PGALLOC,
  /** mm/hugetlb.c: alloc_buddy_hugetlb_folio() failed. */
  HTLB_BUDDY_PGALLOC_FAIL,
  CMA_ALLOC_SUCCESS,
  CMA_ALLOC_FAIL,
  UNEVICTABLE_PGCULLED,
  UNEVICTABLE_PGSCANNED,
  UNEVICTABLE_PGRESCUED,
  UNEVICTABLE_PGMLOCKED,
  UNEVICTABLE_PGMUNLOCKED,
  UNEVICTABLE_PGCLEARED,
  UNEVICTABLE_PGSTRANDED,
  THP_FAULT_ALLOC,
  THP_FAULT_FALLBACK,
  THP_COLLAPSE_ALLOC,
  THP_COLLAPSE_ALLOC_FAILED,
  THP_SPLIT_PAGE,
  THP_SPLIT_PAGE_FAILED,
  THP_DEFERRED_SPLIT_PAGE,
  THP_SPLIT_PMD,
  BALLOON_INFLATE,
  BALLOON_DEFLATE,
  BALLOON_MIGRATE,
}
export const VM_EVENT_NAMES: readonly string[] = [
  'pgpgin', 'pgpgout', 'pswpin', 'pswpout',
  'pgalloc_dma32', 'pgalloc_normal', 'pgalloc_movable', 'pgalloc_device',
  'allocstall_dma32', 'allocstall_normal', 'allocstall_movable', 'allocstall_device',
  'pgskip_dma32', 'pgskip_normal', 'pgskip_movable', 'pgskip_device',
  'pgfree', 'pgactivate', 'pgdeactivate', 'pgfault', 'pgmajfault', 'pgrefill',
  'pgsteal_kswapd', 'pgsteal_direct', 'pgsteal_khugepaged', 'pgscan_kswapd', 'pgscan_direct', 'pgscan_khugepaged',
  'pgscan_anon', 'pgscan_file', 'pgsteal_anon', 'pgsteal_file',
  'kswapd_low_wmark_hit_quickly', 'kswapd_high_wmark_hit_quickly', 'pageoutrun', 'oom_kill',
  'numa_pages_migrated',
  'pgmigrate_success', 'pgmigrate_fail', 'thp_migration_success', 'thp_migration_fail', 'thp_migration_split',
  'compact_migrate_scanned', 'compact_free_scanned', 'compact_isolated', 'compact_stall', 'compact_fail',
  'compact_success', 'compact_daemon_wake', 'compact_daemon_migrate_scanned', 'compact_daemon_free_scanned',
  'htlb_buddy_alloc_success', 'htlb_buddy_alloc_fail',
  'cma_alloc_success', 'cma_alloc_fail',
  'unevictable_pgs_culled', 'unevictable_pgs_scanned', 'unevictable_pgs_rescued', 'unevictable_pgs_mlocked',
  'unevictable_pgs_munlocked', 'unevictable_pgs_cleared', 'unevictable_pgs_stranded',
  'thp_fault_alloc', 'thp_fault_fallback', 'thp_collapse_alloc', 'thp_collapse_alloc_failed',
  'thp_split_page', 'thp_split_page_failed', 'thp_deferred_split_page', 'thp_split_pmd',
  'balloon_inflate', 'balloon_deflate', 'balloon_migrate',
];

/**
 * include/linux/vmstat.h: vmstat_item_print_in_thp(). These node counters are kept in base
 * pages (as the kernel keeps them since v5.13) and shown divided by HPAGE_PMD_NR in /proc/vmstat
 * and /proc/zoneinfo.
 */
export function vmstatItemPrintInThp(item: number): boolean {
  return item === NodeStat.NR_ANON_THPS || item === NodeStat.NR_FILE_THPS || item === NodeStat.NR_SHMEM_THPS;
}
