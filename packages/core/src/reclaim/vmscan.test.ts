import { PAGE_SIZE } from '../mem/constants';
import { PG } from '../mem/page-flags';
import { NodeStat, VmEvent, ZoneStat } from '../stat/vmstat-items';
import { LruList } from '../lru/lru-list';
import { MADV_FREE, MAP_ANONYMOUS, MAP_PRIVATE, MAP_SHARED, MM_ANONPAGES, PROT_READ, PROT_WRITE } from '../vm/constants';
import { GFP_KERNEL, __GFP_NOWARN } from '../zone/gfp';
import { ScanControl } from './scan-control';
import { anonWithBytes, expectClean, freePages, onlyZone, pattern, reclaimKernel } from './__fixtures__/reclaim-kernel';

const RW = PROT_READ | PROT_WRITE;

describe('shrink_folio_list over the page cache', () => {
  it('drops clean page-cache folios and writes dirty ones back first; the file reads back intact', () => {
    const kernel = reclaimKernel();
    const vm = kernel.vm;
    const file = vm.createFile(8 * PAGE_SIZE);
    const p = vm.createProcess({ comm: 'f' });
    const a = vm.mmap(p, { length: 8 * PAGE_SIZE, prot: RW, flags: MAP_SHARED, file });
    for (let i = 0; i < 4; i++) vm.write(p, a + i * PAGE_SIZE, pattern(i, 9)); // dirty
    vm.touch(p, a + 4 * PAGE_SIZE, 4 * PAGE_SIZE, false); // clean
    const node = kernel.mem.nodes[0]!.vmStat;
    expect(file.nrpages).toBe(8);
    expect(node[NodeStat.NR_FILE_DIRTY]).toBe(4);
    const filePagesBefore = node[NodeStat.NR_FILE_PAGES]!;
    const reclaimed = kernel.reclaim.reclaimNode(0, 10_000);
    expect(reclaimed).toBe(8);
    expect(file.nrpages).toBe(0);
    expect(node[NodeStat.NR_FILE_PAGES]).toBe(filePagesBefore - 8);
    expect(node[NodeStat.NR_FILE_DIRTY]).toBe(0);
    expect(onlyZone(kernel).vmStat[ZoneStat.NR_ZONE_WRITE_PENDING]).toBe(0);
    expect(kernel.vmstat.events[VmEvent.PGSTEAL_FILE]).toBe(8);
    expect(kernel.vmstat.events[VmEvent.PSWPOUT]).toBe(0);
    expect(vm.followPage(p, a).kind).toBe('none');
    expectClean(kernel);
    // Dirty data was written back before the folios were dropped: it comes back from the file.
    for (let i = 0; i < 4; i++) expect(vm.read(p, a + i * PAGE_SIZE, PAGE_SIZE)).toEqual(pattern(i, 9));
    expect(vm.read(p, a + 4 * PAGE_SIZE, PAGE_SIZE)).toEqual(new Uint8Array(PAGE_SIZE));
    expect(vm.filemap.readFile(file, 0, PAGE_SIZE)).toEqual(pattern(0, 9));
    expectClean(kernel);
  });

  it('reclaims page cache before anonymous memory while the file lists are large (cache trim)', () => {
    const kernel = reclaimKernel();
    const vm = kernel.vm;
    anonWithBytes(kernel, 64);
    const file = vm.createFile(8192 * PAGE_SIZE);
    const p = vm.createProcess({ comm: 'reader' });
    const a = vm.mmap(p, { length: 8192 * PAGE_SIZE, prot: PROT_READ, flags: MAP_SHARED, file });
    vm.touch(p, a, 8192 * PAGE_SIZE, false);
    vm.munmap(p, a, 8192 * PAGE_SIZE);
    const got = kernel.reclaim.reclaimNode(0, 256);
    expect(got).toBeGreaterThanOrEqual(256);
    expect(kernel.vmstat.events[VmEvent.PGSTEAL_FILE]).toBe(got);
    expect(kernel.vmstat.events[VmEvent.PSWPOUT]).toBe(0);
    expectClean(kernel);
  });
});

describe('lazily freed anonymous folios (MADV_FREE)', () => {
  it('moves them to the inactive file list; reclaim discards clean ones without I/O and keeps re-dirtied ones', () => {
    const kernel = reclaimKernel();
    const vm = kernel.vm;
    const { p, addr } = anonWithBytes(kernel, 4, 12);
    kernel.lru.lruAddDrainAll();
    const anonBefore = kernel.lru.lruvecSize(0, LruList.LRU_INACTIVE_ANON);
    const fileBefore = kernel.lru.lruvecSize(0, LruList.LRU_INACTIVE_FILE);
    vm.madvise(p, addr, 4 * PAGE_SIZE, MADV_FREE);
    expect(kernel.lru.lruvecSize(0, LruList.LRU_INACTIVE_ANON)).toBe(anonBefore - 4);
    expect(kernel.lru.lruvecSize(0, LruList.LRU_INACTIVE_FILE)).toBe(fileBefore + 4);
    vm.write(p, addr, pattern(100, 12)); // written again: must not be discarded
    for (let i = 0; i < 4; i++) vm.unmap.folioReferenced(vm.followPage(p, addr + i * PAGE_SIZE).pfn);
    const rssBefore = p.mm.rss[MM_ANONPAGES]!;
    const sc = new ScanControl({ reclaimIdx: 3 });
    expect(kernel.reclaim.vmscan.shrinkInactiveList(4, 0, LruList.LRU_INACTIVE_FILE, sc)).toBe(3);
    for (let i = 1; i < 4; i++) expect(vm.followPage(p, addr + i * PAGE_SIZE).kind).toBe('none');
    expect(p.mm.rss[MM_ANONPAGES]).toBe(rssBefore - 3);
    expect(kernel.vmstat.events[VmEvent.PSWPOUT]).toBe(0);
    expect(vm.followPage(p, addr).kind).toBe('present');
    expect(kernel.mem.frames.flags[vm.followPage(p, addr).pfn]! & (1 << PG.swapbacked)).not.toBe(0);
    expectClean(kernel);
    expect(vm.read(p, addr, PAGE_SIZE)).toEqual(pattern(100, 12));
    expect(vm.read(p, addr + PAGE_SIZE, PAGE_SIZE)).toEqual(new Uint8Array(PAGE_SIZE));
    for (let l = 0; l < 5; l++) expect(kernel.lru.lruvecSize(0, l)).toBeGreaterThanOrEqual(0);
  });
});

describe('referenced and mlocked folios', () => {
  it('a folio whose PTE was young survives one inactive pass (activated); an idle one is swapped', () => {
    const kernel = reclaimKernel();
    const vm = kernel.vm;
    const N = 8;
    const { p, addr } = anonWithBytes(kernel, N, 4);
    kernel.lru.lruAddDrainAll();
    const pfns = Array.from({ length: N }, (_, i) => vm.followPage(p, addr + i * PAGE_SIZE).pfn);
    for (const pfn of pfns) vm.unmap.folioReferenced(pfn); // age: clear the young bits
    vm.touch(p, addr, (N / 2) * PAGE_SIZE, false); // re-reference the first half
    expect(kernel.lru.lruvecSize(0, LruList.LRU_INACTIVE_ANON)).toBe(N);
    const sc = new ScanControl({ nrToReclaim: N, reclaimIdx: 3 });
    const reclaimed = kernel.reclaim.vmscan.shrinkInactiveList(N, 0, LruList.LRU_INACTIVE_ANON, sc);
    expect(reclaimed).toBe(N / 2);
    for (let i = 0; i < N; i++) expect(vm.followPage(p, addr + i * PAGE_SIZE).kind).toBe(i < N / 2 ? 'present' : 'swap');
    for (let i = 0; i < N / 2; i++) expect(kernel.mem.frames.flags[pfns[i]!]! & (1 << PG.active)).not.toBe(0);
    expect(kernel.vmstat.events[VmEvent.PGACTIVATE]).toBe(N / 2);
    expect(kernel.vmstat.events[VmEvent.PGSCAN_DIRECT]).toBe(N);
    expect(kernel.vmstat.events[VmEvent.PGSTEAL_DIRECT]).toBe(N / 2);
    expect(kernel.lru.lruvecSize(0, LruList.LRU_ACTIVE_ANON)).toBe(N / 2);
    expectClean(kernel);
    for (let i = 0; i < N; i++) expect(vm.read(p, addr + i * PAGE_SIZE, PAGE_SIZE)).toEqual(pattern(i, 4));
  });

  it('shrink_active_list deactivates (pgdeactivate, pgrefill) and clears the young bits on the way', () => {
    const kernel = reclaimKernel();
    const vm = kernel.vm;
    const { p, addr } = anonWithBytes(kernel, 4, 2);
    kernel.lru.lruAddDrainAll();
    const sc = new ScanControl({ reclaimIdx: 3 });
    kernel.reclaim.vmscan.shrinkInactiveList(4, 0, LruList.LRU_INACTIVE_ANON, sc); // young → activated
    expect(kernel.lru.lruvecSize(0, LruList.LRU_ACTIVE_ANON)).toBe(4);
    kernel.reclaim.vmscan.shrinkActiveList(4, 0, LruList.LRU_ACTIVE_ANON, sc);
    expect(kernel.lru.lruvecSize(0, LruList.LRU_INACTIVE_ANON)).toBe(4);
    expect(kernel.vmstat.events[VmEvent.PGDEACTIVATE]).toBe(4);
    expect(kernel.vmstat.events[VmEvent.PGREFILL]).toBe(4);
    expect(vm.unmap.folioReferenced(vm.followPage(p, addr).pfn).referenced).toBe(0);
    expectClean(kernel);
  });

  it('never reclaims mlocked memory', () => {
    const kernel = reclaimKernel();
    const vm = kernel.vm;
    const { p, addr } = anonWithBytes(kernel, 16, 6);
    vm.mlock(p, addr, 16 * PAGE_SIZE);
    kernel.lru.lruAddDrainAll();
    expect(kernel.reclaim.reclaimNode(0, 10_000)).toBe(0);
    for (let i = 0; i < 16; i++) expect(vm.followPage(p, addr + i * PAGE_SIZE).kind).toBe('present');
    expect(kernel.vmstat.events[VmEvent.PSWPOUT]).toBe(0);
    expect(kernel.lru.lruvecSize(0, LruList.LRU_UNEVICTABLE)).toBe(16);
    expectClean(kernel);
  });

  it('keeps a folio someone holds an extra reference on (a GUP pin)', () => {
    const kernel = reclaimKernel();
    const vm = kernel.vm;
    const { p, addr } = anonWithBytes(kernel, 2, 8);
    const pfn = vm.followPage(p, addr).pfn;
    kernel.alloc.getPage(pfn);
    kernel.reclaim.reclaimNode(0, 10_000);
    expect(vm.followPage(p, addr).kind).toBe('present');
    expect(vm.followPage(p, addr + PAGE_SIZE).kind).toBe('swap');
    kernel.alloc.putPage(pfn);
    expectClean(kernel);
  });
});

describe('direct reclaim (try_to_free_pages)', () => {
  // With the default boost factor a fragmenting fallback raises the min watermark; the retries
  // continue only because should_reclaim_retry() counts reclaimable pages (anon, as swap is free).
  it.each([
    ['without watermark boost', 0],
    ['with the default watermark_boost_factor', undefined],
  ])('an allocation beyond free memory succeeds by reclaiming anonymous memory (allocstall, pgsteal_direct), %s', (_, boost) => {
    const kernel = reclaimKernel('16MiB', boost);
    const vm = kernel.vm;
    const p = vm.createProcess({ comm: 'hog' });
    const free0 = freePages(kernel);
    const hog = free0 - 64;
    const a = vm.mmap(p, { length: hog * PAGE_SIZE, prot: RW, flags: MAP_PRIVATE | MAP_ANONYMOUS });
    vm.touch(p, a, hog * PAGE_SIZE, true);
    vm.write(p, a, pattern(0, 11));
    const begin: number[] = [];
    const end: number[] = [];
    kernel.events.on('mm_vmscan_direct_reclaim_begin', (e) => begin.push(e.order));
    kernel.events.on('mm_vmscan_direct_reclaim_end', (e) => end.push(e.nr_reclaimed));
    const got: number[] = [];
    for (let i = 0; i < 512; i++) {
      const pfn = kernel.alloc.allocPagesPfn(GFP_KERNEL | __GFP_NOWARN, 0);
      expect(pfn).toBeGreaterThanOrEqual(0);
      got.push(pfn);
    }
    const ev = kernel.vmstat.events;
    expect(ev[VmEvent.ALLOCSTALL_NORMAL]! + ev[VmEvent.ALLOCSTALL_DMA32]! + ev[VmEvent.ALLOCSTALL_MOVABLE]!).toBeGreaterThan(0);
    expect(ev[VmEvent.PGSTEAL_DIRECT]).toBeGreaterThan(0);
    expect(ev[VmEvent.PSWPOUT]).toBeGreaterThan(0);
    expect(begin.length).toBeGreaterThan(0);
    expect(end.length).toBe(begin.length);
    for (const pfn of got) kernel.alloc.freePages(pfn, 0);
    expect(vm.read(p, a, PAGE_SIZE)).toEqual(pattern(0, 11));
    expect(kernel.current.memalloc).toBe(false);
    expectClean(kernel);
  });
});
