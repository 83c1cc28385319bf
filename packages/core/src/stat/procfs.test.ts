import { NR_PAGE_ORDERS } from '../mem/constants';
import { MIGRATE_TYPES, MigrateType } from '../zone/migratetype';
import { bootMachine, fixedSequence } from './__fixtures__/procfs-machine';

/**
 * Golden text of every /proc view on a flat 64 MiB one-node machine (16384 pages, 256 of them the
 * reserved memmap) after the fixed alloc/free sequence of procfs-machine.ts. Formats follow
 * mm/vmstat.c (v6.6); the numbers were checked by hand: the buddy census sums to nr_free_pages
 * (4 + 2*8 + 2*16 + 2*32 + 2*64 + 2*128 + 3*256 + 4*512 + 11*1024 = 14580), pgalloc_normal is
 * 8 + 8 + 4 + 4*512 = 2068, pgfree is 16128 (boot) + 4 + 8 + 512 = 16652, numa_hit counts the 14
 * allocations, and the 4 freed order-0 pages are the pcp count.
 */
describe('ProcFs on a flat 64MiB machine after a fixed sequence', () => {
  const m = bootMachine({ nodes: [{ memory: '64MiB' }], layout: 'flat' });
  fixedSequence(m.alloc);

  it('/proc/buddyinfo (frag_show_print)', () => {
    expect(m.procfs.buddyinfo()).toBe(`Node 0, zone   Normal      0      0      1      2      2      2      2      2      3      4     11 
`);
  });

  it('/proc/pagetypeinfo (pagetypeinfo_show)', () => {
    expect(m.procfs.pagetypeinfo()).toBe(`Page block order: 9
Pages per block:  512

Free pages count per migrate type at order       0      1      2      3      4      5      6      7      8      9     10 
Node    0, zone   Normal, type    Unmovable      0      0      0      1      1      1      1      1      1      1      0 
Node    0, zone   Normal, type      Movable      0      0      0      0      0      0      0      0      1      2     11 
Node    0, zone   Normal, type  Reclaimable      0      0      1      1      1      1      1      1      1      1      0 
Node    0, zone   Normal, type   HighAtomic      0      0      0      0      0      0      0      0      0      0      0 
Node    0, zone   Normal, type          CMA      0      0      0      0      0      0      0      0      0      0      0 
Node    0, zone   Normal, type      Isolate      0      0      0      0      0      0      0      0      0      0      0 

Number of blocks type     Unmovable      Movable  Reclaimable   HighAtomic          CMA      Isolate 
Node 0, zone   Normal            2           28            2            0            0            0 
`);
  });

  it('/proc/zoneinfo (zoneinfo_show_print)', () => {
    expect(m.procfs.zoneinfo()).toBe(`Node 0, zone    DMA32
  pages free     0
        boost    0
        min      0
        low      0
        high     0
        promo    0
        spanned  0
        present  0
        managed  0
        cma      0
        protection: (0, 0, 0, 0)
Node 0, zone   Normal
  per-node stats
      nr_inactive_anon 0
      nr_active_anon 0
      nr_inactive_file 0
      nr_active_file 0
      nr_unevictable 0
      nr_slab_reclaimable 0
      nr_slab_unreclaimable 0
      nr_isolated_anon 0
      nr_isolated_file 0
      nr_anon_pages 0
      nr_mapped    0
      nr_file_pages 0
      nr_dirty     0
      nr_writeback 0
      nr_shmem     0
      nr_shmem_hugepages 0
      nr_file_hugepages 0
      nr_anon_transparent_hugepages 0
      nr_kernel_misc_reclaimable 0
      nr_foll_pin_acquired 0
      nr_foll_pin_released 0
      nr_page_table_pages 0
      nr_swapcached 0
  pages free     14580
        boost    0
        min      253
        low      316
        high     379
        promo    442
        spanned  16384
        present  16384
        managed  16128
        cma      0
        protection: (0, 0, 0, 0)
      nr_free_pages 14580
      nr_zone_inactive_anon 0
      nr_zone_active_anon 0
      nr_zone_inactive_file 0
      nr_zone_active_file 0
      nr_zone_unevictable 0
      nr_zone_write_pending 0
      nr_mlock     0
      nr_bounce    0
      nr_zspages   0
      nr_free_cma  0
      numa_hit     14
      numa_miss    0
      numa_foreign 0
      numa_interleave 0
      numa_local   14
      numa_other   0
  pagesets
    cpu: 0
              count: 4
              high:  316
              batch: 3
  vm stats threshold: 2
  node_unreclaimable:  0
  start_pfn:           0
Node 0, zone  Movable
  pages free     0
        boost    0
        min      32
        low      32
        high     32
        promo    32
        spanned  0
        present  0
        managed  0
        cma      0
        protection: (0, 0, 0, 0)
Node 0, zone   Device
  pages free     0
        boost    0
        min      0
        low      0
        high     0
        promo    0
        spanned  0
        present  0
        managed  0
        cma      0
        protection: (0, 0, 0, 0)
`);
  });

  it('extfrag/unusable_index (unusable_show_print)', () => {
    expect(m.procfs.unusableIndex()).toBe(`Node 0, zone   Normal 0.000 0.000 0.000 0.000 0.001 0.003 0.007 0.016 0.034 0.086 0.227 
`);
  });

  it('extfrag/extfrag_index (extfrag_show_print)', () => {
    expect(m.procfs.extfragIndex()).toBe(`Node 0, zone   Normal -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 
`);
  });

  it('/proc/vmstat (vmstat_show)', () => {
    expect(m.procfs.vmstat()).toBe(`nr_free_pages 14580
nr_zone_inactive_anon 0
nr_zone_active_anon 0
nr_zone_inactive_file 0
nr_zone_active_file 0
nr_zone_unevictable 0
nr_zone_write_pending 0
nr_mlock 0
nr_bounce 0
nr_zspages 0
nr_free_cma 0
numa_hit 14
numa_miss 0
numa_foreign 0
numa_interleave 0
numa_local 14
numa_other 0
nr_inactive_anon 0
nr_active_anon 0
nr_inactive_file 0
nr_active_file 0
nr_unevictable 0
nr_slab_reclaimable 0
nr_slab_unreclaimable 0
nr_isolated_anon 0
nr_isolated_file 0
nr_anon_pages 0
nr_mapped 0
nr_file_pages 0
nr_dirty 0
nr_writeback 0
nr_shmem 0
nr_shmem_hugepages 0
nr_file_hugepages 0
nr_anon_transparent_hugepages 0
nr_kernel_misc_reclaimable 0
nr_foll_pin_acquired 0
nr_foll_pin_released 0
nr_page_table_pages 0
nr_swapcached 0
pgpgin 0
pgpgout 0
pswpin 0
pswpout 0
pgalloc_dma32 0
pgalloc_normal 2068
pgalloc_movable 0
pgalloc_device 0
allocstall_dma32 0
allocstall_normal 0
allocstall_movable 0
allocstall_device 0
pgskip_dma32 0
pgskip_normal 0
pgskip_movable 0
pgskip_device 0
pgfree 16652
pgactivate 0
pgdeactivate 0
pgfault 0
pgmajfault 0
pgrefill 0
pgsteal_kswapd 0
pgsteal_direct 0
pgsteal_khugepaged 0
pgscan_kswapd 0
pgscan_direct 0
pgscan_khugepaged 0
pgscan_anon 0
pgscan_file 0
pgsteal_anon 0
pgsteal_file 0
kswapd_low_wmark_hit_quickly 0
kswapd_high_wmark_hit_quickly 0
pageoutrun 0
oom_kill 0
numa_pages_migrated 0
pgmigrate_success 0
pgmigrate_fail 0
thp_migration_success 0
thp_migration_fail 0
thp_migration_split 0
compact_migrate_scanned 0
compact_free_scanned 0
compact_isolated 0
compact_stall 0
compact_fail 0
compact_success 0
compact_daemon_wake 0
compact_daemon_migrate_scanned 0
compact_daemon_free_scanned 0
htlb_buddy_alloc_success 0
htlb_buddy_alloc_fail 0
cma_alloc_success 0
cma_alloc_fail 0
unevictable_pgs_culled 0
unevictable_pgs_scanned 0
unevictable_pgs_rescued 0
unevictable_pgs_mlocked 0
unevictable_pgs_munlocked 0
unevictable_pgs_cleared 0
unevictable_pgs_stranded 0
thp_fault_alloc 0
thp_fault_fallback 0
thp_collapse_alloc 0
thp_collapse_alloc_failed 0
thp_split_page 0
thp_split_page_failed 0
thp_deferred_split_page 0
thp_split_pmd 0
balloon_inflate 0
balloon_deflate 0
balloon_migrate 0
nr_unstable 0
`);
  });

  it('caps a free-list count at 100000 as pagetypeinfo_showfree_print does', () => {
    const f = bootMachine({ nodes: [{ memory: '64MiB' }], layout: 'flat' });
    const zone = f.mem.populatedZones[0]!;
    zone.nrFreeByType[0 * MIGRATE_TYPES + MigrateType.UNMOVABLE] = 99999;
    zone.nrFreeByType[1 * MIGRATE_TYPES + MigrateType.UNMOVABLE] = 100000;
    zone.nrFreeByType[2 * MIGRATE_TYPES + MigrateType.UNMOVABLE] = 123456;
    const line = f.procfs.pagetypeinfo().split('\n').find((l) => l.includes('type    Unmovable'));
    expect(line).toBe('Node    0, zone   Normal, type    Unmovable  99999 >100000 >100000      0      0      0      0      0      0      0      0 ');
  });

  it.each([
    // nr_free (orders 0..), unusable_index line, extfrag_index line (kernel.md §2.2 worked examples)
    [{ 0: 100, 1: 50 }, '0.000 0.500 1.000 1.000 1.000 1.000 1.000 1.000 1.000 1.000 1.000 ', '-1.000 -1.000  0.660  0.827  0.910  0.952  0.973  0.983  0.989  0.991  0.993 '],
    [{ 0: 2 }, '0.000 1.000 1.000 1.000 1.000 1.000 1.000 1.000 1.000 1.000 1.000 ', '-1.000  0.000  0.250  0.375  0.438  0.469  0.485  0.493  0.497  0.499  0.500 '],
    [{}, '1.000 1.000 1.000 1.000 1.000 1.000 1.000 1.000 1.000 1.000 1.000 ', ' 0.000  0.000  0.000  0.000  0.000  0.000  0.000  0.000  0.000  0.000  0.000 '],
  ])('prints the indices of nr_free %j with %%d.%%03d and %%2d.%%03d', (blocks, unusable, extfrag) => {
    const f = bootMachine({ nodes: [{ memory: '64MiB' }], layout: 'flat' });
    const zone = f.mem.populatedZones[0]!;
    for (let o = 0; o < NR_PAGE_ORDERS; o++) zone.nrFree[o] = (blocks as Record<number, number>)[o] ?? 0;
    expect(f.procfs.unusableIndex()).toBe(`Node 0, zone   Normal ${unusable}\n`);
    expect(f.procfs.extfragIndex()).toBe(`Node 0, zone   Normal ${extfrag}\n`);
  });
});
