import { createKernel } from '../kernel/kernel';
import { PAGE_SIZE } from '../mem/constants';
import { VmEvent } from '../stat/vmstat-items';
import { MAP_ANONYMOUS, MAP_PRIVATE, PMD_SIZE, PROT_READ, PROT_WRITE } from '../vm/constants';
import { expectClean, pattern } from './__fixtures__/reclaim-kernel';

describe('reclaim of transparent huge pages', () => {
  it('splits an anonymous THP (thp_split_page) and swaps its pages; they fault back byte-exact', () => {
    const kernel = createKernel({ machine: { nodes: [{ memory: '64MiB' }], layout: 'flat' }, thp: 'always' });
    const vm = kernel.vm;
    const p = vm.createProcess({ comm: 'thp' });
    const a = vm.mmap(p, { length: PMD_SIZE, prot: PROT_READ | PROT_WRITE, flags: MAP_PRIVATE | MAP_ANONYMOUS });
    const N = PMD_SIZE / PAGE_SIZE;
    for (let i = 0; i < N; i += 37) vm.write(p, a + i * PAGE_SIZE, pattern(i, 21));
    expect(vm.followPage(p, a).huge).toBe(true);
    const reclaimed = kernel.reclaim.reclaimNode(0, 10 * N);
    expect(reclaimed).toBeGreaterThanOrEqual(N);
    expect(kernel.vmstat.events[VmEvent.THP_SPLIT_PAGE]).toBe(1);
    expect(kernel.vmstat.events[VmEvent.PSWPOUT]).toBe(N);
    expect(vm.followPage(p, a).kind).toBe('swap');
    expectClean(kernel);
    for (let i = 0; i < N; i += 37) expect(vm.read(p, a + i * PAGE_SIZE, PAGE_SIZE)).toEqual(pattern(i, 21));
    expect(vm.read(p, a + PAGE_SIZE, PAGE_SIZE)).toEqual(new Uint8Array(PAGE_SIZE));
    expectClean(kernel);
  });
});
