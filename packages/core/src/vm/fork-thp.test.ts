import { HPAGE_PMD_NR, PAGE_SIZE } from '../mem/constants';
import { PG } from '../mem/page-flags';
import { NodeStat, VmEvent } from '../stat/vmstat-items';
import { GFP_TRANSHUGE } from '../zone/gfp';
import { bootVm, bytes } from './__fixtures__/vm-fixture';
import {
  MADV_DONTNEED, MADV_HUGEPAGE, MAP_ANONYMOUS, MAP_FIXED, MAP_LOCKED, MAP_PRIVATE, MAP_SHARED, PMD_SIZE, PROT_READ, PROT_WRITE,
} from './constants';
import { MmuNotifyEvent } from './deps';

const RW = PROT_READ | PROT_WRITE;
const ANON = MAP_PRIVATE | MAP_ANONYMOUS;

describe('fork and COW', () => {
  it('keeps parent and child data apart after fork; shared memory stays shared', () => {
    const { vm, mem } = bootVm();
    const p = vm.createProcess({ comm: 'parent' });
    const a = vm.mmap(p, { length: 2 * PAGE_SIZE, prot: RW, flags: ANON });
    const s = vm.mmap(p, { length: PAGE_SIZE, prot: RW, flags: MAP_SHARED | MAP_ANONYMOUS });
    vm.write(p, a, bytes(1, 1));
    vm.write(p, s, bytes(5));
    const c = vm.fork(p);
    const pfn = vm.followPage(p, a).pfn;
    expect(vm.followPage(c, a)).toMatchObject({ pfn, writable: false });
    expect(vm.followPage(p, a).writable).toBe(false);
    expect(vm.folioMapcount(pfn)).toBe(2);
    vm.write(c, a, bytes(2));
    expect(vm.read(p, a, 2)).toEqual(bytes(1, 1));
    expect(vm.read(c, a, 2)).toEqual(bytes(2, 1));
    expect(vm.followPage(c, a).pfn).not.toBe(pfn);
    vm.write(p, a, bytes(3)); // the parent's page is exclusive again: reused, not copied
    expect(vm.followPage(p, a).pfn).toBe(pfn);
    vm.write(c, s, bytes(6));
    expect(vm.read(p, s, 1)[0]).toBe(6);
    vm.exitProcess(c);
    vm.exitProcess(p);
    expect(mem.nodes[0].vmStat[NodeStat.NR_ANON_MAPPED]).toBe(0);
    expect(mem.nodes[0].vmStat[NodeStat.NR_FILE_PAGES]).toBe(0);
  });

  it('rmapWalk finds the parent first, then the child, and migration keeps both views', () => {
    const k = bootVm();
    const { vm, mem, alloc } = k;
    const p = vm.createProcess({ comm: 'parent' });
    const a = vm.mmap(p, { length: PAGE_SIZE, prot: RW, flags: ANON });
    vm.write(p, a, bytes(77));
    const c = vm.fork(p);
    const src = vm.followPage(p, a).pfn;
    const order: number[] = [];
    vm.rmapWalk(src, (mm) => { order.push(mm.id); });
    expect(order).toEqual([p.mm.id, c.mm.id]);
    alloc.getPage(src);
    vm.tryToMigrate(src, true);
    expect(vm.followPage(c, a).kind).toBe('migration-read');
    const dst = alloc.allocPagesPfn(GFP_TRANSHUGE & ~0x40000, 0);
    mem.content.copy(dst, src);
    mem.frames.mapping[dst] = mem.frames.mapping[src];
    mem.frames.index[dst] = mem.frames.index[src];
    vm.removeMigrationPtes(src, dst, true);
    expect(vm.read(p, a, 1)[0]).toBe(77);
    expect(vm.read(c, a, 1)[0]).toBe(77);
    expect(vm.folioMapcount(dst)).toBe(2);
  });

  it('unmap, fork and mprotect bracket their page-table changes with notifier ranges', () => {
    const { vm, notifiers } = bootVm();
    const p = vm.createProcess({ comm: 'a' });
    const a = vm.mmap(p, { length: 2 * PAGE_SIZE, prot: RW, flags: ANON });
    vm.write(p, a, bytes(1));
    notifiers.calls.length = 0;
    vm.fork(p);
    vm.mprotect(p, a, PAGE_SIZE, PROT_READ);
    vm.munmap(p, a, 2 * PAGE_SIZE);
    const events = notifiers.calls.filter((x) => x.op === 'start').map((x) => x.range!.event);
    expect(events).toEqual([MmuNotifyEvent.PROTECTION_PAGE, MmuNotifyEvent.PROTECTION_VMA, MmuNotifyEvent.UNMAP]);
    expect(notifiers.open).toBe(0);
  });
});

describe('THP', () => {
  function thpProcess(k: ReturnType<typeof bootVm>, flags = ANON) {
    const p = k.vm.createProcess({ comm: 'thp' });
    const a = k.vm.mmap(p, { length: PMD_SIZE, prot: RW, flags });
    k.vm.madvise(p, a, PMD_SIZE, MADV_HUGEPAGE);
    return { p, a };
  }

  it('a write fault in a VM_HUGEPAGE range maps a PMD (thp_fault_alloc, NR_ANON_THPS)', () => {
    const k = bootVm();
    const { p, a } = thpProcess(k);
    k.vm.write(k.vm.processes.get(p.pid)!, a + 5 * PAGE_SIZE, bytes(9));
    const f = k.vm.followPage(p, a + 5 * PAGE_SIZE);
    expect(f).toMatchObject({ huge: true, kind: 'present', writable: true });
    expect(k.vmstat.events[VmEvent.THP_FAULT_ALLOC]).toBe(1);
    expect(k.mem.nodes[0].vmStat[NodeStat.NR_ANON_THPS]).toBe(HPAGE_PMD_NR);
    expect(k.mem.nodes[0].vmStat[NodeStat.NR_ANON_MAPPED]).toBe(HPAGE_PMD_NR);
    expect(k.vm.folioMapcount(f.pfn)).toBe(1);
    expect(k.vm.read(p, a + 5 * PAGE_SIZE, 1)[0]).toBe(9);
  });

  it('falls back to base pages when no order-9 block is free (thp_fault_fallback)', () => {
    const k = bootVm({ memory: '8MiB' });
    const hog: number[] = [];
    for (let pfn; (pfn = k.alloc.allocPagesPfn(GFP_TRANSHUGE, 9)) >= 0;) hog.push(pfn);
    const { p, a } = thpProcess(k);
    k.vm.write(p, a, bytes(1));
    expect(k.vm.followPage(p, a).huge).toBe(false);
    expect(k.vmstat.events[VmEvent.THP_FAULT_FALLBACK]).toBe(1);
  });

  it('partial munmap and mprotect split the PMD (thp_split_pmd) and keep the bytes', () => {
    const k = bootVm();
    const { p, a } = thpProcess(k);
    k.vm.write(p, a + 3 * PAGE_SIZE, bytes(4, 5));
    const head = k.vm.followPage(p, a).pfn;
    k.vm.mprotect(p, a, PAGE_SIZE, PROT_READ);
    expect(k.vmstat.events[VmEvent.THP_SPLIT_PMD]).toBe(1);
    expect(k.vm.followPage(p, a)).toMatchObject({ huge: false, pfn: head, writable: false });
    expect(k.vm.read(p, a + 3 * PAGE_SIZE, 2)).toEqual(bytes(4, 5));
    expect(k.mem.nodes[0].vmStat[NodeStat.NR_ANON_THPS]).toBe(0);
    expect(k.mem.nodes[0].vmStat[NodeStat.NR_ANON_MAPPED]).toBe(HPAGE_PMD_NR);
    k.vm.munmap(p, a + PMD_SIZE / 2, PMD_SIZE / 2);
    expect(k.vm.folioMapcount(head)).toBe(HPAGE_PMD_NR / 2);
    k.vm.madvise(p, a + PAGE_SIZE, PAGE_SIZE, MADV_DONTNEED);
    expect(k.vm.followPage(p, a + PAGE_SIZE).kind).toBe('none');
    k.vm.exitProcess(p);
    expect(k.mem.frames.refcount[head]).toBe(0);
  });

  it('migrates a PMD-mapped THP through a PMD migration entry', () => {
    const k = bootVm();
    const { p, a } = thpProcess(k);
    k.vm.write(p, a + PAGE_SIZE * 7, bytes(3));
    const src = k.vm.followPage(p, a).pfn;
    k.alloc.getPage(src);
    k.vm.tryToMigrate(src);
    expect(k.vm.followPage(p, a)).toMatchObject({ huge: true, kind: 'migration-write' });
    const dst = k.alloc.allocPagesPfn(GFP_TRANSHUGE, 9);
    for (let i = 0; i < HPAGE_PMD_NR; i++) k.mem.content.copy(dst + i, src + i);
    k.mem.frames.mapping[dst] = k.mem.frames.mapping[src];
    k.mem.frames.index[dst] = k.mem.frames.index[src];
    k.vm.removeMigrationPtes(src, dst, false);
    expect(k.vm.followPage(p, a)).toMatchObject({ huge: true, kind: 'present', pfn: dst, writable: true });
    expect(k.vm.read(p, a + PAGE_SIZE * 7, 1)[0]).toBe(3);
  });

  it('seed 000: a THP PTE-mapped in a VM_LOCKED VMA after fork+mlock stays off the mlock list after migration', () => {
    const k = bootVm({ thp: 'always' });
    const { vm, alloc, mem } = k;
    const p = vm.createProcess({ comm: 'seed000' });
    const a = vm.mmap(p, { length: PMD_SIZE, prot: RW, flags: ANON | MAP_LOCKED });
    vm.write(p, a, bytes(1));
    const src = vm.followPage(p, a).pfn;
    expect(vm.followPage(p, a).huge).toBe(true);
    expect(mem.frames.testFlag(src, PG.mlocked)).toBe(true);
    const c = vm.fork(p);
    vm.mlock(c, a, 4096);
    expect(vm.followPage(c, a).huge).toBe(false); // the VMA edge split the child's PMD
    expect(vm.followPage(p, a).huge).toBe(true);
    alloc.getPage(src);
    vm.tryToMigrate(src);
    const dst = alloc.allocPagesPfn(GFP_TRANSHUGE, 9);
    for (let i = 0; i < HPAGE_PMD_NR; i++) mem.content.copy(dst + i, src + i);
    mem.frames.mapping[dst] = mem.frames.mapping[src];
    mem.frames.index[dst] = mem.frames.index[src];
    vm.removeMigrationPtes(src, dst, false);
    expect(vm.followPage(p, a)).toMatchObject({ huge: true, pfn: dst });
    // mlock populated the child's first page with a write fault: COW gave it a private copy
    expect(vm.followPage(c, a).pfn).not.toBe(dst);
    expect(vm.followPage(c, a + PAGE_SIZE)).toMatchObject({ huge: false, pfn: dst + 1 });
    expect(mem.frames.testFlag(dst, PG.mlocked)).toBe(true); // PMD-mapped in the parent's VM_LOCKED VMA
    expect(vm.read(c, a, 1)[0]).toBe(1);
  });

  it('seed 000: a THP PTE-mapped in a VM_LOCKED VMA is munlocked, before and after migration', () => {
    const k = bootVm({ thp: 'always' });
    const { vm, alloc, mem } = k;
    const p = vm.createProcess({ comm: 'seed000' });
    const a = vm.mmap(p, { length: PMD_SIZE, prot: RW, flags: ANON | MAP_LOCKED });
    const src = vm.followPage(p, a).pfn;
    expect(mem.frames.testFlag(src, PG.mlocked)).toBe(true);
    vm.mprotect(p, a, PAGE_SIZE, PROT_READ); // the VMA split turns the PMD into PTEs
    expect(vm.followPage(p, a)).toMatchObject({ huge: false, pfn: src });
    expect(mem.frames.testFlag(src, PG.mlocked)).toBe(false);
    alloc.getPage(src);
    vm.tryToMigrate(src);
    const dst = alloc.allocPagesPfn(GFP_TRANSHUGE, 9);
    mem.frames.mapping[dst] = mem.frames.mapping[src];
    mem.frames.index[dst] = mem.frames.index[src];
    mem.frames.flags[dst] |= 1 << PG.mlocked; // folio_migrate_flags copied a stale PG_mlocked
    k.lru.mlockCount.set(dst, 1);
    vm.removeMigrationPtes(src, dst, false);
    expect(vm.followPage(p, a + PAGE_SIZE)).toMatchObject({ huge: false, pfn: dst + 1 });
    expect(mem.frames.testFlag(dst, PG.mlocked)).toBe(false);
  });

  it('MAP_FIXED over part of a THP splits it and keeps the rest', () => {
    const k = bootVm();
    const { p, a } = thpProcess(k);
    k.vm.write(p, a, bytes(8));
    k.vm.mmap(p, { addr: a + PAGE_SIZE, length: PAGE_SIZE, prot: RW, flags: ANON | MAP_FIXED });
    expect(k.vm.read(p, a, 1)[0]).toBe(8);
    expect(k.vm.followPage(p, a).huge).toBe(false);
  });
});
