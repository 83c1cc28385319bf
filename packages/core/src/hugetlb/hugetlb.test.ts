import { createKernel } from '../kernel/kernel';
import { KernelError } from '../errors';
import { HPAGE_PMD_NR, PAGE_SIZE } from '../mem/constants';
import { PG } from '../mem/page-flags';
import { VmEvent, ZoneStat } from '../stat/vmstat-items';
import { checkBuddy } from '../zone/check-buddy';
import { MAP_ANONYMOUS, MAP_HUGETLB, MAP_PRIVATE, MAP_SHARED, PMD_SIZE, PROT_READ, PROT_WRITE } from '../vm/constants';
import { MPOL_MF_MOVE } from '../mempolicy/page-queue';
import { GFP_HIGHUSER_MOVABLE } from '../zone/gfp';

function boot(nodes = 2) {
  const kernel = createKernel({ machine: { nodes: Array.from({ length: nodes }, () => ({ memory: '64MiB' })), layout: 'flat' } });
  const p = kernel.vm.createProcess({ comm: 'htlb', uid: 0, caps: ['CAP_SYS_NICE', 'CAP_SYS_PTRACE', 'CAP_SYS_ADMIN'] });
  const free = () => (kernel.alloc.drainAllPages(), kernel.mem.zones.reduce((n, z) => n + z.vmStat[ZoneStat.NR_FREE_PAGES]!, 0));
  const huge = (len = PMD_SIZE, flags = MAP_PRIVATE) => kernel.vm.mmap(p, { length: len, prot: PROT_READ | PROT_WRITE, flags: flags | MAP_ANONYMOUS | MAP_HUGETLB });
  const headAt = (addr: number) => kernel.mem.frames.compoundHead(kernel.vm.followPage(p, addr).pfn);
  return { kernel, p, free, huge, headAt };
}

describe('hugetlb pool (mm/hugetlb.c: set_max_huge_pages)', () => {
  it.each([
    [1, 4, [4]],
    [2, 4, [2, 2]],
    [2, 3, [2, 1]],
  ])('%i node(s): nr_hugepages=%i spreads round-robin as %j and takes 512 pages each from the buddy', (nodes, n, perNode) => {
    const { kernel, free } = boot(nodes);
    const before = free();
    expect(kernel.hugetlb.setNrHugepages(n)).toBe(n);
    expect(kernel.hugetlb.pool.nrHugePagesNode).toEqual(perNode);
    expect(kernel.hugetlb.freeHugepages).toBe(n);
    expect(before - free()).toBe(n * HPAGE_PMD_NR);
    expect(kernel.vmstat.events[VmEvent.HTLB_BUDDY_PGALLOC]).toBe(n);
    expect(checkBuddy(kernel.mem).problems).toEqual([]);
    expect(kernel.hugetlb.setNrHugepages(0)).toBe(0);
    expect(free()).toBe(before);
    expect(checkBuddy(kernel.mem).problems).toEqual([]);
  });

  it('stops growing when no 2 MiB block is left and counts htlb_buddy_alloc_fail', () => {
    const { kernel } = boot(1);
    const got = kernel.hugetlb.setNrHugepages(100000);
    expect(got).toBeGreaterThan(20);
    expect(got).toBeLessThan(32);
    expect(kernel.vmstat.events[VmEvent.HTLB_BUDDY_PGALLOC_FAIL]).toBeGreaterThan(0);
    expect(kernel.hugetlb.meminfo()).toContain(`HugePages_Total:   ${String(got).padStart(5)}\n`);
    expect(kernel.hugetlb.meminfo()).toContain('Hugepagesize:       2048 kB\n');
  });

  it('rejects a negative count with EINVAL and changes nothing', () => {
    const { kernel } = boot(1);
    kernel.hugetlb.setNrHugepages(2);
    expect(() => kernel.hugetlb.setNrHugepages(-1)).toThrow(KernelError);
    expect(kernel.hugetlb.nrHugepages).toBe(2);
  });

  it('renders /proc/meminfo lines as the kernel does', () => {
    const { kernel } = boot(1);
    kernel.hugetlb.setNrHugepages(3);
    expect(kernel.hugetlb.meminfo()).toBe(
      'HugePages_Total:       3\nHugePages_Free:        3\nHugePages_Rsvd:        0\nHugePages_Surp:        0\n' +
      'Hugepagesize:       2048 kB\nHugetlb:            6144 kB\n',
    );
  });
});

describe('MAP_HUGETLB (hugetlb_fault)', () => {
  it.each([['private', MAP_PRIVATE], ['shared', MAP_SHARED]])('%s: fault takes a pool page, data is kept, munmap returns it to the pool', (_n, flags) => {
    const { kernel, p, huge, headAt } = boot(1);
    kernel.hugetlb.setNrHugepages(2);
    const addr = huge(2 * PMD_SIZE, flags);
    expect(addr % PMD_SIZE).toBe(0);
    kernel.vm.write(p, addr + 5 * PAGE_SIZE, new Uint8Array([1, 2, 3]));
    expect(kernel.hugetlb.freeHugepages).toBe(1);
    const head = headAt(addr);
    expect(kernel.hugetlb.pageHuge(head + 7)).toBe(true);
    expect(kernel.mem.frames.testFlag(head, PG.lru)).toBe(false);
    expect(Array.from(kernel.vm.read(p, addr + 5 * PAGE_SIZE, 3))).toEqual([1, 2, 3]);
    kernel.vm.munmap(p, addr, 2 * PMD_SIZE);
    expect(kernel.hugetlb.freeHugepages).toBe(2);
    expect(kernel.mem.frames.refcount[head]).toBe(0);
  });

  it('an empty pool makes the fault fail with ENOMEM (SIGBUS) and leaves nothing mapped', () => {
    const { kernel, p, huge } = boot(1);
    const addr = huge();
    expect(() => kernel.vm.write(p, addr, new Uint8Array([1]))).toThrow(/SIGBUS/);
    expect(kernel.vm.followPage(p, addr).kind).toBe('none');
  });

  it('munmap cutting a huge page is EINVAL', () => {
    const { kernel, p, huge } = boot(1);
    kernel.hugetlb.setNrHugepages(1);
    const addr = huge();
    expect(() => kernel.vm.munmap(p, addr, PAGE_SIZE)).toThrow(KernelError);
  });

  it('exit returns every huge page to the pool', () => {
    const { kernel, p, huge } = boot(1);
    kernel.hugetlb.setNrHugepages(2);
    const addr = huge(2 * PMD_SIZE);
    kernel.vm.touch(p, addr, 2 * PMD_SIZE, true);
    expect(kernel.hugetlb.freeHugepages).toBe(0);
    kernel.vm.exitProcess(p);
    expect(kernel.hugetlb.freeHugepages).toBe(2);
  });
});

describe('hugetlb migration (migrate_hugetlbs)', () => {
  it('move_pages moves a hugetlb page to another node, keeping the bytes; pgmigrate_success += 512', () => {
    const { kernel, p, huge, headAt } = boot(2);
    kernel.hugetlb.setNrHugepages(2);
    const addr = huge();
    kernel.vm.write(p, addr + 3 * PAGE_SIZE, new Uint8Array([9, 8, 7]));
    const src = headAt(addr);
    const from = kernel.mem.pageZone(src).nid;
    const status = new Int32Array(1);
    expect(kernel.movePages.movePages(p, p, [addr], [1 - from], status, MPOL_MF_MOVE)).toBe(0);
    expect(status[0]).toBe(1 - from);
    const dst = headAt(addr);
    expect(dst).not.toBe(src);
    expect(kernel.mem.pageZone(dst).nid).toBe(1 - from);
    expect(Array.from(kernel.vm.read(p, addr + 3 * PAGE_SIZE, 3))).toEqual([9, 8, 7]);
    expect(kernel.vmstat.events[VmEvent.PGMIGRATE_SUCCESS]).toBe(HPAGE_PMD_NR);
    expect(kernel.hugetlb.nrHugepages).toBe(2);
    expect(kernel.hugetlb.freeHugepages).toBe(1);
    expect(kernel.hugetlb.pageHuge(src)).toBe(true);
    expect(kernel.mem.frames.refcount[src]).toBe(0);
  });

  it('no target huge page anywhere: -ENOMEM aborts, the page stays mapped and migratable', () => {
    const { kernel, p, huge, headAt } = boot(1);
    kernel.hugetlb.setNrHugepages(1);
    const addr = huge();
    kernel.vm.write(p, addr, new Uint8Array([4]));
    // Exhaust the buddy so no fresh target can be allocated either.
    while (kernel.alloc.allocPagesPfn(GFP_HIGHUSER_MOVABLE, 9) >= 0);
    const src = headAt(addr);
    const list = kernel.migration.newList();
    expect(kernel.hugetlb.isolate(src, (h) => list.add(h))).toBe(true);
    const res = kernel.migration.migratePages(list, kernel.migration.targetAllocator({ nid: -1, gfpMask: GFP_HIGHUSER_MOVABLE }), undefined, 2, 3);
    expect(res.ret).toBe(-12);
    kernel.migration.putbackMovablePages(list);
    list.release();
    expect(kernel.vmstat.events[VmEvent.PGMIGRATE_FAIL]).toBe(HPAGE_PMD_NR);
    expect(headAt(addr)).toBe(src);
    expect(kernel.mem.frames.refcount[src]).toBe(1);
    expect(Array.from(kernel.vm.read(p, addr, 1))).toEqual([4]);
  });
});

describe('soft offline / memory failure of huge pages', () => {
  it('seed regression: hugetlb soft offline dissolves — poison on the raw error page only, 511 pages back in the buddy', () => {
    const { kernel, p, huge, headAt, free } = boot(1);
    kernel.hugetlb.setNrHugepages(2);
    const addr = huge();
    kernel.vm.write(p, addr + 10 * PAGE_SIZE, new Uint8Array([0x5a]));
    const src = headAt(addr);
    const bad = src + 10;
    const before = free();
    expect(kernel.memoryFailure.softOfflinePage(bad)).toBe(0);
    const f = kernel.mem.frames;
    expect(headAt(addr)).not.toBe(src);
    expect(Array.from(kernel.vm.read(p, addr + 10 * PAGE_SIZE, 1))).toEqual([0x5a]);
    expect(kernel.hugetlb.pageHuge(src)).toBe(false);
    expect(f.testFlag(bad, PG.hwpoison)).toBe(true);
    for (let q = src; q < src + HPAGE_PMD_NR; q++) if (q !== bad) expect(f.testFlag(q, PG.hwpoison)).toBe(false);
    expect(free() - before).toBe(HPAGE_PMD_NR - 1);
    expect(kernel.hugetlb.nrHugepages).toBe(1);
    expect(checkBuddy(kernel.mem).problems).toEqual([]);
    // The error page is never handed out again.
    for (let pfn; (pfn = kernel.alloc.allocPagesPfn(GFP_HIGHUSER_MOVABLE, 0)) >= 0;) expect(pfn).not.toBe(bad);
  });

  it('soft offline of a free pool huge page dissolves it at once', () => {
    const { kernel, free } = boot(1);
    kernel.hugetlb.setNrHugepages(1);
    const head = kernel.hugetlb.pool.dequeueHugetlbFolio(0);
    kernel.hugetlb.pool.putFolio(head);
    const before = free();
    expect(kernel.memoryFailure.softOfflinePage(head + 3)).toBe(0);
    expect(kernel.hugetlb.nrHugepages).toBe(0);
    expect(free() - before).toBe(HPAGE_PMD_NR - 1);
    expect(kernel.mem.frames.testFlag(head + 3, PG.hwpoison)).toBe(true);
    expect(kernel.mem.frames.testFlag(head, PG.hwpoison)).toBe(false);
  });

  it('memory_failure on a free huge page moves PageHWPoison from the head to the raw page when dissolving', () => {
    const { kernel, free } = boot(1);
    kernel.hugetlb.setNrHugepages(1);
    const head = kernel.hugetlb.pool.dequeueHugetlbFolio(0);
    kernel.hugetlb.pool.putFolio(head);
    const before = free();
    expect(kernel.memoryFailure.memoryFailure(head + 100)).toBe(0);
    const f = kernel.mem.frames;
    expect(f.testFlag(head, PG.hwpoison)).toBe(false);
    expect(f.testFlag(head + 100, PG.hwpoison)).toBe(true);
    expect(free() - before).toBe(HPAGE_PMD_NR - 1);
    expect(kernel.hugetlb.nrHugepages).toBe(0);
  });
});

describe('memory offline (dissolve_free_huge_pages)', () => {
  it('offlining a range with free huge pages dissolves them; an in-use one is migrated', () => {
    const { kernel, p, huge, headAt } = boot(2);
    kernel.hugetlb.setNrHugepages(8);
    const addr = huge();
    kernel.vm.write(p, addr, new Uint8Array([77]));
    const src = headAt(addr);
    // A 4 MiB range made of two huge pages: the in-use one and a free one.
    const isHuge = (h: number) => kernel.hugetlb.pageHuge(h);
    const heads: number[] = [];
    for (let h = 0; h < kernel.mem.maxPfn; h += 512) if (isHuge(h)) heads.push(h);
    const start = heads.map((h) => h & ~1023).find((s) => isHuge(s) && isHuge(s + 512) && kernel.mem.pageZone(s).nid === kernel.mem.pageZone(src).nid) ?? -1;
    expect(start).toBeGreaterThanOrEqual(0);
    const total = kernel.hugetlb.nrHugepages;
    const rc = kernel.hotplug.offlinePages(start, 1024);
    expect(rc).toBe(0);
    expect(Array.from(kernel.vm.read(p, addr, 1))).toEqual([77]);
    expect(headAt(addr) >= start && headAt(addr) < start + 1024).toBe(false);
    expect(headAt(addr) === src).toBe(src < start || src >= start + 1024);
    expect(isHuge(start) || isHuge(start + 512)).toBe(false);
    // Free huge pages in the range were dissolved; an in-use one was migrated out (its old
    // folio freed to the pool, then dissolved too).
    expect(kernel.hugetlb.nrHugepages).toBe(total - 2);
    expect(checkBuddy(kernel.mem).problems).toEqual([]);
  });
});
