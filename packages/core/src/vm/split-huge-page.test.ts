import { ContractViolation, Errno, KernelError } from '../errors';
import { createKernel } from '../kernel/kernel';
import { HPAGE_PMD_NR, PAGE_SIZE } from '../mem/constants';
import { PG } from '../mem/page-flags';
import { LruList } from '../lru/lru-list';
import { MigrateMode, MigrateReason } from '../migrate/migrate-mode';
import { NodeStat } from '../stat/vmstat-items';
import { checkBuddy } from '../zone/check-buddy';
import { GFP_HIGHUSER_MOVABLE, __GFP_THISNODE } from '../zone/gfp';
import { MADV_HUGEPAGE, MAP_ANONYMOUS, MAP_PRIVATE, PMD_SIZE, PROT_READ, PROT_WRITE } from './constants';
import { FOLL_WRITE, Gup } from './gup';
import { SplitHugePage } from './split-huge-page';

import { bootThp, pattern } from './__fixtures__/thp-fixture';

const RW = PROT_READ | PROT_WRITE;

describe('split_huge_page (mm/huge_memory.c: split_huge_page_to_list)', () => {
  it('splits a PMD-mapped THP on the LRU into 512 mapped order-0 pages and keeps every byte', () => {
    const { kernel, p, a, head, stat, bytesOk, split, anonLru } = bootThp();
    const f = kernel.mem.frames;
    const lruBefore = anonLru();
    expect(lruBefore).toBe(HPAGE_PMD_NR);
    expect(split()).toBe(0);
    expect(stat()).toMatchObject({ thp_split_page: 1, thp_split_page_failed: 0, thp_split_pmd: 1 });
    for (let i = 0; i < HPAGE_PMD_NR; i++) {
      expect(kernel.vm.followPage(p, a + i * PAGE_SIZE)).toMatchObject({ pfn: head + i, huge: false, kind: 'present', writable: true });
      expect(f.testFlag(head + i, PG.head) || f.testFlag(head + i, PG.tail)).toBe(false);
      expect(f.refcount[head + i]).toBe(1);
      expect(kernel.vm.folioMapcount(head + i)).toBe(1);
      expect(kernel.lru.onLru(head + i)).toBe(true);
    }
    expect(f.testFlag(head, PG.locked)).toBe(false);
    expect(anonLru()).toBe(lruBefore);
    const listed = new Set([...kernel.lru.lruFolios(0, LruList.LRU_INACTIVE_ANON), ...kernel.lru.lruFolios(0, LruList.LRU_ACTIVE_ANON)]);
    expect(listed.size).toBe(HPAGE_PMD_NR);
    expect(kernel.mem.nodes[0].vmStat[NodeStat.NR_ANON_THPS]).toBe(0);
    expect(kernel.mem.nodes[0].vmStat[NodeStat.NR_ANON_MAPPED]).toBe(HPAGE_PMD_NR);
    bytesOk();
    // Every page is its own folio now: a write to one no longer dirties the others' mapping.
    kernel.vm.write(p, a + 7 * PAGE_SIZE, new Uint8Array([0xee]));
    expect(kernel.vm.read(p, a + 7 * PAGE_SIZE, 1)[0]).toBe(0xee);
    kernel.vm.exitProcess(p);
    kernel.lru.lruAddDrainAll();
    for (let i = 0; i < HPAGE_PMD_NR; i++) expect(f.refcount[head + i]).toBe(0);
    expect(anonLru()).toBe(0);
    kernel.alloc.drainAllPages();
    expect(checkBuddy(kernel.mem).problems).toEqual([]);
  });

  it('seed 001: split_huge_page fails with -EBUSY while a GUP pin is held and succeeds after (v6.3+ returns -EAGAIN for the pin)', () => {
    // Kernel 2015 scheme: -EBUSY when the sum of mapcounts != page_count - 1. Since v6.3
    // (fd4a7ac32918) the same refcount check answers -EAGAIN so migrate_pages() can retry.
    const { kernel, p, a, head, gup, stat, bytesOk, split } = bootThp();
    const pins = gup.pinUserPages(p, a + 5 * PAGE_SIZE, 1, FOLL_WRITE);
    expect(pins).toEqual([head + 5]);
    expect(split()).toBe(-Errno.EAGAIN);
    expect(stat()).toMatchObject({ thp_split_page: 0, thp_split_page_failed: 1, thp_split_pmd: 0 });
    // Nothing changed: still one PMD-mapped THP with all its bytes.
    expect(kernel.vm.followPage(p, a)).toMatchObject({ huge: true, pfn: head, kind: 'present' });
    expect(kernel.mem.frames.testFlag(head, PG.head)).toBe(true);
    bytesOk();
    gup.unpinUserPages(pins);
    expect(split()).toBe(0);
    expect(stat()).toMatchObject({ thp_split_page: 1, thp_split_page_failed: 1 });
    bytesOk();
  });

  it('frees the pages of a THP that are no longer mapped, and the caller reference and lock move to the page it named', () => {
    const { kernel, p, a, head, splitter, anonLru } = bootThp();
    const f = kernel.mem.frames;
    kernel.vm.munmap(p, a + PMD_SIZE / 2, PMD_SIZE / 2);
    const target = head + 3;
    kernel.alloc.getPage(head);
    kernel.locks.trylockPage(head);
    expect(splitter.splitHugePageToList(target, null)).toBe(0);
    for (let i = HPAGE_PMD_NR / 2; i < HPAGE_PMD_NR; i++) expect(f.refcount[head + i]).toBe(0);
    // head+3 holds the caller's reference and lock on top of its mapping; head only its mapping.
    expect(f.refcount[target]).toBe(2);
    expect(f.testFlag(target, PG.locked)).toBe(true);
    expect(f.refcount[head]).toBe(1);
    expect(f.testFlag(head, PG.locked)).toBe(false);
    expect(anonLru()).toBe(HPAGE_PMD_NR / 2);
    kernel.locks.unlockPage(target);
    kernel.alloc.putPage(target);
    expect(kernel.vm.read(p, a + 3 * PAGE_SIZE, 2)).toEqual(new Uint8Array(pattern(3)));
    kernel.vm.exitProcess(p);
    kernel.lru.lruAddDrainAll();
    expect(anonLru()).toBe(0);
    kernel.alloc.drainAllPages();
    expect(checkBuddy(kernel.mem).problems).toEqual([]);
  });

  it.each([
    ['an unlocked folio', 'violation'],
    ['the huge zero page', -Errno.EBUSY],
    ['an anonymous THP mapped nowhere (no anon_vma)', -Errno.EBUSY],
    ['an order-0 page', 'EINVAL'],
  ] as const)('refuses %s', (what, expected) => {
    const { kernel, p, a, head, splitter, gup, stat } = bootThp();
    let pfn = head;
    if (what === 'the huge zero page') {
      const z = kernel.vm.mmap(p, { length: PMD_SIZE, prot: PROT_READ, flags: MAP_PRIVATE | MAP_ANONYMOUS });
      kernel.vm.madvise(p, z, PMD_SIZE, MADV_HUGEPAGE);
      kernel.vm.read(p, z, 1);
      pfn = kernel.vm.followPage(p, z).pfn;
      expect(pfn).toBe(kernel.vm.env.hugeZeroPfn);
    } else if (what === 'an anonymous THP mapped nowhere (no anon_vma)') {
      const pins = gup.getUserPages(p, a, 1);
      kernel.vm.munmap(p, a, PMD_SIZE);
      expect(kernel.vm.folioMapped(head)).toBe(false);
      expect(kernel.locks.trylockPage(head)).toBe(true);
      expect(splitter.splitHugePageToList(head, null)).toBe(expected);
      expect(stat().thp_split_page_failed).toBe(1);
      kernel.locks.unlockPage(head);
      gup.putPages(pins);
      expect(kernel.mem.frames.refcount[head]).toBe(0);
      return;
    } else if (what === 'an order-0 page') {
      const q = kernel.vm.mmap(p, { length: PAGE_SIZE, prot: RW, flags: MAP_PRIVATE | MAP_ANONYMOUS });
      kernel.vm.write(p, q, new Uint8Array([1]));
      pfn = kernel.vm.followPage(p, q).pfn;
    }
    if (expected === 'violation') {
      expect(() => splitter.splitHugePageToList(pfn, null)).toThrow(ContractViolation);
      return;
    }
    kernel.locks.trylockPage(pfn);
    if (expected === 'EINVAL') {
      expect(() => splitter.splitHugePageToList(pfn, null)).toThrow(KernelError);
    } else {
      expect(splitter.splitHugePageToList(pfn, null)).toBe(expected);
      expect(stat().thp_split_page_failed).toBe(0);
    }
    kernel.locks.unlockPage(pfn);
  });
});

describe('THP split fallback in migrate_pages() (page_migration.rst "Monitoring Migration")', () => {
  function migrate(k: ReturnType<typeof bootThp>, opts: { thpTarget: boolean; reason?: MigrateReason; pin?: boolean }) {
    const { kernel, p, a, head } = k;
    const pins = opts.pin ? k.gup.pinUserPages(p, a, 1) : [];
    const list = kernel.migration.newList();
    expect(kernel.lru.isolateLruPage(head)).toBe(0);
    list.add(head);
    const target = kernel.migration.targetAllocator({ nid: 1, gfpMask: GFP_HIGHUSER_MOVABLE | __GFP_THISNODE });
    const getNew = (src: number) => (!opts.thpTarget && kernel.mem.frames.testFlag(src, PG.head) ? -1 : target(src));
    const res = kernel.migration.migratePages(list, getNew, undefined, MigrateMode.SYNC, opts.reason ?? MigrateReason.MR_SYSCALL);
    if (!list.isEmpty) kernel.migration.putbackMovablePages(list);
    list.release();
    if (pins.length) k.gup.unpinUserPages(pins);
    return res;
  }
  const isolated = (k: ReturnType<typeof bootThp>) => k.kernel.mem.nodes.reduce((n, x) => n + x.vmStat[NodeStat.NR_ISOLATED_ANON], 0);

  // The migration engine's THP split fallback (mm/migrate.c: migrate_pages_batch, try_split_folio).
  it('splits the THP when no THP destination can be allocated and migrates its 512 base pages (thp_migration_split)', () => {
    const k = bootThp();
    const res = migrate(k, { thpTarget: false });
    expect(res.ret).toBe(0);
    expect(k.stat()).toMatchObject({
      thp_migration_split: 1, thp_migration_fail: 1, thp_migration_success: 0,
      pgmigrate_success: HPAGE_PMD_NR, pgmigrate_fail: 0, thp_split_page: 1,
    });
    for (let i = 0; i < HPAGE_PMD_NR; i++) {
      const fp = k.kernel.vm.followPage(k.p, k.a + i * PAGE_SIZE);
      expect(fp.huge).toBe(false);
      expect(k.kernel.mem.pageZone(fp.pfn).nid).toBe(1);
    }
    k.bytesOk();
    expect(isolated(k)).toBe(0);
    expect(k.kernel.mem.frames.refcount[k.head]).toBe(0);
    k.kernel.vm.exitProcess(k.p);
    k.kernel.lru.lruAddDrainAll();
    k.kernel.alloc.drainAllPages();
    expect(checkBuddy(k.kernel.mem).problems).toEqual([]);
  });

  it.each([
    ['a THP migrated as such', { thpTarget: true }, 0, { thp_migration_success: 1, thp_migration_fail: 0, thp_migration_split: 0, pgmigrate_success: 512, pgmigrate_fail: 0 }],
    ['MR_NUMA_MISPLACED never splits', { thpTarget: false, reason: MigrateReason.MR_NUMA_MISPLACED }, -Errno.ENOMEM, { thp_migration_success: 0, thp_migration_fail: 1, thp_migration_split: 0, pgmigrate_fail: 512, thp_split_page: 0 }],
  ] as const)('counts %s', (_what, opts, ret, counters) => {
    const k = bootThp();
    const res = migrate(k, opts);
    expect(res.ret).toBe(ret);
    expect(k.stat()).toMatchObject(counters);
    k.bytesOk();
    expect(isolated(k)).toBe(0);
  });

  // Same engine bug as above: the split is never attempted, so thp_split_page_failed stays 0.
  it('counts a THP that cannot be split (pinned): one THP failure, 512 base pages failed', () => {
    const k = bootThp();
    const res = migrate(k, { thpTarget: false, pin: true });
    expect(res.ret).toBe(-Errno.ENOMEM);
    expect(k.stat()).toMatchObject({ thp_migration_success: 0, thp_migration_fail: 1, thp_migration_split: 0, pgmigrate_success: 0, pgmigrate_fail: 512, thp_split_page_failed: 1 });
    k.bytesOk();
    expect(isolated(k)).toBe(0);
  });
});
