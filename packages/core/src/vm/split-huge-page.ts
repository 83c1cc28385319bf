import { ContractViolation, Errno, KernelError } from '../errors';
import { PAGE_MAPPING_ANON, PAGE_MAPPING_FLAGS } from '../mem/mapping';
import { PG, ZONEID_MASK } from '../mem/page-flags';
import { VmEvent } from '../stat/vmstat-items';
import type { MigrationThp } from '../migrate/deps';
import { pmdIndex } from './page-table';
import { EntryKind, KIND_MASK } from './pte';
import type { Vm } from './vm';

const HEAD = 1 << PG.head;
const TAIL = 1 << PG.tail;
const LRU = 1 << PG.lru;
const LOCKED = 1 << PG.locked;
const HWPOISON = 1 << PG.hwpoison;

/**
 * Flags __split_huge_page_tail() copies from the head to every tail (v6.6): referenced,
 * swapbacked, swapcache (owner_priv_1), mlocked, uptodate, active, workingset, locked,
 * unevictable, dirty. Everything else of PAGE_FLAGS_CHECK_AT_PREP is cleared on the tail; its own
 * PG_hwpoison stays.
 */
const TAIL_COPY =
  (1 << PG.referenced) | (1 << PG.swapbacked) | (1 << PG.owner_priv_1) | (1 << PG.mlocked) | (1 << PG.uptodate) |
  (1 << PG.active) | (1 << PG.workingset) | LOCKED | (1 << PG.unevictable) | (1 << PG.dirty);

/** The page lock operations the split needs (sync/page-lock). */
export interface SplitLocks {
  unlockPage(pfn: number): void;
}

/**
 * mm/huge_memory.c: split_huge_page_to_list() for anonymous THPs (mmsim's page cache holds only
 * order-0 folios, so a non-anonymous large folio has no mapping and gets the kernel's `!mapping`
 * answer, -EBUSY). Implements the migration engine's {@link MigrationThp} contract.
 *
 * The scheme (seed 001, "thp: reintroduce split_huge_page()"): check that the folio's mapcount
 * equals its refcount minus the caller's reference, unmap every mapping to migration entries
 * (PMDs are split first: TTU_SPLIT_HUGE_PMD), re-check with the counts now stable (the freeze),
 * split the compound page into order-0 pages, then remap the migration entries page by page.
 * A GUP pin (or any other extra reference) makes the split fail. Since v6.3 (commit fd4a7ac32918
 * "mm: migrate: try again if THP split is failed due to page refcnt") that failure is -EAGAIN,
 * which migrate_pages() retries for MR_LONGTERM_PIN; -EBUSY is left for folios that cannot be
 * split at all (huge zero page, writeback, no anon_vma / no mapping).
 */
export class SplitHugePage implements MigrationThp {
  constructor(private readonly vm: Vm, private readonly locks: SplitLocks) {}

  /** The migration engine's entry point: {@link splitHugePageToList}. */
  splitFolioToList(pfn: number, listHead: number | null): number {
    return this.splitHugePageToList(pfn, listHead);
  }

  /**
   * mm/huge_memory.c: split_huge_page_to_list(page, list). The caller holds the folio lock and
   * one reference; both move to `pfn`'s page (the other pages are unlocked and lose the split's
   * reference, so unmapped ones are freed). Tails go on `listHead` with a reference each (the
   * isolated-folio case of migration and reclaim), or next to the head on its LRU list.
   * Returns 0, -EAGAIN (extra references: pinned) or -EBUSY. Counts thp_split_page /
   * thp_split_page_failed.
   */
  splitHugePageToList(pfn: number, listHead: number | null): number {
    const env = this.vm.env;
    env.mem.checkPfn(pfn);
    const f = env.frames;
    const head = f.compoundHead(pfn);
    if (!(f.flags[head] & HEAD)) throw new KernelError('EINVAL', `split_huge_page: pfn ${pfn} is not part of a compound page; only large folios can be split`);
    if (listHead !== null && (!Number.isInteger(listHead) || listHead >= 0)) throw new KernelError('EINVAL', `split_huge_page: list ${listHead} is not a list head (use a FolioList's head, or null)`);
    if (!(f.flags[head] & LOCKED)) {
      throw new ContractViolation('VM-SPLIT', 'split_huge_page() of a folio that is not locked: folio_lock() it first', { pfn: head, flags: f.flags[head], refcount: f.refcount[head] });
    }
    if (env.isZeroPfn(head)) return -Errno.EBUSY;
    if (f.flags[head] & (1 << PG.writeback)) return -Errno.EBUSY;
    const ret = this.split(head, pfn, listHead);
    env.vmstat.count(ret === 0 ? VmEvent.THP_SPLIT_PAGE : VmEvent.THP_SPLIT_PAGE_FAILED);
    return ret;
  }

  private split(head: number, page: number, listHead: number | null): number {
    const vm = this.vm;
    const f = vm.env.frames;
    if ((f.mapping[head] & PAGE_MAPPING_FLAGS) !== PAGE_MAPPING_ANON) return -Errno.EBUSY;
    // folio_get_anon_vma(): an anonymous folio that is not mapped has no anon_vma to lock.
    const anonVma = vm.migration.folioGetAnonVma(head);
    if (!anonVma) return -Errno.EBUSY;
    try {
      // can_split_folio(): no swap cache in mmsim, so extra_pins = 0.
      if (vm.rmap.folioMapcount(head) !== f.refcount[head] - 1) return -Errno.EAGAIN;
      this.unmapFolio(head);
      // folio_ref_freeze(folio, 1 + extra_pins): only the caller's reference may be left.
      if (f.refcount[head] !== 1) {
        vm.migration.removeMigrationPtes(head, head, true);
        return -Errno.EAGAIN;
      }
      this.splitCompound(head, page, listHead);
      return 0;
    } finally {
      vm.migration.putAnonVma(anonVma);
    }
  }

  /**
   * mm/huge_memory.c: unmap_folio(): try_to_migrate(TTU_SPLIT_HUGE_PMD): each PMD mapping is split
   * to PTEs, then every PTE becomes a migration entry. The munlock queued by splitting a PMD in a
   * VM_LOCKED VMA holds a folio reference until the per-cpu batch drains; it is drained here so
   * the freeze sees the real count (mlock_drain_local()).
   */
  private unmapFolio(head: number): void {
    const vm = this.vm;
    vm.rmap.rmapWalk(head, (mm, vma, addr) => {
      const pmdt = mm.pgtables.pmdTable(addr);
      if (!pmdt) return;
      const i = pmdIndex(addr);
      if ((pmdt.bits[i] & KIND_MASK) === EntryKind.PRESENT && pmdt.val[i] === head) vm.thp.splitHugePmd(vma, addr);
    });
    vm.migration.tryToMigrate(head, { batchFlush: true });
    vm.env.lru.lruAddDrainAll();
  }

  /**
   * mm/huge_memory.c: __split_huge_page() + __split_huge_page_tail() + lru_add_page_tail() +
   * remap_page(): every tail becomes an order-0 page with the head's anon_vma, its own index and
   * the copied flags, one reference (plus one for `listHead`), on the list or on the head's LRU
   * list (unevictable tails are counted, not linked, and start with mlock_count 0); the LRU and
   * NR_ISOLATED sizes are in base pages and do not change. Then the migration entries are
   * removed page by page and every page but `page` loses the split's reference and lock.
   */
  private splitCompound(head: number, page: number, listHead: number | null): void {
    const vm = this.vm;
    const env = vm.env;
    const f = env.frames;
    const lists = env.mem.lists;
    const nr = 1 << f.order[head];
    const headFlags = f.flags[head];
    const onLru = (headFlags & LRU) !== 0;
    const linked = onLru && lists.isLinked(head);
    for (let i = nr - 1; i >= 1; i--) {
      const t = head + i;
      f.flags[t] = (f.flags[t] & (ZONEID_MASK | HWPOISON)) | (headFlags & TAIL_COPY) | (listHead === null && onLru ? LRU : 0);
      f.flags[t] &= ~TAIL;
      f.mapping[t] = f.mapping[head];
      f.index[t] = f.index[head] + i;
      f.private[t] = 0;
      f.mapcount[t] = 0;
      f.order[t] = 0;
      f.refcount[t] = 1;
      if (listHead !== null) {
        f.refcount[t]++;
        lists.addTail(t, listHead);
      } else if (linked) {
        lists.addTail(t, head);
      }
    }
    f.flags[head] &= ~HEAD;
    f.order[head] = 0;
    // remap_page(): each new folio's migration entries become present PTEs again.
    for (let i = 0; i < nr; i++) vm.migration.removeMigrationPtes(head + i, head + i, true);
    for (let i = 0; i < nr; i++) {
      const sub = head + i;
      if (sub === page) continue;
      if (f.flags[sub] & LOCKED) {
        if (sub === head) this.locks.unlockPage(sub);
        else f.flags[sub] &= ~LOCKED;
      }
      env.putFolio(sub);
    }
    // The caller's lock moves to `page` with its reference.
    if (page !== head) f.flags[page] |= LOCKED;
  }
}
