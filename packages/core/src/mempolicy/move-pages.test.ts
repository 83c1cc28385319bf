import { createKernel } from '../kernel/kernel';
import { Errno } from '../errors';
import { PAGE_SIZE, HPAGE_PMD_NR } from '../mem/constants';
import { PG } from '../mem/page-flags';
import { NodeStat } from '../stat/vmstat-items';
import { checkBuddy } from '../zone/check-buddy';
import { MADV_HUGEPAGE, MAP_ANONYMOUS, MAP_PRIVATE, MAP_SHARED, PMD_SIZE, PROT_READ, PROT_WRITE } from '../vm/constants';
import { MPOL_MF_MOVE, MPOL_MF_MOVE_ALL } from './page-queue';
import { MpolMode } from './mempolicy';
import type { MmuNotifierSubscriptions } from '../notify/mmu-notifier';
import type { MmuNotifierRange } from '../notify/mmu-notifier-range';

function boot() {
  const kernel = createKernel({ machine: { nodes: [{ memory: '64MiB' }, { memory: '64MiB' }], layout: 'flat' }, thp: 'madvise' });
  const root = kernel.vm.createProcess({ comm: 'root', uid: 0, caps: ['CAP_SYS_NICE', 'CAP_SYS_PTRACE'] });
  const user = kernel.vm.createProcess({ comm: 'user', uid: 1000 });
  const other = kernel.vm.createProcess({ comm: 'other', uid: 1001 });
  const anon = (p = user, pages = 16) => {
    const addr = kernel.vm.mmap(p, { length: pages * PAGE_SIZE, prot: PROT_READ | PROT_WRITE, flags: MAP_PRIVATE | MAP_ANONYMOUS });
    for (let i = 0; i < pages; i++) kernel.vm.write(p, addr + i * PAGE_SIZE, new Uint8Array([i + 1, 0xa5, i ^ 0x5a]));
    return addr;
  };
  const addrs = (addr: number, n: number) => Array.from({ length: n }, (_, i) => addr + i * PAGE_SIZE);
  const isolated = () => kernel.mem.nodes.reduce((n, x) => n + x.vmStat[NodeStat.NR_ISOLATED_ANON]! + x.vmStat[NodeStat.NR_ISOLATED_FILE]!, 0);
  return { kernel, root, user, other, anon, addrs, isolated };
}

describe('move_pages(2) (mm/migrate.c: do_pages_move)', () => {
  it('moves private anonymous pages to another node; the process reads the same bytes', () => {
    const { kernel, user, anon, addrs, isolated } = boot();
    const addr = anon(user, 16);
    const status = new Int32Array(16);
    expect(kernel.movePages.movePages(user, user, addrs(addr, 16), new Array(16).fill(1), status)).toBe(0);
    expect(Array.from(status)).toEqual(new Array(16).fill(1));
    for (let i = 0; i < 16; i++) {
      expect(Array.from(kernel.vm.read(user, addr + i * PAGE_SIZE, 3))).toEqual([i + 1, 0xa5, i ^ 0x5a]);
      expect(kernel.mem.pageZone(kernel.vm.followPage(user, addr + i * PAGE_SIZE).pfn).nid).toBe(1);
    }
    expect(kernel.vmstat.snapshot(kernel.mem)).toMatchObject({ pgmigrate_success: 16, pgmigrate_fail: 0 });
    expect(isolated()).toBe(0);
    // Querying: nodes === null reports where each page is.
    const where = new Int32Array(17);
    kernel.movePages.movePages(user, user, [...addrs(addr, 16), addr + 64 * PAGE_SIZE], null, where);
    expect(Array.from(where)).toEqual([...new Array(16).fill(1), -Errno.EFAULT]);
    kernel.alloc.drainAllPages();
    expect(checkBuddy(kernel.mem).problems).toEqual([]);
  });

  it('seed regression: refuses a caller without the right credentials', () => {
    const { kernel, user, other, root, anon, addrs } = boot();
    const addr = anon(user, 2);
    const status = new Int32Array(2);
    // Another uid without CAP_SYS_PTRACE may not touch the process (ptrace_may_access).
    expect(kernel.movePages.movePages(other, user, addrs(addr, 2), [1, 1], status)).toBe(-Errno.EPERM);
    // MPOL_MF_MOVE_ALL needs CAP_SYS_NICE.
    expect(kernel.movePages.movePages(user, user, addrs(addr, 2), [1, 1], status, MPOL_MF_MOVE_ALL)).toBe(-Errno.EPERM);
    expect(kernel.vmstat.snapshot(kernel.mem).pgmigrate_success).toBe(0);
    // root has both.
    expect(kernel.movePages.movePages(root, user, addrs(addr, 2), [1, 1], status, MPOL_MF_MOVE_ALL)).toBe(0);
    expect(Array.from(status)).toEqual([1, 1]);
  });

  it('per-page status: -EFAULT for unmapped or zero pages, -ENODEV for a bad node, -EACCES for shared pages without MOVE_ALL', () => {
    const { kernel, user, root, anon } = boot();
    const addr = anon(user, 2);
    const zeroAddr = kernel.vm.mmap(user, { length: PAGE_SIZE, prot: PROT_READ, flags: MAP_PRIVATE | MAP_ANONYMOUS });
    kernel.vm.read(user, zeroAddr, 1); // maps the zero page
    const status = new Int32Array(3);
    expect(kernel.movePages.movePages(user, user, [addr, zeroAddr, addr + 1024 * PAGE_SIZE], [1, 1, 1], status)).toBe(0);
    expect(Array.from(status)).toEqual([1, -Errno.EFAULT, -Errno.EFAULT]);
    expect(kernel.movePages.movePages(user, user, [addr], [7], status)).toBe(-Errno.ENODEV);
    const child = kernel.vm.fork(user);
    const s = new Int32Array(1);
    expect(kernel.movePages.movePages(user, user, [addr + PAGE_SIZE], [1], s)).toBe(0);
    expect(s[0]).toBe(-Errno.EACCES);
    expect(kernel.movePages.movePages(root, user, [addr + PAGE_SIZE], [1], s, MPOL_MF_MOVE_ALL)).toBe(0);
    expect(s[0]).toBe(1);
    // Both processes still see the bytes through the one moved page.
    expect(Array.from(kernel.vm.read(child, addr + PAGE_SIZE, 3))).toEqual([2, 0xa5, 1 ^ 0x5a]);
    expect(kernel.vm.followPage(child, addr + PAGE_SIZE).pfn).toBe(kernel.vm.followPage(user, addr + PAGE_SIZE).pfn);
  });

  it('moves a THP whole: thp_migration_success 1, pgmigrate_success 512', () => {
    const { kernel, user } = boot();
    const addr = kernel.vm.mmap(user, { length: 2 * PMD_SIZE, prot: PROT_READ | PROT_WRITE, flags: MAP_PRIVATE | MAP_ANONYMOUS });
    const aligned = Math.ceil(addr / PMD_SIZE) * PMD_SIZE;
    kernel.vm.madvise(user, aligned, PMD_SIZE, MADV_HUGEPAGE);
    kernel.vm.write(user, aligned + 5 * PAGE_SIZE, new Uint8Array([9, 8, 7]));
    const before = kernel.vm.followPage(user, aligned);
    expect(before.huge).toBe(true);
    const status = new Int32Array(1);
    expect(kernel.movePages.movePages(user, user, [aligned], [1], status)).toBe(0);
    const after = kernel.vm.followPage(user, aligned);
    expect(after.huge).toBe(true);
    expect(kernel.mem.pageZone(after.pfn).nid).toBe(1);
    expect(Array.from(kernel.vm.read(user, aligned + 5 * PAGE_SIZE, 3))).toEqual([9, 8, 7]);
    expect(kernel.vmstat.snapshot(kernel.mem)).toMatchObject({ thp_migration_success: 1, pgmigrate_success: HPAGE_PMD_NR });
  });

  it('seed regression: KSM pages migrate with the right new page at every address', () => {
    const { kernel, root, user, other } = boot();
    const page = new Uint8Array(64).fill(0x33);
    const a = kernel.vm.mmap(user, { length: PAGE_SIZE, prot: PROT_READ | PROT_WRITE, flags: MAP_PRIVATE | MAP_ANONYMOUS });
    const b = kernel.vm.mmap(other, { length: 2 * PAGE_SIZE, prot: PROT_READ | PROT_WRITE, flags: MAP_PRIVATE | MAP_ANONYMOUS });
    kernel.vm.write(user, a, page);
    kernel.vm.write(other, b, page);
    kernel.vm.write(other, b + PAGE_SIZE, page);
    const { kpfn, merged } = kernel.vm.ksmMerge(user, [a, { p: other, addr: b }, { p: other, addr: b + PAGE_SIZE }]);
    expect(merged).toBe(3);
    const status = new Int32Array(1);
    expect(kernel.movePages.movePages(root, user, [a], [1], status, MPOL_MF_MOVE_ALL)).toBe(0);
    const moved = kernel.vm.followPage(user, a).pfn;
    expect(moved).not.toBe(kpfn);
    expect(kernel.mem.pageZone(moved).nid).toBe(1);
    for (const [p, addr] of [[user, a], [other, b], [other, b + PAGE_SIZE]] as const) {
      expect(kernel.vm.followPage(p, addr).pfn).toBe(moved);
      expect(kernel.vm.read(p, addr, 64)).toEqual(page);
    }
  });

  it('moves shared page-cache pages (filemap_migrate_folio) and keeps the file contents', () => {
    const { kernel, user } = boot();
    const file = kernel.vm.createFile(4 * PAGE_SIZE, { aops: { migrateFolio: 'filemap' } });
    const addr = kernel.vm.mmap(user, { length: 4 * PAGE_SIZE, prot: PROT_READ | PROT_WRITE, flags: MAP_SHARED, file });
    kernel.vm.write(user, addr + PAGE_SIZE, new Uint8Array([1, 2, 3, 4]));
    const status = new Int32Array(1);
    expect(kernel.movePages.movePages(user, user, [addr + PAGE_SIZE], [1], status)).toBe(0);
    expect(status[0]).toBe(1);
    const pfn = kernel.vm.followPage(user, addr + PAGE_SIZE).pfn;
    expect(file.iPages.get(1)).toBe(pfn);
    expect(Array.from(kernel.vm.filemap.readFile(file, PAGE_SIZE, 4))).toEqual([1, 2, 3, 4]);
  });

  it('brackets every unmap with invalidate_range_start/end (seed regression)', () => {
    const { kernel, user, anon, addrs } = boot();
    const addr = anon(user, 8);
    const mm = kernel.vm.check(user);
    const calls: string[] = [];
    (mm.notifiers as MmuNotifierSubscriptions).register({
      invalidateRangeStart: (r: MmuNotifierRange) => { calls.push(`start ${r.start.toString(16)}-${r.end.toString(16)}`); return 0; },
      invalidateRangeEnd: (r: MmuNotifierRange) => { calls.push(`end ${r.start.toString(16)}-${r.end.toString(16)}`); },
      release: () => undefined,
    });
    kernel.movePages.movePages(user, user, addrs(addr, 8), new Array(8).fill(1), new Int32Array(8));
    expect(calls.length).toBe(16);
    for (let i = 0; i < calls.length; i += 2) {
      expect(calls[i]!.startsWith('start')).toBe(true);
      expect(calls[i + 1]).toBe(calls[i]!.replace('start', 'end'));
    }
  });

  it('counts the bracket of every unmap on an mm nobody subscribes to, leaving none open', () => {
    const { kernel, user, anon, addrs } = boot();
    const addr = anon(user, 8);
    const subs = kernel.vm.check(user).notifiers as MmuNotifierSubscriptions;
    expect(subs.idle).toBe(true);
    const before = { ...subs.stats };
    expect(kernel.movePages.movePages(user, user, addrs(addr, 8), new Array(8).fill(1), new Int32Array(8))).toBe(0);
    expect(subs.stats.starts - before.starts).toBe(8);
    expect(subs.stats.ends - before.ends).toBe(8);
    expect(subs.activeRanges).toBe(0);
    // A subscriber makes the mm busy again: ranges are built and delivered.
    subs.register({ invalidateRangeStart: () => 0, invalidateRangeEnd: () => undefined, release: () => undefined });
    expect(subs.idle).toBe(false);
  });
});

describe('migrate_pages(2) and mbind(2) (mm/mempolicy.c)', () => {
  it('migrate_pages moves a process from node 0 to node 1', () => {
    const { kernel, root, user, anon, addrs } = boot();
    const addr = anon(user, 12);
    expect(kernel.mempolicy.migratePages(root, user, [0], [1])).toBe(0);
    const where = new Int32Array(12);
    kernel.movePages.movePages(user, user, addrs(addr, 12), null, where);
    expect(Array.from(where)).toEqual(new Array(12).fill(1));
    expect(kernel.mempolicy.migratePages(kernel.vm.createProcess({ comm: 'x', uid: 5 }), user, [1], [0])).toBe(-Errno.EPERM);
  });

  it('mbind(MPOL_BIND, MPOL_MF_MOVE) moves the range onto the policy nodes and records the policy', () => {
    const { kernel, user, anon, addrs } = boot();
    const addr = anon(user, 6);
    expect(kernel.mempolicy.mbind(user, addr, 6 * PAGE_SIZE, { mode: MpolMode.BIND, nodes: [1] }, MPOL_MF_MOVE)).toBe(0);
    const where = new Int32Array(6);
    kernel.movePages.movePages(user, user, addrs(addr, 6), null, where);
    expect(Array.from(where)).toEqual(new Array(6).fill(1));
    expect(kernel.mempolicy.getPolicy(user, addr + PAGE_SIZE)).toEqual({ mode: MpolMode.BIND, nodes: [1] });
    expect(kernel.vmstat.snapshot(kernel.mem).pgmigrate_success).toBe(6);
    expect(kernel.mempolicy.mbind(user, addr + 1, PAGE_SIZE, { mode: MpolMode.BIND, nodes: [1] }, MPOL_MF_MOVE)).toBe(-Errno.EINVAL);
  });
});

describe('memory policies at fault time (vma_alloc_folio)', () => {
  it.each([
    ['MPOL_BIND [1]', { mode: MpolMode.BIND, nodes: [1] }, [1, 1, 1, 1]],
    ['MPOL_PREFERRED [1]', { mode: MpolMode.PREFERRED, nodes: [1] }, [1, 1, 1, 1]],
    ['MPOL_INTERLEAVE [0, 1]', { mode: MpolMode.INTERLEAVE, nodes: [0, 1] }, null],
    ['MPOL_DEFAULT', { mode: MpolMode.DEFAULT, nodes: [] }, [0, 0, 0, 0]],
  ])('%s places pages faulted after mbind()', (_name, policy, expected) => {
    const { kernel, user, addrs } = boot();
    const addr = kernel.vm.mmap(user, { length: 4 * PAGE_SIZE, prot: PROT_READ | PROT_WRITE, flags: MAP_PRIVATE | MAP_ANONYMOUS });
    expect(kernel.mempolicy.mbind(user, addr, 4 * PAGE_SIZE, policy, 0)).toBe(0);
    kernel.vm.touch(user, addr, 4 * PAGE_SIZE, true);
    const where = new Int32Array(4);
    kernel.movePages.movePages(user, user, addrs(addr, 4), null, where);
    if (expected) expect(Array.from(where)).toEqual(expected);
    else expect(new Set(where).size).toBe(2); // interleaved over both nodes
  });
});
