import { createKernel } from '../../kernel/kernel';
import { HPAGE_PMD_NR, PAGE_SIZE } from '../../mem/constants';
import { LruList } from '../../lru/lru-list';
import { MADV_HUGEPAGE, MAP_ANONYMOUS, MAP_PRIVATE, PMD_SIZE, PROT_READ, PROT_WRITE } from '../constants';
import { Gup } from '../gup';
import { SplitHugePage } from '../split-huge-page';

const RW = PROT_READ | PROT_WRITE;
export const pattern = (i: number) => [i & 0xff, (i >> 8) ^ 0x5a];

/** jest's expect(), resolved when a check runs (fixtures are imported before tests start). */
function expectFn<T>(v: T) {
  return expect(v);
}

/** A two-node kernel and a process with one PMD-mapped THP whose every page holds its index. */
export function bootThp() {
  const kernel = createKernel({ machine: { nodes: [{ memory: '64MiB' }, { memory: '64MiB' }], layout: 'flat' }, thp: 'madvise' });
  const p = kernel.vm.createProcess({ comm: 'thp', caps: ['CAP_SYS_ADMIN'] });
  const a = kernel.vm.mmap(p, { length: PMD_SIZE, prot: RW, flags: MAP_PRIVATE | MAP_ANONYMOUS });
  kernel.vm.madvise(p, a, PMD_SIZE, MADV_HUGEPAGE);
  for (let i = 0; i < HPAGE_PMD_NR; i++) kernel.vm.write(p, a + i * PAGE_SIZE, new Uint8Array(pattern(i)));
  const head = kernel.vm.followPage(p, a).pfn;
  const splitter = new SplitHugePage(kernel.vm, kernel.locks);
  const gup = new Gup(kernel);
  const stat = () => kernel.vmstat.snapshot(kernel.mem);
  const bytesOk = () => {
    for (let i = 0; i < HPAGE_PMD_NR; i++) expectFn(Array.from(kernel.vm.read(p, a + i * PAGE_SIZE, 2))).toEqual(pattern(i));
  };
  /** As the kernel's callers do: a reference and the folio lock around split_huge_page(). */
  const split = (pfn = head) => {
    kernel.alloc.getPage(head);
    expectFn(kernel.locks.trylockPage(head)).toBe(true);
    const rc = splitter.splitHugePageToList(pfn, null);
    kernel.locks.unlockPage(rc === 0 ? pfn : head);
    kernel.alloc.putPage(rc === 0 ? pfn : head);
    return rc;
  };
  const anonLru = (nid = 0) => kernel.lru.lruvecSize(nid, LruList.LRU_INACTIVE_ANON) + kernel.lru.lruvecSize(nid, LruList.LRU_ACTIVE_ANON);
  return { kernel, p, a, head, splitter, gup, stat, bytesOk, split, anonLru };
}

