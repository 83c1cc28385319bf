import { KernelError } from '../errors';
import { createKernel } from '../kernel/kernel';
import { HPAGE_PMD_NR, PAGE_SIZE } from '../mem/constants';
import { MigrateMode, MigrateReason } from '../migrate/migrate-mode';
import { NodeStat } from '../stat/vmstat-items';
import { GFP_HIGHUSER_MOVABLE, __GFP_THISNODE } from '../zone/gfp';
import { ZoneType } from '../zone/zone-type';
import { MAP_ANONYMOUS, MAP_PRIVATE, PROT_NONE, PROT_READ, PROT_WRITE } from './constants';
import { FOLL_GET, FOLL_LONGTERM, FOLL_PIN, FOLL_WRITE, Gup } from './gup';
import { GUP_PIN_COUNTING_BIAS } from './gup-pin';
import { bootThp } from './__fixtures__/thp-fixture';
import { GFP_KERNEL, __GFP_NOWARN } from '../zone/gfp';

const RW = PROT_READ | PROT_WRITE;
const ANON = MAP_PRIVATE | MAP_ANONYMOUS;

function boot(machine: object = { nodes: [{ memory: '64MiB' }], layout: 'flat' }) {
  const kernel = createKernel({ machine: machine as never });
  const p = kernel.vm.createProcess({ comm: 'gup' });
  const gup = new Gup(kernel);
  const anon = (pages: number, prot = RW) => kernel.vm.mmap(p, { length: pages * PAGE_SIZE, prot, flags: ANON });
  const node = (item: NodeStat) => kernel.mem.nodes[0].vmStat[item];
  return { kernel, p, gup, anon, node };
}

describe('get_user_pages / pin_user_pages (mm/gup.c)', () => {
  it.each([
    ['an unmapped address', 'hole', 0, 'EFAULT'],
    ['a PROT_NONE mapping', 'none', 0, 'EFAULT'],
    ['FOLL_WRITE on a read-only mapping', 'ro', FOLL_WRITE, 'EFAULT'],
    ['unknown flags', 'rw', 1 << 20, 'EINVAL'],
    ['FOLL_PIN passed by the caller', 'rw', FOLL_PIN, 'EINVAL'],
    ['a negative count', 'rw-neg', 0, 'EINVAL'],
  ] as const)('fails on %s without taking anything', (_what, kind, flags, errno) => {
    const { kernel, p, gup, anon, node } = boot();
    const a = kind === 'none' ? anon(1, PROT_NONE) : kind === 'ro' ? anon(1, PROT_READ) : anon(1);
    const addr = kind === 'hole' ? a + 64 * PAGE_SIZE : a;
    for (const call of [() => gup.getUserPages(p, addr, kind === 'rw-neg' ? -1 : 1, flags), () => gup.pinUserPages(p, addr, kind === 'rw-neg' ? -1 : 1, flags)]) {
      let err: unknown;
      try { call(); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(KernelError);
      expect((err as KernelError).code).toBe(errno);
    }
    expect(node(NodeStat.NR_FOLL_PIN_ACQUIRED)).toBe(0);
  });

  it('returns the pages taken before a failure; FOLL_LONGTERM is refused for FOLL_GET', () => {
    const { p, gup, anon } = boot();
    const a = anon(2);
    gup.getUserPages(p, a, 2, FOLL_WRITE);
    expect(gup.getUserPages(p, a + PAGE_SIZE, 3)).toHaveLength(1);
    expect(() => gup.getUserPages(p, a, 1, FOLL_LONGTERM)).toThrow(/only allowed when pinning/);
  });

  it('FOLL_GET takes a reference, FOLL_PIN adds GUP_PIN_COUNTING_BIAS to a small folio (NR_FOLL_PIN_*)', () => {
    const { kernel, p, gup, anon, node } = boot();
    const a = anon(1);
    const [pfn] = gup.getUserPages(p, a, 1, FOLL_WRITE);
    kernel.lru.lruAddDrainAll(); // the per-cpu lru_add batch holds a reference until drained
    const f = kernel.mem.frames;
    expect(f.refcount[pfn]).toBe(2);
    expect(gup.folioMaybeDmaPinned(pfn)).toBe(false);
    const pins = gup.pinUserPages(p, a, 1);
    expect(pins).toEqual([pfn]);
    expect(f.refcount[pfn]).toBe(2 + GUP_PIN_COUNTING_BIAS);
    expect(gup.folioMaybeDmaPinned(pfn)).toBe(true);
    expect(node(NodeStat.NR_FOLL_PIN_ACQUIRED)).toBe(1);
    gup.unpinUserPages(pins);
    gup.putPages([pfn]);
    expect(f.refcount[pfn]).toBe(1);
    expect(node(NodeStat.NR_FOLL_PIN_RELEASED)).toBe(1);
    expect(() => gup.unpinUserPages([pfn])).toThrow(/not pinned/);
  });

  it('pins a large folio page by page in its pincount; the page outlives munmap while pinned', () => {
    const k = bootThp();
    const { kernel, p, a, head, gup } = k;
    const f = kernel.mem.frames;
    const pins = gup.pinUserPages(p, a + 2 * PAGE_SIZE, 3);
    expect(pins).toEqual([head + 2, head + 3, head + 4]);
    expect(f.refcount[head]).toBe(1 + 3);
    expect(gup.folioMaybeDmaPinned(head + 100)).toBe(true);
    expect(kernel.vm.pins.pincount(head)).toBe(3);
    kernel.vm.munmap(p, a, HPAGE_PMD_NR * PAGE_SIZE);
    expect(f.refcount[head]).toBe(3);
    expect(kernel.mem.content.read(head + 3, 0, 2)).toEqual(new Uint8Array([3, 0x5a]));
    gup.unpinUserPages(pins);
    expect(f.refcount[head]).toBe(0);
    expect(gup.folioMaybeDmaPinned(head)).toBe(false);
  });

  it('FOLL_WRITE faults in and breaks COW: the child gets its own copy, the parent keeps its bytes', () => {
    const { kernel, p, gup, anon } = boot();
    const a = anon(1);
    kernel.vm.write(p, a, new Uint8Array([42]));
    const child = kernel.vm.fork(p);
    const parentPfn = kernel.vm.followPage(p, a).pfn;
    const [pfn] = gup.pinUserPages(child, a, 1, FOLL_WRITE);
    expect(pfn).not.toBe(parentPfn);
    expect(kernel.vm.followPage(child, a)).toMatchObject({ pfn, writable: true });
    kernel.mem.content.write(pfn, 0, new Uint8Array([7])); // DMA into the pinned page
    expect(kernel.vm.read(child, a, 1)[0]).toBe(7);
    expect(kernel.vm.read(p, a, 1)[0]).toBe(42);
    gup.unpinUserPages([pfn]);
  });
});

describe('GUP-fast (get_user_pages_fast_only)', () => {
  it('takes only present entries with enough permission and never faults', () => {
    const { kernel, p, gup, anon } = boot();
    const a = anon(4);
    const pages: number[] = [];
    expect(gup.getUserPagesFast(p, a, 4, 0, pages)).toBe(0);
    kernel.vm.write(p, a, new Uint8Array(2 * PAGE_SIZE));
    kernel.vm.read(p, a + 2 * PAGE_SIZE, 1); // the zero page: special, refused
    kernel.lru.lruAddDrainAll();
    expect(gup.getUserPagesFast(p, a, 4, FOLL_WRITE, pages)).toBe(2);
    expect(pages).toEqual([kernel.vm.followPage(p, a).pfn, kernel.vm.followPage(p, a + PAGE_SIZE).pfn]);
    expect(kernel.mem.frames.refcount[pages[0]]).toBe(2);
    gup.putPages(pages);
    kernel.vm.mprotect(p, a, PAGE_SIZE, PROT_READ);
    expect(gup.getUserPagesFast(p, a, 1, FOLL_WRITE)).toBe(0);
    expect(gup.getUserPagesFast(p, a, 1, FOLL_PIN)).toBe(1);
    expect(() => gup.getUserPagesFast(p, a, 1, FOLL_PIN | FOLL_GET)).toThrow(KernelError);
  });

  it('refuses a PTE migration entry', () => {
    const { kernel, p, gup, anon } = boot();
    const a = anon(1);
    kernel.vm.write(p, a, new Uint8Array([1]));
    const pfn = kernel.vm.followPage(p, a).pfn;
    kernel.alloc.getPage(pfn);
    kernel.vm.tryToMigrate(pfn);
    expect(kernel.vm.followPage(p, a).kind).toBe('migration-write');
    expect(gup.getUserPagesFast(p, a, 1, FOLL_PIN)).toBe(0);
    kernel.vm.removeMigrationPtes(pfn, pfn, false);
    expect(gup.getUserPagesFast(p, a, 1, FOLL_PIN)).toBe(1);
  });
});

describe('seed 000: THP migration vs GUP-fast ("a racing GUP-fast cannot see a writable new PMD that is later rolled back")', () => {
  /** Migrates the THP to node 1 while a listener runs GUP-fast and a CPU write at `step`. */
  function race(step: number) {
    const k = bootThp();
    const { kernel, p, a, head, gup } = k;
    const list = kernel.migration.newList();
    expect(kernel.lru.isolateLruPage(head)).toBe(0);
    list.add(head);
    const seen = { nr: -1, pages: [] as number[], writeError: null as unknown, mapped: '' };
    const listener = (e: { pfn: number; step: number }) => {
      if (e.pfn !== head || e.step !== step || seen.nr >= 0) return;
      seen.nr = gup.getUserPagesFast(p, a + 9 * PAGE_SIZE, 1, FOLL_PIN | FOLL_WRITE, seen.pages);
      seen.mapped = kernel.vm.followPage(p, a).kind;
      try {
        kernel.vm.write(p, a + 9 * PAGE_SIZE, new Uint8Array([0xd0, 0x0d]));
      } catch (err) {
        seen.writeError = err;
      }
    };
    kernel.events.on('mmsim_migrate_step', listener);
    const target = kernel.migration.targetAllocator({ nid: 1, gfpMask: GFP_HIGHUSER_MOVABLE | __GFP_THISNODE });
    const res = kernel.migration.migratePages(list, target, undefined, MigrateMode.SYNC, MigrateReason.MR_SYSCALL);
    kernel.events.off('mmsim_migrate_step', listener);
    if (!list.isEmpty) kernel.migration.putbackMovablePages(list);
    list.release();
    return { ...k, res, seen };
  }

  it('step 3 (before unmap): GUP-fast pins the old THP; migration backs off and the write stays in the still-mapped THP', () => {
    const { kernel, p, a, head, gup, res, seen, stat } = race(3);
    expect(seen).toMatchObject({ nr: 1, pages: [head + 9], writeError: null, mapped: 'present' });
    expect(res.ret).toBe(1);
    expect(stat()).toMatchObject({ thp_migration_fail: 1, thp_migration_success: 0, pgmigrate_fail: HPAGE_PMD_NR });
    expect(kernel.vm.followPage(p, a)).toMatchObject({ pfn: head, huge: true, kind: 'present', writable: true });
    expect(Array.from(kernel.vm.read(p, a + 9 * PAGE_SIZE, 2))).toEqual([0xd0, 0x0d]);
    expect(kernel.mem.content.read(seen.pages[0], 0, 2)).toEqual(new Uint8Array([0xd0, 0x0d]));
    gup.unpinUserPages(seen.pages);
  });

  it('step 4 (after unmap): GUP-fast fails on the PMD migration entry; the CPU write waits; migration completes', () => {
    const { kernel, p, a, head, res, seen, bytesOk } = race(4);
    expect(seen.nr).toBe(0);
    expect(seen.mapped).toBe('migration-write');
    expect(seen.writeError).toBeInstanceOf(KernelError);
    expect((seen.writeError as KernelError).code).toBe('EAGAIN');
    expect(res.ret).toBe(0);
    const now = kernel.vm.followPage(p, a);
    expect(now).toMatchObject({ huge: true, kind: 'present' });
    expect(now.pfn).not.toBe(head);
    expect(kernel.mem.pageZone(now.pfn).nid).toBe(1);
    bytesOk();
  });

  it.each([16, 17])('step %i (new PMD installed): the GUP-fast pin is on the new THP, which is never rolled back', (step) => {
    const { kernel, p, a, head, gup, res, seen, stat } = race(step);
    expect(res.ret).toBe(0);
    expect(stat()).toMatchObject({ thp_migration_success: 1, pgmigrate_success: HPAGE_PMD_NR });
    const now = kernel.vm.followPage(p, a);
    expect(now.pfn).not.toBe(head);
    expect(seen).toMatchObject({ nr: 1, pages: [now.pfn + 9], writeError: null });
    expect(kernel.mem.frames.refcount[head]).toBe(0);
    expect(Array.from(kernel.vm.read(p, a + 9 * PAGE_SIZE, 2))).toEqual([0xd0, 0x0d]);
    gup.unpinUserPages(seen.pages);
  });

  it('after migration GUP-fast pins the new THP and bytes stay consistent', () => {
    const { kernel, p, a, gup, res, bytesOk } = race(-1);
    expect(res.ret).toBe(0);
    const pages: number[] = [];
    expect(gup.getUserPagesFast(p, a, HPAGE_PMD_NR, FOLL_PIN | FOLL_WRITE, pages)).toBe(HPAGE_PMD_NR);
    expect(pages[0]).toBe(kernel.vm.followPage(p, a).pfn);
    kernel.mem.content.write(pages[5], 0, new Uint8Array([0xab, 0xcd]));
    expect(Array.from(kernel.vm.read(p, a + 5 * PAGE_SIZE, 2))).toEqual([0xab, 0xcd]);
    gup.unpinUserPages(pages);
    kernel.vm.write(p, a + 5 * PAGE_SIZE, new Uint8Array([5, 0x5a]));
    bytesOk();
  });
});

describe('FOLL_LONGTERM (check_and_migrate_movable_pages)', () => {
  it('migrates pages out of ZONE_MOVABLE before pinning them long-term', () => {
    const { kernel, p, gup, anon, node } = boot({ nodes: [{ memory: '64MiB' }], layout: 'flat', movablecore: '32MiB' });
    const a = anon(4);
    for (let i = 0; i < 4; i++) kernel.vm.write(p, a + i * PAGE_SIZE, new Uint8Array([i + 1, 0x77]));
    const before = [0, 1, 2, 3].map((i) => kernel.vm.followPage(p, a + i * PAGE_SIZE).pfn);
    for (const pfn of before) expect(kernel.mem.pageZone(pfn).type).toBe(ZoneType.MOVABLE);
    // A short-term pin leaves them where they are.
    const short = gup.pinUserPages(p, a, 4, FOLL_WRITE);
    expect(short).toEqual(before);
    gup.unpinUserPages(short);
    const pins = gup.pinUserPages(p, a, 4, FOLL_WRITE | FOLL_LONGTERM);
    for (let i = 0; i < 4; i++) {
      expect(kernel.mem.pageZone(pins[i]).type).not.toBe(ZoneType.MOVABLE);
      expect(kernel.vm.followPage(p, a + i * PAGE_SIZE).pfn).toBe(pins[i]);
      expect(Array.from(kernel.vm.read(p, a + i * PAGE_SIZE, 2))).toEqual([i + 1, 0x77]);
      expect(gup.folioMaybeDmaPinned(pins[i])).toBe(true);
    }
    expect(kernel.vmstat.snapshot(kernel.mem)).toMatchObject({ pgmigrate_success: 4, pgmigrate_fail: 0 });
    expect(node(NodeStat.NR_ISOLATED_ANON)).toBe(0);
    // 4 short pins, 4 pins dropped for migration, 4 long-term pins.
    expect(node(NodeStat.NR_FOLL_PIN_ACQUIRED)).toBe(12);
    expect(node(NodeStat.NR_FOLL_PIN_RELEASED)).toBe(8);
    for (const pfn of before) expect(kernel.mem.frames.refcount[pfn]).toBe(0);
    // Already pinnable: a second long-term pin migrates nothing.
    const again = gup.pinUserPages(p, a, 4, FOLL_LONGTERM);
    expect(again).toEqual(pins);
    gup.unpinUserPages([...pins, ...again]);
    expect(node(NodeStat.NR_FOLL_PIN_RELEASED)).toBe(node(NodeStat.NR_FOLL_PIN_ACQUIRED));
  });

  it('fails with ENOMEM, holding no pin, when there is no memory outside ZONE_MOVABLE', () => {
    const { kernel, p, gup, anon, node } = boot({ nodes: [{ memory: '64MiB' }], layout: 'flat', movablecore: '32MiB' });
    const a = anon(2);
    kernel.vm.write(p, a, new Uint8Array(2 * PAGE_SIZE).fill(3));
    const hog: number[] = [];
    for (let pfn; (pfn = kernel.alloc.allocPagesPfn(GFP_KERNEL | __GFP_NOWARN, 0)) >= 0;) hog.push(pfn);
    let err: unknown;
    try { gup.pinUserPages(p, a, 2, FOLL_LONGTERM); } catch (e) { err = e; }
    expect((err as KernelError).code).toBe('ENOMEM');
    expect(node(NodeStat.NR_FOLL_PIN_RELEASED)).toBe(node(NodeStat.NR_FOLL_PIN_ACQUIRED));
    expect(Array.from(kernel.vm.read(p, a + PAGE_SIZE, 2))).toEqual([3, 3]);
    expect(node(NodeStat.NR_ISOLATED_ANON)).toBe(0);
    for (const pfn of hog) kernel.alloc.putPage(pfn);
  });
});

