import { createKernel } from '../kernel/kernel';
import { PAGE_SIZE } from '../mem/constants';
import { MAP_ANONYMOUS, MAP_PRIVATE, MAP_SHARED, PROT_READ, PROT_WRITE } from '../vm/constants';

/**
 * Documentation/mm/page_migration.rst, "How migrate_pages() works": the 18 steps, traced with
 * the mmsim_migrate_step tracepoint while move_pages() moves one page.
 */
function traceOneMove(kind: 'file' | 'anon') {
  const kernel = createKernel({ machine: { nodes: [{ memory: '32MiB' }, { memory: '32MiB' }], layout: 'flat' } });
  const p = kernel.vm.createProcess({ comm: 'steps', uid: 0 });
  let addr: number;
  if (kind === 'file') {
    const file = kernel.vm.createFile(PAGE_SIZE, { aops: { migrateFolio: 'filemap' } });
    addr = kernel.vm.mmap(p, { length: PAGE_SIZE, prot: PROT_READ | PROT_WRITE, flags: MAP_SHARED, file });
  } else {
    addr = kernel.vm.mmap(p, { length: PAGE_SIZE, prot: PROT_READ | PROT_WRITE, flags: MAP_PRIVATE | MAP_ANONYMOUS });
  }
  kernel.vm.write(p, addr, new Uint8Array([7, 7, 7]));
  const steps: number[] = [];
  kernel.events.on('mmsim_migrate_step', (e) => steps.push(e.step));
  const status = new Int32Array(1);
  expect(kernel.movePages.movePages(p, p, [addr], [1], status)).toBe(0);
  expect(status[0]).toBe(1);
  expect(Array.from(kernel.vm.read(p, addr, 3))).toEqual([7, 7, 7]);
  return steps;
}

describe('the steps of "How migrate_pages() works" (page_migration.rst)', () => {
  it('a mapped page-cache page goes through steps 1–15 in the documented order', () => {
    const steps = traceOneMove('file');
    expect(steps.filter((s) => s <= 15)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
  });

  it('steps 16–18 follow v5.18+ kernels: the new folio joins the LRU before the migration entries are removed and the locks dropped', () => {
    // mm/migrate.c (since Hugh Dickins' 2022 mlock rework) pushes dst to the LRU at once "so
    // that if it turns out to be an mlocked page, remove_migration_ptes() will automatically
    // build up the correct dst->mlock_count for it"; the document still lists the LRU last.
    expect(traceOneMove('file').filter((s) => s > 15)).toEqual([18, 16, 17]);
  });

  it('an anonymous page has no mapping: the i_pages and radix-tree steps (5, 7, 9, 10, 11) do not occur', () => {
    expect(traceOneMove('anon')).toEqual([1, 2, 3, 4, 6, 8, 12, 13, 14, 15, 18, 16, 17]);
  });
});
