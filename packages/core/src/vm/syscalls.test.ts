import { KernelError } from '../errors';
import { PAGE_SIZE } from '../mem/constants';
import { PG } from '../mem/page-flags';
import { NodeStat } from '../stat/vmstat-items';
import { bootVm, bytes } from './__fixtures__/vm-fixture';
import {
  MADV_DONTNEED, MADV_FREE, MAP_ANONYMOUS, MAP_FIXED, MAP_LOCKED, MAP_PRIVATE, MAP_SHARED, MREMAP_DONTUNMAP, MREMAP_FIXED, MREMAP_MAYMOVE,
  PROT_NONE, PROT_READ, PROT_WRITE, VM_LOCKED,
} from './constants';

const RW = PROT_READ | PROT_WRITE;
const ANON = MAP_PRIVATE | MAP_ANONYMOUS;

function code(fn: () => unknown): string | undefined {
  try { fn(); } catch (e) { if (e instanceof KernelError) return e.code; throw e; }
  return undefined;
}

describe('mprotect', () => {
  it('PROT_NONE and PROT_READ block access; restoring write reuses exclusive pages', () => {
    const { vm } = bootVm();
    const p = vm.createProcess({ comm: 'a' });
    const a = vm.mmap(p, { length: 3 * PAGE_SIZE, prot: RW, flags: ANON });
    vm.write(p, a + PAGE_SIZE, bytes(1));
    vm.mprotect(p, a + PAGE_SIZE, PAGE_SIZE, PROT_NONE);
    expect(p.mm.vmas.length).toBe(3);
    expect(code(() => vm.read(p, a + PAGE_SIZE, 1))).toBe('EFAULT');
    vm.mprotect(p, a + PAGE_SIZE, PAGE_SIZE, RW);
    expect(p.mm.vmas.length).toBe(1); // merged back
    expect(vm.followPage(p, a + PAGE_SIZE).writable).toBe(true);
    expect(vm.read(p, a + PAGE_SIZE, 1)[0]).toBe(1);
  });

  it.each([
    ['unaligned', (x: number) => [x + 1, PAGE_SIZE, PROT_READ], 'EINVAL'],
    ['bad prot', (x: number) => [x, PAGE_SIZE, 0x100], 'EINVAL'],
    ['hole', (x: number) => [x, 8 * PAGE_SIZE, PROT_READ], 'ENOMEM'],
  ] as const)('rejects %s', (_n, args, errno) => {
    const { vm } = bootVm();
    const p = vm.createProcess({ comm: 'a' });
    const a = vm.mmap(p, { length: PAGE_SIZE, prot: RW, flags: ANON });
    const [x, l, pr] = args(a);
    expect(code(() => vm.mprotect(p, x, l, pr))).toBe(errno);
    expect(p.mm.vmas[0].flags & 3).toBe(3);
  });
});

describe('mremap', () => {
  it('grows in place, moves with MREMAP_MAYMOVE keeping bytes and rmap, shrinks', () => {
    const { vm } = bootVm();
    const p = vm.createProcess({ comm: 'a' });
    const a = vm.mmap(p, { length: 2 * PAGE_SIZE, prot: RW, flags: ANON });
    vm.write(p, a, bytes(4, 2));
    expect(vm.mremap(p, a, 2 * PAGE_SIZE, 4 * PAGE_SIZE)).toBe(a); // the gap above is free: vma_expand
    vm.mmap(p, { addr: a + 4 * PAGE_SIZE, length: PAGE_SIZE, prot: PROT_READ, flags: ANON | MAP_FIXED });
    expect(code(() => vm.mremap(p, a, 4 * PAGE_SIZE, 8 * PAGE_SIZE))).toBe('ENOMEM');
    const pfn = vm.followPage(p, a).pfn;
    const b = vm.mremap(p, a, 4 * PAGE_SIZE, 8 * PAGE_SIZE, MREMAP_MAYMOVE);
    expect(b).not.toBe(a);
    expect(vm.followPage(p, b).pfn).toBe(pfn);
    expect(vm.read(p, b, 2)).toEqual(bytes(4, 2));
    const seen: number[] = [];
    vm.rmapWalk(pfn, (_mm, _v, addr) => { seen.push(addr); });
    expect(seen).toEqual([b]);
    expect(vm.mremap(p, b, 8 * PAGE_SIZE, PAGE_SIZE)).toBe(b);
    expect(code(() => vm.read(p, b + PAGE_SIZE, 1))).toBe('EFAULT');
  });

  it('MREMAP_FIXED and MREMAP_DONTUNMAP; errors as the kernel', () => {
    const { vm } = bootVm();
    const p = vm.createProcess({ comm: 'a' });
    const a = vm.mmap(p, { length: PAGE_SIZE, prot: RW, flags: ANON });
    vm.write(p, a, bytes(9));
    const t = a - 64 * PAGE_SIZE;
    expect(vm.mremap(p, a, PAGE_SIZE, PAGE_SIZE, MREMAP_MAYMOVE | MREMAP_FIXED, t)).toBe(t);
    expect(vm.read(p, t, 1)[0]).toBe(9);
    const d = vm.mremap(p, t, PAGE_SIZE, PAGE_SIZE, MREMAP_MAYMOVE | MREMAP_DONTUNMAP);
    expect(vm.read(p, d, 1)[0]).toBe(9);
    expect(vm.read(p, t, 1)[0]).toBe(0); // old range kept, empty
    expect(code(() => vm.mremap(p, d, PAGE_SIZE, 2 * PAGE_SIZE, MREMAP_FIXED, t))).toBe('EINVAL');
    expect(code(() => vm.mremap(p, d, PAGE_SIZE, 2 * PAGE_SIZE, MREMAP_MAYMOVE | MREMAP_DONTUNMAP))).toBe('EINVAL');
    expect(code(() => vm.mremap(p, d + 1, PAGE_SIZE, PAGE_SIZE))).toBe('EINVAL');
    expect(code(() => vm.mremap(p, 0x100000, PAGE_SIZE, PAGE_SIZE))).toBe('EFAULT');
  });
});

describe('mlock / madvise', () => {
  it('mlock populates and mlocks, munlock undoes; locked_vm follows; fork does not inherit', () => {
    const { vm, mem } = bootVm();
    const p = vm.createProcess({ comm: 'a' });
    const a = vm.mmap(p, { length: 4 * PAGE_SIZE, prot: RW, flags: ANON });
    vm.mlock(p, a + 100, PAGE_SIZE);
    expect(p.mm.lockedVm).toBe(2);
    const pfn = vm.followPage(p, a).pfn;
    expect(mem.frames.testFlag(pfn, PG.mlocked)).toBe(true);
    expect(code(() => vm.madvise(p, a, PAGE_SIZE, MADV_DONTNEED))).toBe('EINVAL');
    const c = vm.fork(p);
    expect(c.mm.lockedVm).toBe(0);
    expect(c.mm.vmas.every((v) => !(v.flags & VM_LOCKED))).toBe(true);
    vm.munlock(p, a, 4 * PAGE_SIZE);
    expect(p.mm.lockedVm).toBe(0);
    expect(mem.frames.testFlag(pfn, PG.mlocked)).toBe(false);
    expect(code(() => vm.mlock(p, a - 16 * PAGE_SIZE, PAGE_SIZE))).toBe('ENOMEM');
  });

  it('MAP_LOCKED pages are munlocked when unmapped', () => {
    const { vm, mem, lru } = bootVm();
    const p = vm.createProcess({ comm: 'a' });
    const a = vm.mmap(p, { length: PAGE_SIZE, prot: RW, flags: ANON | MAP_LOCKED });
    const pfn = vm.followPage(p, a).pfn;
    expect(mem.frames.testFlag(pfn, PG.mlocked)).toBe(true);
    vm.munmap(p, a, PAGE_SIZE);
    expect(lru.calls.filter(([op]) => op === 'munlock').length).toBe(1);
    expect(mem.frames.refcount[pfn]).toBe(0);
  });

  it('MADV_DONTNEED drops pages (reads zero after), MADV_FREE cleans them', () => {
    const { vm, mem } = bootVm();
    const p = vm.createProcess({ comm: 'a' });
    const a = vm.mmap(p, { length: 2 * PAGE_SIZE, prot: RW, flags: ANON });
    vm.write(p, a, bytes(1));
    vm.write(p, a + PAGE_SIZE, bytes(2));
    vm.madvise(p, a, PAGE_SIZE, MADV_DONTNEED);
    expect(vm.read(p, a, 1)[0]).toBe(0);
    const pfn = vm.followPage(p, a + PAGE_SIZE).pfn;
    vm.madvise(p, a + PAGE_SIZE, PAGE_SIZE, MADV_FREE);
    expect(vm.followPage(p, a + PAGE_SIZE).dirty).toBe(false);
    expect(mem.frames.testFlag(pfn, PG.swapbacked)).toBe(false);
    expect(code(() => vm.madvise(p, a, PAGE_SIZE, 99))).toBe('EINVAL');
    expect(code(() => vm.madvise(p, a, 8 * PAGE_SIZE, MADV_DONTNEED))).toBe('ENOMEM');
  });
});

describe('file mappings and KSM', () => {
  it('private file mappings COW on write; shared ones dirty the page cache', () => {
    const { vm, mem } = bootVm();
    const f = vm.createFile(2 * PAGE_SIZE);
    const p = vm.createProcess({ comm: 'a' });
    const s = vm.mmap(p, { length: 2 * PAGE_SIZE, prot: RW, flags: MAP_SHARED, file: f });
    const q = vm.mmap(p, { length: 2 * PAGE_SIZE, prot: RW, flags: MAP_PRIVATE, file: f });
    vm.write(p, s, bytes(3));
    expect(vm.read(p, q, 1)[0]).toBe(3);
    vm.write(p, q, bytes(4));
    expect(vm.filemap.readFile(f, 0, 1)[0]).toBe(3);
    expect(vm.read(p, s, 1)[0]).toBe(3);
    expect(mem.nodes[0].vmStat[NodeStat.NR_FILE_MAPPED]).toBe(1);
    expect(code(() => vm.mmap(p, { length: 4 * PAGE_SIZE, prot: RW, flags: MAP_SHARED, file: f }))).toBe(undefined);
    vm.destroyFile(f);
    vm.exitProcess(p);
    expect(mem.nodes[0].vmStat[NodeStat.NR_FILE_PAGES]).toBe(0);
    expect(f.destroyed).toBe(true);
  });

  it('ksmMerge shares identical pages across processes; rmapWalk finds all; a write breaks COW', () => {
    const { vm, mem } = bootVm();
    const p = vm.createProcess({ comm: 'p' });
    const q = vm.createProcess({ comm: 'q' });
    const a = vm.mmap(p, { length: 2 * PAGE_SIZE, prot: RW, flags: ANON });
    const b = vm.mmap(q, { length: PAGE_SIZE, prot: RW, flags: ANON });
    vm.write(p, a, bytes(7, 7));
    vm.write(p, a + PAGE_SIZE, bytes(7, 7));
    vm.write(q, b, bytes(7, 7));
    const { kpfn, merged } = vm.ksmMerge(p, [a, a + PAGE_SIZE, { p: q, addr: b }]);
    expect(merged).toBe(3);
    expect(mem.frames.mapping[kpfn] & 3).toBe(3);
    expect(vm.followPage(q, b)).toMatchObject({ pfn: kpfn, writable: false });
    const seen: number[] = [];
    vm.rmapWalk(kpfn, (mm, _v, addr) => { seen.push(mm.id, addr); });
    expect(seen).toEqual([p.mm.id, a, p.mm.id, a + PAGE_SIZE, q.mm.id, b]);
    expect(mem.nodes[0].vmStat[NodeStat.NR_ANON_MAPPED]).toBe(1);
    vm.write(q, b, bytes(8));
    expect(vm.followPage(q, b).pfn).not.toBe(kpfn);
    expect(vm.read(p, a, 2)).toEqual(bytes(7, 7));
    expect(vm.folioMapcount(kpfn)).toBe(2);
    vm.exitProcess(p);
    expect(mem.frames.refcount[kpfn]).toBe(0);
  });
});
