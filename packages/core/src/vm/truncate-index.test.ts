import { PAGE_SIZE } from '../mem/constants';
import { NodeStat } from '../stat/vmstat-items';
import { bootVm } from './__fixtures__/vm-fixture';
import { MAP_SHARED, PROT_READ } from './constants';

describe('filemap.truncateIndex (truncate_inode_folio of one index)', () => {
  it('drops a cached, unmapped folio from the page cache and frees it; an uncached index is a no-op', () => {
    const { vm, mem } = bootVm();
    const f = vm.createFile(8 * PAGE_SIZE);
    const pfn = vm.filemap.getFolio(f, 3);
    expect(mem.nodes[0]!.vmStat[NodeStat.NR_FILE_PAGES]).toBe(1);
    expect(mem.frames.refcount[pfn]).toBe(1); // the page cache's reference
    expect(vm.filemap.truncateIndex(f, 3)).toBe(true);
    expect(mem.nodes[0]!.vmStat[NodeStat.NR_FILE_PAGES]).toBe(0);
    expect(mem.frames.refcount[pfn]).toBe(0);
    expect(f.iPages.has(3)).toBe(false);
    expect(vm.filemap.truncateIndex(f, 3)).toBe(false);
    expect(vm.filemap.truncateIndex(f, 5)).toBe(false);
  });

  it('refuses a folio a process still maps (EBUSY) and leaves it cached', () => {
    const { vm } = bootVm();
    const f = vm.createFile(2 * PAGE_SIZE);
    const p = vm.createProcess({ comm: 'reader' });
    const a = vm.mmap(p, { length: 2 * PAGE_SIZE, prot: PROT_READ, flags: MAP_SHARED, file: f });
    vm.read(p, a, 1);
    expect(() => vm.filemap.truncateIndex(f, 0)).toThrow(/EBUSY|mapped by a process/);
    expect(f.iPages.has(0)).toBe(true);
  });
});
