import { createKernel } from '../kernel/kernel';
import { PAGE_SIZE } from '../mem/constants';
import { PG } from '../mem/page-flags';
import { ZoneStat } from '../stat/vmstat-items';
import { MAP_ANONYMOUS, MAP_FIXED, MAP_LOCKED, MAP_PRIVATE, PMD_SIZE, PROT_READ, PROT_WRITE } from '../vm/constants';
import { checkBuddy } from '../zone/check-buddy';
import { MpolMode } from './mempolicy';
import { MPOL_MF_MOVE_ALL } from './page-queue';

/**
 * Seed 000 (commit e125fe405abe "mm, thp: fix mlocking THP page with migration enabled"): a THP
 * mapped by PMD in an mlocked VMA of the parent and by PTEs in the child, migrated under a
 * memory policy, must end with the new THP mlocked (the parent's PMD) and never mlocked through
 * the child's PTE mappings; tearing both processes down must not free an mlocked page.
 */
describe('seed regression: a partially mlocked THP migrated under a policy', () => {
  it('ends with the right pages mlocked and frees cleanly', () => {
    const kernel = createKernel({ machine: { nodes: [{ memory: '64MiB' }, { memory: '64MiB' }], layout: 'flat' }, thp: 'always' });
    const parent = kernel.vm.createProcess({ comm: 'parent', uid: 0, caps: ['CAP_SYS_NICE'] });
    const addr = 0x20000000;
    // addr = mmap(0x20000000, 2 MiB, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED)
    expect(kernel.vm.mmap(parent, { addr, length: 2 * 1024 * 1024, prot: PROT_READ | PROT_WRITE, flags: MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED | MAP_FIXED })).toBe(addr);
    const thp = kernel.vm.followPage(parent, addr);
    expect(thp.huge).toBe(true);
    expect(kernel.mem.frames.testFlag(thp.pfn, PG.mlocked)).toBe(true);
    kernel.vm.write(parent, addr + 100 * PAGE_SIZE, new Uint8Array([1, 2, 3]));
    // if (fork()) { wait(); return; }   — the child:
    const child = kernel.vm.fork(parent);
    // mlock(addr, 4 KiB): splits the child's VMA and its PMD into PTEs.
    kernel.vm.mlock(child, addr, PAGE_SIZE);
    expect(kernel.vm.followPage(child, addr + 100 * PAGE_SIZE).huge).toBe(false);
    // mbind(addr, 2 MiB, MPOL_PREFERRED, node 1, MPOL_MF_MOVE(_ALL)): the shared THP moves.
    expect(kernel.mempolicy.mbind(child, addr, PMD_SIZE, { mode: MpolMode.PREFERRED, nodes: [1] }, MPOL_MF_MOVE_ALL)).toBe(0);
    const moved = kernel.vm.followPage(parent, addr);
    expect(moved.huge).toBe(true);
    expect(kernel.mem.pageZone(moved.pfn).nid).toBe(1);
    expect(kernel.vm.followPage(child, addr + 100 * PAGE_SIZE).pfn).toBe(moved.pfn + 100);
    // The parent's PMD in its VM_LOCKED VMA keeps the new THP mlocked...
    expect(kernel.mem.frames.testFlag(moved.pfn, PG.mlocked)).toBe(true);
    expect(Array.from(kernel.vm.read(child, addr + 100 * PAGE_SIZE, 3))).toEqual([1, 2, 3]);
    // ...and the child's exit (PTE mappings, mlocked 4 KiB copy) and the parent's leave nothing
    // mlocked behind: no "Bad page state" (PG4: mlocked) when the pages are freed.
    kernel.vm.exitProcess(child);
    kernel.vm.exitProcess(parent);
    kernel.lru.lruAddDrainAll();
    kernel.alloc.drainAllPages();
    expect(kernel.mem.zones.reduce((n, z) => n + (z ? z.vmStat[ZoneStat.NR_MLOCK]! : 0), 0)).toBe(0);
    expect(checkBuddy(kernel.mem).problems).toEqual([]);
  });
});
