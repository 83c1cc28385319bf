import {
  NODE_STAT_NAMES, NUMA_STAT_NAMES, NodeStat, NumaStat, VM_EVENT_NAMES, VmEvent, ZONE_STAT_NAMES, ZoneStat,
  vmstatItemPrintInThp,
} from './vmstat-items';

/**
 * mm/vmstat.c (v6.6) vmstat_text[] for an x86_64 config with NUMA, ZSMALLOC, CMA, COMPACTION,
 * MIGRATION, THP, NUMA_BALANCING, MEMORY_BALLOON and ZONE_DEVICE, and without ZONE_DMA /
 * HIGHMEM (mmsim models neither). mmsim's names must be a subsequence of this, in order.
 */
const KERNEL_VMSTAT_TEXT: readonly string[] = [
  // enum zone_stat_item
  'nr_free_pages', 'nr_zone_inactive_anon', 'nr_zone_active_anon', 'nr_zone_inactive_file', 'nr_zone_active_file',
  'nr_zone_unevictable', 'nr_zone_write_pending', 'nr_mlock', 'nr_bounce', 'nr_zspages', 'nr_free_cma', 'nr_unaccepted',
  // enum numa_stat_item
  'numa_hit', 'numa_miss', 'numa_foreign', 'numa_interleave', 'numa_local', 'numa_other',
  // enum node_stat_item
  'nr_inactive_anon', 'nr_active_anon', 'nr_inactive_file', 'nr_active_file', 'nr_unevictable',
  'nr_slab_reclaimable', 'nr_slab_unreclaimable', 'nr_isolated_anon', 'nr_isolated_file', 'workingset_nodes',
  'workingset_refault_anon', 'workingset_refault_file', 'workingset_activate_anon', 'workingset_activate_file',
  'workingset_restore_anon', 'workingset_restore_file', 'workingset_nodereclaim', 'nr_anon_pages', 'nr_mapped',
  'nr_file_pages', 'nr_dirty', 'nr_writeback', 'nr_writeback_temp', 'nr_shmem', 'nr_shmem_hugepages',
  'nr_shmem_pmdmapped', 'nr_file_hugepages', 'nr_file_pmdmapped', 'nr_anon_transparent_hugepages',
  'nr_vmscan_write', 'nr_vmscan_immediate_reclaim', 'nr_dirtied', 'nr_written', 'nr_throttled_written',
  'nr_kernel_misc_reclaimable', 'nr_foll_pin_acquired', 'nr_foll_pin_released', 'nr_kernel_stack',
  'nr_page_table_pages', 'nr_sec_page_table_pages', 'nr_swapcached', 'pgpromote_success', 'pgpromote_candidate',
  // enum vm_stat_item
  'nr_dirty_threshold', 'nr_dirty_background_threshold',
  // enum vm_event_item
  'pgpgin', 'pgpgout', 'pswpin', 'pswpout',
  'pgalloc_dma32', 'pgalloc_normal', 'pgalloc_movable', 'pgalloc_device',
  'allocstall_dma32', 'allocstall_normal', 'allocstall_movable', 'allocstall_device',
  'pgskip_dma32', 'pgskip_normal', 'pgskip_movable', 'pgskip_device',
  'pgfree', 'pgactivate', 'pgdeactivate', 'pglazyfree', 'pgfault', 'pgmajfault', 'pglazyfreed', 'pgrefill',
  'pgreuse', 'pgsteal_kswapd', 'pgsteal_direct', 'pgsteal_khugepaged', 'pgdemote_kswapd', 'pgdemote_direct',
  'pgdemote_khugepaged', 'pgscan_kswapd', 'pgscan_direct', 'pgscan_khugepaged', 'pgscan_direct_throttle',
  'pgscan_anon', 'pgscan_file', 'pgsteal_anon', 'pgsteal_file', 'zone_reclaim_failed', 'pginodesteal',
  'slabs_scanned', 'kswapd_inodesteal', 'kswapd_low_wmark_hit_quickly', 'kswapd_high_wmark_hit_quickly',
  'pageoutrun', 'pgrotated', 'drop_pagecache', 'drop_slab', 'oom_kill',
  'numa_pte_updates', 'numa_huge_pte_updates', 'numa_hint_faults', 'numa_hint_faults_local', 'numa_pages_migrated',
  'pgmigrate_success', 'pgmigrate_fail', 'thp_migration_success', 'thp_migration_fail', 'thp_migration_split',
  'compact_migrate_scanned', 'compact_free_scanned', 'compact_isolated', 'compact_stall', 'compact_fail',
  'compact_success', 'compact_daemon_wake', 'compact_daemon_migrate_scanned', 'compact_daemon_free_scanned',
  'htlb_buddy_alloc_success', 'htlb_buddy_alloc_fail', 'cma_alloc_success', 'cma_alloc_fail',
  'unevictable_pgs_culled', 'unevictable_pgs_scanned', 'unevictable_pgs_rescued', 'unevictable_pgs_mlocked',
  'unevictable_pgs_munlocked', 'unevictable_pgs_cleared', 'unevictable_pgs_stranded',
  'thp_fault_alloc', 'thp_fault_fallback', 'thp_fault_fallback_charge', 'thp_collapse_alloc',
  'thp_collapse_alloc_failed', 'thp_file_alloc', 'thp_file_fallback', 'thp_file_fallback_charge',
  'thp_file_mapped', 'thp_split_page', 'thp_split_page_failed', 'thp_deferred_split_page', 'thp_split_pmd',
  'thp_scan_exceed_none_pte', 'thp_scan_exceed_swap_pte', 'thp_scan_exceed_share_pte', 'thp_split_pud',
  'thp_zero_page_alloc', 'thp_zero_page_alloc_failed', 'thp_swpout', 'thp_swpout_fallback',
  'balloon_inflate', 'balloon_deflate', 'balloon_migrate',
  'swap_ra', 'swap_ra_hit', 'ksm_swpin_copy', 'cow_ksm', 'zswpin', 'zswpout',
  'direct_map_level2_splits', 'direct_map_level3_splits',
];

describe('vmstat items', () => {
  it.each([
    ['zone_stat_item', ZONE_STAT_NAMES, ZoneStat.NR_FREE_CMA_PAGES + 1],
    ['numa_stat_item', NUMA_STAT_NAMES, NumaStat.NUMA_OTHER + 1],
    ['node_stat_item', NODE_STAT_NAMES, NodeStat.NR_SWAPCACHE + 1],
    ['vm_event_item', VM_EVENT_NAMES, VmEvent.BALLOON_MIGRATE + 1],
  ])('%s: one unique name per enum member', (_what, names, count) => {
    expect(names).toHaveLength(count);
    expect(new Set(names).size).toBe(names.length);
  });

  it('names appear in the kernel order of vmstat_text[] (v6.6)', () => {
    const all = [...ZONE_STAT_NAMES, ...NUMA_STAT_NAMES, ...NODE_STAT_NAMES, ...VM_EVENT_NAMES];
    let at = 0;
    for (const name of all) {
      const found = KERNEL_VMSTAT_TEXT.indexOf(name, at);
      expect([name, found >= 0]).toEqual([name, true]);
      at = found + 1;
    }
  });

  it.each([
    ['nr_free_pages', ZoneStat.NR_FREE_PAGES, ZONE_STAT_NAMES],
    ['nr_zspages', ZoneStat.NR_ZSPAGES, ZONE_STAT_NAMES],
    ['nr_free_cma', ZoneStat.NR_FREE_CMA_PAGES, ZONE_STAT_NAMES],
    ['numa_interleave', NumaStat.NUMA_INTERLEAVE_HIT, NUMA_STAT_NAMES],
    ['nr_slab_reclaimable', NodeStat.NR_SLAB_RECLAIMABLE_B, NODE_STAT_NAMES],
    ['nr_isolated_anon', NodeStat.NR_ISOLATED_ANON, NODE_STAT_NAMES],
    ['nr_isolated_file', NodeStat.NR_ISOLATED_FILE, NODE_STAT_NAMES],
    ['nr_anon_pages', NodeStat.NR_ANON_MAPPED, NODE_STAT_NAMES],
    ['nr_mapped', NodeStat.NR_FILE_MAPPED, NODE_STAT_NAMES],
    ['nr_anon_transparent_hugepages', NodeStat.NR_ANON_THPS, NODE_STAT_NAMES],
    ['nr_page_table_pages', NodeStat.NR_PAGETABLE, NODE_STAT_NAMES],
    ['nr_swapcached', NodeStat.NR_SWAPCACHE, NODE_STAT_NAMES],
    ['pgfree', VmEvent.PGFREE, VM_EVENT_NAMES],
    ['numa_pages_migrated', VmEvent.NUMA_PAGE_MIGRATE, VM_EVENT_NAMES],
    ['pgmigrate_success', VmEvent.PGMIGRATE_SUCCESS, VM_EVENT_NAMES],
    ['compact_isolated', VmEvent.COMPACTISOLATED, VM_EVENT_NAMES],
    ['compact_daemon_wake', VmEvent.KCOMPACTD_WAKE, VM_EVENT_NAMES],
    ['compact_daemon_free_scanned', VmEvent.KCOMPACTD_FREE_SCANNED, VM_EVENT_NAMES],
    ['unevictable_pgs_mlocked', VmEvent.UNEVICTABLE_PGMLOCKED, VM_EVENT_NAMES],
    ['thp_migration_split', VmEvent.THP_MIGRATION_SPLIT, VM_EVENT_NAMES],
    ['balloon_migrate', VmEvent.BALLOON_MIGRATE, VM_EVENT_NAMES],
  ])('"%s" is the name of enum value %i', (name, item, names) => {
    expect(names[item]).toBe(name);
  });

  it.each([
    ['pgalloc', VmEvent.PGALLOC_DMA32],
    ['allocstall', VmEvent.ALLOCSTALL_DMA32],
    ['pgskip', VmEvent.PGSCAN_SKIP_DMA32],
  ])('%s_* is indexed by zone type (DMA32, Normal, Movable, Device)', (prefix, base) => {
    expect(['dma32', 'normal', 'movable', 'device'].map((_z, type) => VM_EVENT_NAMES[base + type])).toEqual(
      ['dma32', 'normal', 'movable', 'device'].map((z) => `${prefix}_${z}`),
    );
  });

  it('prints the THP node counters in huge pages and nothing else', () => {
    const thp = NODE_STAT_NAMES.map((_n, i) => i).filter(vmstatItemPrintInThp).map((i) => NODE_STAT_NAMES[i]);
    expect(thp).toEqual(['nr_shmem_hugepages', 'nr_file_hugepages', 'nr_anon_transparent_hugepages']);
  });
});
