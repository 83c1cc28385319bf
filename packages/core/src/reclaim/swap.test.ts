import { KernelError } from '../errors';
import { PAGE_SIZE } from '../mem/constants';
import { NodeStat, VmEvent } from '../stat/vmstat-items';
import { MAP_ANONYMOUS, MAP_PRIVATE, MM_ANONPAGES, MM_SWAPENTS, PROT_READ, PROT_WRITE } from '../vm/constants';
import { MemorySwapDevice, type SwapDevice } from '../vm/swap-device';
import { anonWithBytes, expectClean, pattern, reclaimKernel } from './__fixtures__/reclaim-kernel';

const RW = PROT_READ | PROT_WRITE;

describe('swap: anonymous pages out and back in', () => {
  it('swaps every page out to the default in-memory device and faults each back byte-exact', () => {
    const kernel = reclaimKernel();
    const N = 64;
    const { p, addr } = anonWithBytes(kernel, N);
    const total = kernel.vm.swap.totalSwapPages;
    const anonBefore = kernel.mem.nodes[0]!.vmStat[NodeStat.NR_ANON_MAPPED]!;
    const reclaimed = kernel.reclaim.reclaimNode(0, 10_000);
    expect(reclaimed).toBeGreaterThanOrEqual(N);
    for (let i = 0; i < N; i++) expect(kernel.vm.followPage(p, addr + i * PAGE_SIZE).kind).toBe('swap');
    expect(kernel.vmstat.events[VmEvent.PSWPOUT]).toBe(N);
    expect(kernel.vm.swap.nrSwapPages).toBe(total - N);
    expect(p.mm.rss[MM_SWAPENTS]).toBe(N);
    expect(p.mm.rss[MM_ANONPAGES]).toBe(0);
    expect(kernel.mem.nodes[0]!.vmStat[NodeStat.NR_ANON_MAPPED]).toBe(anonBefore - N);
    expectClean(kernel);
    for (let i = 0; i < N; i++) expect(kernel.vm.read(p, addr + i * PAGE_SIZE, PAGE_SIZE)).toEqual(pattern(i, 1));
    expect(kernel.vmstat.events[VmEvent.PSWPIN]).toBe(N);
    expect(kernel.vm.swap.nrSwapPages).toBe(total);
    expect(p.mm.rss[MM_SWAPENTS]).toBe(0);
    expect(p.mm.rss[MM_ANONPAGES]).toBe(N);
    expect(kernel.mem.nodes[0]!.vmStat[NodeStat.NR_SWAPCACHE]).toBe(0);
    expectClean(kernel);
  });

  it('restores pages that only had a content fingerprint (written zero-filled) as zeros', () => {
    const kernel = reclaimKernel();
    const p = kernel.vm.createProcess({ comm: 'z' });
    const addr = kernel.vm.mmap(p, { length: 8 * PAGE_SIZE, prot: RW, flags: MAP_PRIVATE | MAP_ANONYMOUS });
    kernel.vm.touch(p, addr, 8 * PAGE_SIZE, true);
    kernel.reclaim.reclaimNode(0, 10_000);
    expect(kernel.vm.followPage(p, addr).kind).toBe('swap');
    expect(kernel.vm.read(p, addr, 8 * PAGE_SIZE)).toEqual(new Uint8Array(8 * PAGE_SIZE));
    expectClean(kernel);
  });

  it('a fork shares the swap slot (swap_duplicate); both read the bytes back and the slot is freed after both', () => {
    const kernel = reclaimKernel();
    const { p, addr } = anonWithBytes(kernel, 4, 7);
    kernel.reclaim.reclaimNode(0, 10_000);
    const used = kernel.vm.swap.totalSwapPages - kernel.vm.swap.nrSwapPages;
    expect(used).toBe(4);
    const child = kernel.vm.fork(p);
    expect(kernel.vm.swap.totalSwapPages - kernel.vm.swap.nrSwapPages).toBe(4);
    expect(kernel.vm.read(child, addr, PAGE_SIZE)).toEqual(pattern(0, 7));
    expect(kernel.vm.read(p, addr, PAGE_SIZE)).toEqual(pattern(0, 7));
    expect(kernel.vm.swap.totalSwapPages - kernel.vm.swap.nrSwapPages).toBe(3);
    kernel.vm.exitProcess(child);
    kernel.vm.munmap(p, addr + PAGE_SIZE, 3 * PAGE_SIZE);
    expect(kernel.vm.swap.nrSwapPages).toBe(kernel.vm.swap.totalSwapPages);
    expectClean(kernel);
  });

  it('a driver-provided swap device (zram-like) receives the writes when it has the highest priority', () => {
    const kernel = reclaimKernel();
    const inner = new MemorySwapDevice(1024, 'zram0');
    const writes: number[] = [];
    const dev: SwapDevice = {
      name: 'zram0',
      nrPages: 1024,
      writePage: (slot, bytes) => { writes.push(slot); inner.writePage(slot, bytes); },
      readPage: (slot) => inner.readPage(slot),
      discard: (slot) => inner.discard(slot),
    };
    const type = kernel.vm.swap.swapon(dev, 100);
    expect(kernel.vm.swap.swaps()[0]!.name).toBe('zram0');
    const { p, addr } = anonWithBytes(kernel, 16, 3);
    kernel.reclaim.reclaimNode(0, 10_000);
    expect(writes.length).toBe(16);
    expect(kernel.vm.swap.swaps()[0]!.usedPages).toBe(16);
    expect(() => kernel.vm.swap.swapoff(type)).toThrow(/EBUSY/);
    for (let i = 0; i < 16; i++) expect(kernel.vm.read(p, addr + i * PAGE_SIZE, PAGE_SIZE)).toEqual(pattern(i, 3));
    expect(inner.storedPages).toBe(0);
    kernel.vm.swap.swapoff(type);
    expectClean(kernel);
  });

  it('a swap write the device refuses (zram ENOMEM) leaves the page mapped and intact; reclaim goes on', () => {
    const kernel = reclaimKernel();
    const inner = new MemorySwapDevice(1024, 'zram0');
    const dev: SwapDevice = {
      name: 'zram0',
      nrPages: 1024,
      // Room for 6 pages, like a zram device at its mem_limit.
      writePage: (slot, bytes) => {
        if (inner.storedPages >= 6) throw new KernelError('ENOMEM', 'zram0: mem_limit reached');
        inner.writePage(slot, bytes);
      },
      readPage: (slot) => inner.readPage(slot),
      discard: (slot) => inner.discard(slot),
    };
    kernel.vm.swap.swapon(dev, 100);
    kernel.vm.swap.swapoff(0); // only zram: every slot comes from the failing device
    const { p, addr } = anonWithBytes(kernel, 16, 9);
    kernel.reclaim.reclaimNode(0, 10_000);
    expect(kernel.vmstat.events[VmEvent.PSWPOUT]).toBe(6);
    const kinds = Array.from({ length: 16 }, (_, i) => kernel.vm.followPage(p, addr + i * PAGE_SIZE).kind);
    expect(kinds.filter((k) => k === 'swap')).toHaveLength(6);
    expect(kinds.filter((k) => k === 'present')).toHaveLength(10);
    expect(kernel.vm.swap.swaps()[0]!.usedPages).toBe(6);
    for (let i = 0; i < 16; i++) expect(kernel.vm.read(p, addr + i * PAGE_SIZE, PAGE_SIZE)).toEqual(pattern(i, 9));
    expectClean(kernel);
  });

  it('rejects a device that does not implement SwapDevice, and a second swapon of the same device', () => {
    const kernel = reclaimKernel();
    expect(() => kernel.vm.swap.swapon({} as SwapDevice)).toThrow(/EINVAL/);
    const d = new MemorySwapDevice(16);
    kernel.vm.swap.swapon(d);
    expect(() => kernel.vm.swap.swapon(d)).toThrow(/EBUSY/);
  });

  it('without free swap space anonymous pages stay resident (activated)', () => {
    const kernel = reclaimKernel();
    kernel.vm.swap.swapoff(0);
    const { p, addr } = anonWithBytes(kernel, 16, 5);
    expect(kernel.reclaim.reclaimNode(0, 1000)).toBe(0);
    expect(kernel.vm.followPage(p, addr).kind).toBe('present');
    expect(kernel.vmstat.events[VmEvent.PSWPOUT]).toBe(0);
    expectClean(kernel);
  });
});
