import { createKernel } from '../kernel/kernel';
import { HPAGE_PMD_NR, PAGE_SIZE, pageblock_nr_pages } from '../mem/constants';
import { MAP_ANONYMOUS, MAP_PRIVATE, PROT_READ, PROT_WRITE } from '../vm/constants';
import { GFP_KERNEL } from '../zone/gfp';
import { MigrateType } from '../zone/migratetype';
import { buddyProblems } from './__fixtures__/cma-kernel';

describe('alloc_contig_range over a THP (mm/page_alloc.c, alloc_contig mode)', () => {
  it('migrates the whole THP out of the range, bytes and PMD mapping kept', () => {
    const kernel = createKernel({ machine: { nodes: [{ memory: '64MiB' }], layout: 'flat' }, thp: 'always' });
    const p = kernel.vm.createProcess({ comm: 'thp' });
    const len = 4 * HPAGE_PMD_NR * PAGE_SIZE;
    const raw = kernel.vm.mmap(p, { length: len, prot: PROT_READ | PROT_WRITE, flags: MAP_PRIVATE | MAP_ANONYMOUS });
    const addr = Math.ceil(raw / (HPAGE_PMD_NR * PAGE_SIZE)) * HPAGE_PMD_NR * PAGE_SIZE;
    for (let i = 0; i < HPAGE_PMD_NR; i++) kernel.vm.write(p, addr + i * PAGE_SIZE, Uint8Array.of(i & 0xff, 0xa5));
    kernel.lru.lruAddDrainAll();
    const before = kernel.vm.followPage(p, addr);
    expect(before.huge).toBe(true);
    const start = before.pfn & ~(pageblock_nr_pages - 1);
    expect(kernel.cma.contig.allocContigRange(start, start + pageblock_nr_pages, MigrateType.MOVABLE, GFP_KERNEL)).toBe(0);
    const after = kernel.vm.followPage(p, addr);
    expect(after.pfn < start || after.pfn >= start + pageblock_nr_pages).toBe(true);
    expect(after.huge).toBe(true);
    for (let i = 0; i < HPAGE_PMD_NR; i++) expect(Array.from(kernel.vm.read(p, addr + i * PAGE_SIZE, 2))).toEqual([i & 0xff, 0xa5]);
    expect(kernel.vmstat.snapshot(kernel.mem)).toMatchObject({ thp_migration_success: 1 });
    kernel.cma.contig.freeContigRange(start, pageblock_nr_pages);
    expect(buddyProblems(kernel)).toEqual([]);
  });
});
