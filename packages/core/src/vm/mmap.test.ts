import { KernelError } from '../errors';
import { PAGE_SIZE } from '../mem/constants';
import { NodeStat, VmEvent } from '../stat/vmstat-items';
import { bootVm, bytes } from './__fixtures__/vm-fixture';
import {
  MAP_ANONYMOUS, MAP_FIXED, MAP_FIXED_NOREPLACE, MAP_POPULATE, MAP_PRIVATE, MAP_SHARED, MM_ANONPAGES, MMAP_BASE, PMD_SIZE,
  PROT_READ, PROT_WRITE, TASK_SIZE,
} from './constants';

const RW = PROT_READ | PROT_WRITE;
const ANON = MAP_PRIVATE | MAP_ANONYMOUS;

function expectErr(fn: () => unknown, code: string): void {
  let err: unknown;
  try { fn(); } catch (e) { err = e; }
  expect(err).toBeInstanceOf(KernelError);
  expect((err as KernelError).code).toBe(code);
}

describe('mmap / munmap', () => {
  it('places mappings top-down below the mmap base, page aligned', () => {
    const { vm } = bootVm();
    const p = vm.createProcess({ comm: 'a' });
    const a = vm.mmap(p, { length: 3 * PAGE_SIZE, prot: RW, flags: ANON });
    const b = vm.mmap(p, { length: 100, prot: RW, flags: ANON });
    expect(a).toBe(MMAP_BASE - 3 * PAGE_SIZE);
    expect(b).toBe(a - PAGE_SIZE);
    expect(p.mm.vmas.length).toBe(1); // adjacent compatible anon VMAs merge (vma_merge)
    expect(p.mm.findVma(b)!.end).toBe(MMAP_BASE);
  });

  it('aligns large anonymous mappings to PMD_SIZE', () => {
    const { vm } = bootVm();
    const p = vm.createProcess({ comm: 'a' });
    vm.mmap(p, { length: PAGE_SIZE, prot: RW, flags: ANON });
    const a = vm.mmap(p, { length: PMD_SIZE, prot: RW, flags: ANON });
    expect(a % PMD_SIZE).toBe(0);
  });

  it.each([
    ['zero length', { length: 0, prot: RW, flags: ANON }, 'EINVAL'],
    ['bad prot', { length: 4096, prot: 0x80, flags: ANON }, 'EINVAL'],
    ['no map type', { length: 4096, prot: RW, flags: MAP_ANONYMOUS }, 'EINVAL'],
    ['unaligned fixed', { length: 4096, prot: RW, flags: ANON | MAP_FIXED, addr: 0x10000001 }, 'EINVAL'],
    ['fixed below mmap_min_addr', { length: 4096, prot: RW, flags: ANON | MAP_FIXED, addr: 0x1000 }, 'EPERM'],
    ['fixed past TASK_SIZE', { length: 8192, prot: RW, flags: ANON | MAP_FIXED, addr: TASK_SIZE - 4096 }, 'ENOMEM'],
    ['unaligned offset', { length: 4096, prot: RW, flags: MAP_PRIVATE, offset: 5 }, 'EINVAL'],
    ['file mapping without file', { length: 4096, prot: RW, flags: MAP_PRIVATE }, 'EINVAL'],
    ['too long', { length: TASK_SIZE + 4096, prot: RW, flags: ANON }, 'ENOMEM'],
  ])('rejects %s', (_name, args, code) => {
    const { vm } = bootVm();
    const p = vm.createProcess({ comm: 'a' });
    expectErr(() => vm.mmap(p, args), code);
    expect(p.mm.vmas.length).toBe(0);
  });

  it('MAP_FIXED replaces an existing mapping; MAP_FIXED_NOREPLACE refuses with EEXIST', () => {
    const { vm } = bootVm();
    const p = vm.createProcess({ comm: 'a' });
    const a = vm.mmap(p, { length: 2 * PAGE_SIZE, prot: RW, flags: ANON });
    vm.write(p, a, bytes(7));
    expectErr(() => vm.mmap(p, { addr: a, length: PAGE_SIZE, prot: RW, flags: ANON | MAP_FIXED_NOREPLACE }), 'EEXIST');
    expect(vm.read(p, a, 1)[0]).toBe(7);
    expect(vm.mmap(p, { addr: a, length: PAGE_SIZE, prot: RW, flags: ANON | MAP_FIXED })).toBe(a);
    expect(vm.read(p, a, 1)[0]).toBe(0);
  });

  it('munmap splits VMAs, frees the pages and rejects bad arguments', () => {
    const { vm, mem } = bootVm();
    const p = vm.createProcess({ comm: 'a' });
    const a = vm.mmap(p, { length: 4 * PAGE_SIZE, prot: RW, flags: ANON | MAP_POPULATE });
    expect(p.mm.counter(MM_ANONPAGES)).toBe(4);
    const anon = () => mem.nodes[0].vmStat[NodeStat.NR_ANON_MAPPED];
    expect(anon()).toBe(4);
    vm.munmap(p, a + PAGE_SIZE, 2 * PAGE_SIZE);
    expect(p.mm.vmas.map((v) => [v.start - a, v.end - a])).toEqual([[0, PAGE_SIZE], [3 * PAGE_SIZE, 4 * PAGE_SIZE]]);
    expect(p.mm.counter(MM_ANONPAGES)).toBe(2);
    expect(anon()).toBe(2);
    expectErr(() => vm.read(p, a + PAGE_SIZE, 1), 'EFAULT');
    expectErr(() => vm.munmap(p, a + 1, PAGE_SIZE), 'EINVAL');
    expectErr(() => vm.munmap(p, a, 0), 'EINVAL');
    vm.munmap(p, a + PAGE_SIZE, PAGE_SIZE); // a hole: not an error
  });

  it('page tables take real frames counted in NR_PAGETABLE and are freed on munmap and exit', () => {
    const { vm, mem } = bootVm();
    const pt = () => mem.nodes[0].vmStat[NodeStat.NR_PAGETABLE];
    const before = pt();
    const p = vm.createProcess({ comm: 'a' });
    const a = vm.mmap(p, { length: 4 * PMD_SIZE, prot: RW, flags: ANON });
    for (let i = 0; i < 4; i++) vm.write(p, a + i * PMD_SIZE, bytes(1));
    expect(pt() - before).toBe(5); // one PMD table + four PTE tables
    expect(p.mm.pgtables.nrFrames).toBe(5);
    vm.munmap(p, a, 2 * PMD_SIZE);
    expect(pt() - before).toBe(3);
    vm.exitProcess(p);
    expect(pt()).toBe(before);
    expect(mem.nodes[0].vmStat[NodeStat.NR_ANON_MAPPED]).toBe(0);
  });
});

describe('faults and memory access', () => {
  it('a read fault maps the zero page, a write allocates a zeroed page holding the bytes', () => {
    const { vm, vmstat } = bootVm();
    const p = vm.createProcess({ comm: 'a' });
    const a = vm.mmap(p, { length: 2 * PAGE_SIZE, prot: RW, flags: ANON });
    expect(Array.from(vm.read(p, a, 4))).toEqual([0, 0, 0, 0]);
    const z = vm.followPage(p, a);
    expect(z.pfn).toBe(vm.env.zeroPfn);
    expect(z.writable).toBe(false);
    vm.write(p, a + PAGE_SIZE - 2, bytes(1, 2, 3, 4));
    expect(Array.from(vm.read(p, a + PAGE_SIZE - 2, 4))).toEqual([1, 2, 3, 4]);
    expect(vm.followPage(p, a).pfn).not.toBe(vm.env.zeroPfn);
    expect(vm.followPage(p, a).dirty).toBe(true);
    expect(p.mm.counter(MM_ANONPAGES)).toBe(2);
    expect(vmstat.events[VmEvent.PGFAULT]).toBe(3); // read, zero-page COW, fresh page
  });

  it('faults on PROT_READ memory for writes and on unmapped addresses give EFAULT', () => {
    const { vm } = bootVm();
    const p = vm.createProcess({ comm: 'a' });
    const a = vm.mmap(p, { length: PAGE_SIZE, prot: PROT_READ, flags: ANON });
    expectErr(() => vm.write(p, a, bytes(1)), 'EFAULT');
    expectErr(() => vm.read(p, a - PAGE_SIZE, 1), 'EFAULT');
  });

  it('MAP_SHARED anonymous memory is shmem: NR_SHMEM, and freed with the last mapping', () => {
    const { vm, mem } = bootVm();
    const p = vm.createProcess({ comm: 'a' });
    const a = vm.mmap(p, { length: 2 * PAGE_SIZE, prot: RW, flags: MAP_SHARED | MAP_ANONYMOUS });
    vm.write(p, a, bytes(5));
    expect(mem.nodes[0].vmStat[NodeStat.NR_SHMEM]).toBe(1);
    vm.munmap(p, a, 2 * PAGE_SIZE);
    expect(mem.nodes[0].vmStat[NodeStat.NR_SHMEM]).toBe(0);
    expect(mem.nodes[0].vmStat[NodeStat.NR_FILE_PAGES]).toBe(0);
  });
});
