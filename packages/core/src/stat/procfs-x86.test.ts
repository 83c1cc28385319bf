import { bootMachine } from './__fixtures__/procfs-machine';

/**
 * Golden text of the /proc views on the x86_64 two-node 4 GiB machine at boot: node 0 is 2 GiB of
 * DMA32; node 1 is DMA32 [2 GiB, 3 GiB) (spanning the PCI hole up to 4 GiB) and Normal
 * [4 GiB, 5 GiB). Reserved: node 0 the first 1 MiB, the 16 MiB kernel image and its 8192-page
 * memmap (524288 - 12544 = 511744 managed); node 1 its memmap from Normal (262144 - 8192).
 * zoneinfo lists every zone of both nodes, unpopulated ones in the short form; buddyinfo,
 * pagetypeinfo and the extfrag files list populated zones only, and pagetypeinfo repeats its
 * header per node.
 */
describe('ProcFs on the x86_64 two-node machine at boot', () => {
  const m = bootMachine({ nodes: [{ memory: '2GiB' }, { memory: '2GiB' }] });

  it('/proc/buddyinfo (frag_show_print)', () => {
    expect(m.procfs.buddyinfo()).toBe(`Node 0, zone    DMA32      0      0      0      0      0      0      0      0      1      1    499 
Node 1, zone    DMA32      0      0      0      0      0      0      0      0      0      0    256 
Node 1, zone   Normal      0      0      0      0      0      0      0      0      0      0    248 
`);
  });

  it('/proc/pagetypeinfo (pagetypeinfo_show)', () => {
    expect(m.procfs.pagetypeinfo()).toBe(`Page block order: 9
Pages per block:  512

Free pages count per migrate type at order       0      1      2      3      4      5      6      7      8      9     10 
Node    0, zone    DMA32, type    Unmovable      0      0      0      0      0      0      0      0      0      0      0 
Node    0, zone    DMA32, type      Movable      0      0      0      0      0      0      0      0      1      1    499 
Node    0, zone    DMA32, type  Reclaimable      0      0      0      0      0      0      0      0      0      0      0 
Node    0, zone    DMA32, type   HighAtomic      0      0      0      0      0      0      0      0      0      0      0 
Node    0, zone    DMA32, type          CMA      0      0      0      0      0      0      0      0      0      0      0 
Node    0, zone    DMA32, type      Isolate      0      0      0      0      0      0      0      0      0      0      0 

Number of blocks type     Unmovable      Movable  Reclaimable   HighAtomic          CMA      Isolate 
Node 0, zone    DMA32            0         1024            0            0            0            0 
Page block order: 9
Pages per block:  512

Free pages count per migrate type at order       0      1      2      3      4      5      6      7      8      9     10 
Node    1, zone    DMA32, type    Unmovable      0      0      0      0      0      0      0      0      0      0      0 
Node    1, zone    DMA32, type      Movable      0      0      0      0      0      0      0      0      0      0    256 
Node    1, zone    DMA32, type  Reclaimable      0      0      0      0      0      0      0      0      0      0      0 
Node    1, zone    DMA32, type   HighAtomic      0      0      0      0      0      0      0      0      0      0      0 
Node    1, zone    DMA32, type          CMA      0      0      0      0      0      0      0      0      0      0      0 
Node    1, zone    DMA32, type      Isolate      0      0      0      0      0      0      0      0      0      0      0 
Node    1, zone   Normal, type    Unmovable      0      0      0      0      0      0      0      0      0      0      0 
Node    1, zone   Normal, type      Movable      0      0      0      0      0      0      0      0      0      0    248 
Node    1, zone   Normal, type  Reclaimable      0      0      0      0      0      0      0      0      0      0      0 
Node    1, zone   Normal, type   HighAtomic      0      0      0      0      0      0      0      0      0      0      0 
Node    1, zone   Normal, type          CMA      0      0      0      0      0      0      0      0      0      0      0 
Node    1, zone   Normal, type      Isolate      0      0      0      0      0      0      0      0      0      0      0 

Number of blocks type     Unmovable      Movable  Reclaimable   HighAtomic          CMA      Isolate 
Node 1, zone    DMA32            0          512            0            0            0            0 
Node 1, zone   Normal            0          512            0            0            0            0 
`);
  });

  it('extfrag/unusable_index (unusable_show_print)', () => {
    expect(m.procfs.unusableIndex()).toBe(`Node 0, zone    DMA32 0.000 0.000 0.000 0.000 0.000 0.000 0.000 0.000 0.000 0.000 0.001 
Node 1, zone    DMA32 0.000 0.000 0.000 0.000 0.000 0.000 0.000 0.000 0.000 0.000 0.000 
Node 1, zone   Normal 0.000 0.000 0.000 0.000 0.000 0.000 0.000 0.000 0.000 0.000 0.000 
`);
  });

  it('extfrag/extfrag_index (extfrag_show_print)', () => {
    expect(m.procfs.extfragIndex()).toBe(`Node 0, zone    DMA32 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 
Node 1, zone    DMA32 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 
Node 1, zone   Normal -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 
`);
  });

  it('/proc/zoneinfo (zoneinfo_show_print)', () => {
    expect(m.procfs.zoneinfo()).toBe(`Node 0, zone    DMA32
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
  pages free     511744
        boost    0
        min      1009
        low      1520
        high     2031
        promo    2542
        spanned  524288
        present  524288
        managed  511744
        cma      0
        protection: (0, 0, 0, 0)
      nr_free_pages 511744
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
      numa_hit     0
      numa_miss    0
      numa_foreign 0
      numa_interleave 0
      numa_local   0
      numa_other   0
  pagesets
    cpu: 0
              count: 0
              high:  1520
              batch: 63
  vm stats threshold: 20
    cpu: 1
              count: 0
              high:  1520
              batch: 63
  vm stats threshold: 20
  node_unreclaimable:  0
  start_pfn:           0
Node 0, zone   Normal
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
Node 1, zone    DMA32
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
  pages free     262144
        boost    0
        min      516
        low      778
        high     1040
        promo    1302
        spanned  524288
        present  262144
        managed  262144
        cma      0
        protection: (0, 992, 0, 0)
      nr_free_pages 262144
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
      numa_hit     0
      numa_miss    0
      numa_foreign 0
      numa_interleave 0
      numa_local   0
      numa_other   0
  pagesets
    cpu: 0
              count: 0
              high:  778
              batch: 63
  vm stats threshold: 20
    cpu: 1
              count: 0
              high:  778
              batch: 63
  vm stats threshold: 20
  node_unreclaimable:  0
  start_pfn:           524288
Node 1, zone   Normal
  pages free     253952
        boost    0
        min      500
        low      753
        high     1006
        promo    1259
        spanned  262144
        present  262144
        managed  253952
        cma      0
        protection: (0, 0, 0, 0)
      nr_free_pages 253952
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
      numa_hit     0
      numa_miss    0
      numa_foreign 0
      numa_interleave 0
      numa_local   0
      numa_other   0
  pagesets
    cpu: 0
              count: 0
              high:  753
              batch: 63
  vm stats threshold: 16
    cpu: 1
              count: 0
              high:  753
              batch: 63
  vm stats threshold: 16
  node_unreclaimable:  0
  start_pfn:           1048576
Node 1, zone  Movable
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
Node 1, zone   Device
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

  it('/proc/vmstat (vmstat_show): the boot counters, every other modelled item 0, in kernel order', () => {
    const text = m.procfs.vmstat();
    expect(text.split('\n').filter((l) => l && !l.endsWith(' 0'))).toEqual(["nr_free_pages 1027840", "pgfree 1027840"]);
    const flat = bootMachine({ nodes: [{ memory: '64MiB' }], layout: 'flat' }).procfs.vmstat();
    expect(text.split('\n').map((l) => l.split(' ')[0])).toEqual(flat.split('\n').map((l) => l.split(' ')[0]));
    expect(text.endsWith('\nnr_unstable 0\n')).toBe(true);
  });
});
