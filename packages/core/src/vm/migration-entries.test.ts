import { KernelError } from '../errors';
import { PAGE_SIZE } from '../mem/constants';
import { PG, PG_anon_exclusive } from '../mem/page-flags';
import { NodeStat } from '../stat/vmstat-items';
import { GFP_HIGHUSER_MOVABLE } from '../zone/gfp';
import { bootVm, bytes } from './__fixtures__/vm-fixture';
import { MAP_ANONYMOUS, MAP_PRIVATE, MAP_SHARED, PROT_READ, PROT_WRITE } from './constants';
import { MmuNotifyEvent } from './deps';

const RW = PROT_READ | PROT_WRITE;
const ANON = MAP_PRIVATE | MAP_ANONYMOUS;

/** What the migration engine does around the rmap calls: copy to a new page, move mapping/index. */
function migrateByHand(k: ReturnType<typeof bootVm>, src: number): number {
  const { alloc, mem, vm } = k;
  const dst = alloc.allocPagesPfn(GFP_HIGHUSER_MOVABLE, 0);
  vm.tryToMigrate(src, { batchFlush: true });
  expect(vm.folioMapped(src)).toBe(false);
  mem.content.copy(dst, src);
  mem.frames.mapping[dst] = mem.frames.mapping[src];
  mem.frames.index[dst] = mem.frames.index[src];
  mem.frames.flags[dst] |= mem.frames.flags[src] & (1 << PG.swapbacked);
  vm.removeMigrationPtes(src, dst, false);
  return dst;
}

describe('tryToMigrate / removeMigrationPtes', () => {
  it('round-trips an anonymous page to a new pfn, keeping bytes, rmap and counters', () => {
    const k = bootVm();
    const { vm, mem } = k;
    const p = vm.createProcess({ comm: 'a' });
    const a = vm.mmap(p, { length: PAGE_SIZE, prot: RW, flags: ANON });
    vm.write(p, a + 10, bytes(1, 2, 3));
    const src = vm.followPage(p, a).pfn;
    k.alloc.getPage(src); // the isolation reference the engine holds
    const dst = migrateByHand(k, src);
    expect(vm.followPage(p, a)).toMatchObject({ pfn: dst, kind: 'present', writable: true, dirty: true });
    expect(Array.from(vm.read(p, a + 10, 3))).toEqual([1, 2, 3]);
    expect(vm.folioMapcount(dst)).toBe(1);
    expect(mem.frames.refcount[dst]).toBe(2); // the engine's allocation reference + the mapping
    expect(mem.frames.flags[dst] & (1 << PG_anon_exclusive)).not.toBe(0);
    expect(mem.nodes[0].vmStat[NodeStat.NR_ANON_MAPPED]).toBe(1);
    expect(mem.frames.refcount[src]).toBe(1);
  });

  it('installs write / read-exclusive / read migration entries and a fault on one is EAGAIN', () => {
    const k = bootVm();
    const { vm, mem } = k;
    const p = vm.createProcess({ comm: 'a' });
    const a = vm.mmap(p, { length: 2 * PAGE_SIZE, prot: RW, flags: ANON });
    vm.write(p, a, bytes(9));
    vm.write(p, a + PAGE_SIZE, bytes(8));
    const w = vm.followPage(p, a).pfn;
    const r = vm.followPage(p, a + PAGE_SIZE).pfn;
    vm.mprotect(p, a + PAGE_SIZE, PAGE_SIZE, PROT_READ);
    k.alloc.getPage(w); // isolation references: the mappings' references go with the PTEs
    k.alloc.getPage(r);
    vm.tryToMigrate(w);
    vm.tryToMigrate(r);
    expect(vm.followPage(p, a)).toMatchObject({ pfn: w, kind: 'migration-write', dirty: true });
    expect(vm.followPage(p, a + PAGE_SIZE)).toMatchObject({ pfn: r, kind: 'migration-read-exclusive' });
    expect(mem.frames.flags[r] & (1 << PG_anon_exclusive)).toBe(0);
    let err: unknown;
    try { vm.read(p, a, 1); } catch (e) { err = e; }
    expect((err as KernelError).code).toBe('EAGAIN');
    vm.removeMigrationPtes(w, w, false); // migration failed: undo
    vm.removeMigrationPtes(r, r, false);
    expect(mem.frames.refcount[w]).toBe(2);
    expect(vm.followPage(p, a)).toMatchObject({ pfn: w, kind: 'present', writable: true });
    expect(vm.followPage(p, a + PAGE_SIZE)).toMatchObject({ pfn: r, kind: 'present', writable: false });
    expect(mem.frames.flags[r] & (1 << PG_anon_exclusive)).not.toBe(0);
    expect(vm.read(p, a + PAGE_SIZE, 1)[0]).toBe(8);
  });

  it('brackets every unmap with an MMU_NOTIFY_CLEAR range of the folio', () => {
    const k = bootVm();
    const { vm, notifiers } = k;
    const p = vm.createProcess({ comm: 'a' });
    const a = vm.mmap(p, { length: PAGE_SIZE, prot: RW, flags: ANON });
    vm.write(p, a, bytes(1));
    notifiers.calls.length = 0;
    vm.tryToMigrate(vm.followPage(p, a).pfn);
    expect(notifiers.calls.map((c) => [c.op, c.range?.event, c.range?.start, c.range?.end])).toEqual([
      ['start', MmuNotifyEvent.CLEAR, a, a + PAGE_SIZE],
      ['end', MmuNotifyEvent.CLEAR, a, a + PAGE_SIZE],
    ]);
  });

  it('migrates a shared file page mapped by two processes; both see the bytes', () => {
    const k = bootVm();
    const { vm, mem } = k;
    const f = vm.createFile(4 * PAGE_SIZE);
    const p = vm.createProcess({ comm: 'p' });
    const q = vm.createProcess({ comm: 'q' });
    const a = vm.mmap(p, { length: 4 * PAGE_SIZE, prot: RW, flags: MAP_SHARED, file: f });
    const b = vm.mmap(q, { length: 2 * PAGE_SIZE, prot: PROT_READ, flags: MAP_SHARED, file: f, offset: 2 * PAGE_SIZE });
    vm.write(p, a + 2 * PAGE_SIZE + 5, bytes(42));
    expect(vm.read(q, b + 5, 1)[0]).toBe(42);
    const src = f.iPages.get(2)!;
    const seen: number[] = [];
    vm.rmapWalk(src, (mm, _vma, addr) => { seen.push(mm.id, addr); });
    expect(seen).toEqual([p.mm.id, a + 2 * PAGE_SIZE, q.mm.id, b]);
    expect(mem.nodes[0].vmStat[NodeStat.NR_FILE_DIRTY]).toBe(1);
    const dst = migrateByHand(k, src);
    f.replaceFolio(2, src, dst);
    expect(vm.read(q, b + 5, 1)[0]).toBe(42);
    expect(vm.followPage(p, a + 2 * PAGE_SIZE)).toMatchObject({ pfn: dst, writable: true });
    expect(vm.followPage(q, b)).toMatchObject({ pfn: dst, writable: false });
    expect(vm.folioMapcount(dst)).toBe(2);
  });

  it('folioGetAnonVma pins the anon_vma until putAnonVma', () => {
    const { vm, mem } = bootVm();
    const p = vm.createProcess({ comm: 'a' });
    const a = vm.mmap(p, { length: PAGE_SIZE, prot: RW, flags: ANON });
    vm.write(p, a, bytes(1));
    const pfn = vm.followPage(p, a).pfn;
    const token = vm.folioGetAnonVma(pfn);
    expect(token).toBeGreaterThan(0);
    vm.exitProcess(p);
    expect(mem.mappings.get(token)).toBeDefined();
    vm.putAnonVma(token);
    expect(mem.mappings.get(token)).toBeUndefined();
    expect(vm.folioGetAnonVma(vm.env.zeroPfn)).toBe(0);
  });
});
