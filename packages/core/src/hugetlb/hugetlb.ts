import { KernelError } from '../errors';
import type { Printk } from '../kernel/printk';
import { HPAGE_PMD_NR, HPAGE_PMD_ORDER } from '../mem/constants';
import { PG } from '../mem/page-flags';
import type { VmStat } from '../stat/vmstat';
import { VmEvent } from '../stat/vmstat-items';
import { GFP_HIGHUSER_MOVABLE, __GFP_COMP, __GFP_NOWARN, __GFP_RETRY_MAYFAIL, __GFP_THISNODE } from '../zone/gfp';
import type { PageAllocator } from '../zone/page-alloc';
import type { PhysicalMemory } from '../zone/physical-memory';
import { HPG, folioClearHugetlb, folioSetHugetlb, folioTestHugetlb, hpageClear, hpageSet, hpageTest } from './hugetlb-folio';

/**
 * mm/hugetlb.c: htlb_alloc_mask() with hugepages_treat_as_movable semantics (2 MiB pages are
 * migratable, so GFP_HIGHUSER_MOVABLE), as alloc_buddy_hugetlb_folio() uses it.
 */
export const HTLB_ALLOC_MASK = GFP_HIGHUSER_MOVABLE | __GFP_COMP | __GFP_RETRY_MAYFAIL | __GFP_NOWARN;

/** What the pool is built from. */
export interface HugetlbDeps {
  mem: PhysicalMemory;
  alloc: PageAllocator;
  vmstat: VmStat;
  printk: Printk;
}

/**
 * The 2 MiB hstate of mm/hugetlb.c: the persistent pool (nr_hugepages), its per-node free lists
 * (hugepage_freelists), the in-use folios (hugepage_activelist) and the raw hwpoison records.
 * Free pool folios have refcount 0 and HPG_freed; in-use ones refcount ≥ 1 and HPG_migratable
 * unless isolated for migration. Surplus pages and reservations are not modelled.
 */
export class Hugetlb {
  /** h->nr_huge_pages_node[] */
  readonly nrHugePagesNode: number[];
  /** h->free_huge_pages_node[] */
  readonly freeHugePagesNode: number[];
  private readonly freeLists: number[][];
  /** hugepage_activelist */
  readonly activeList = new Set<number>();
  /** folio->_hugetlb_hwpoison: the raw error pages of a poisoned hugetlb folio. */
  readonly rawHwp = new Map<number, number[]>();
  private nextNidToAlloc = 0;
  private nextNidToFree = 0;

  constructor(private readonly d: HugetlbDeps) {
    const n = d.mem.nodes.length;
    this.nrHugePagesNode = new Array<number>(n).fill(0);
    this.freeHugePagesNode = new Array<number>(n).fill(0);
    this.freeLists = Array.from({ length: n }, () => []);
  }

  /** HugePages_Total: h->nr_huge_pages */
  get nrHugepages(): number {
    return this.nrHugePagesNode.reduce((a, b) => a + b, 0);
  }

  /** HugePages_Free: h->free_huge_pages */
  get freeHugepages(): number {
    return this.freeHugePagesNode.reduce((a, b) => a + b, 0);
  }

  /** HugePages_Rsvd (reservations are not modelled: faults take pages directly). */
  readonly resvHugepages = 0;
  /** HugePages_Surp (overcommit is not modelled). */
  readonly surplusHugepages = 0;

  /** Nodes with memory (N_MEMORY), the round-robin set of hstate_next_node_to_alloc(). */
  private memoryNodes(): number[] {
    return this.d.mem.nodes.filter((n) => n.zones.some((z) => z.managedPages > 0)).map((n) => n.nid);
  }

  /**
   * alloc_buddy_hugetlb_folio() + prep_new_hugetlb_folio(): an order-9 compound folio from the
   * buddy on exactly `nid` (__GFP_THISNODE), counted in htlb_buddy_alloc_success/fail, marked
   * hugetlb with its refcount frozen to 0. -1 when the node has no free 2 MiB block.
   */
  allocFreshHugetlbFolio(nid: number): number {
    const { alloc, vmstat, mem } = this.d;
    const head = alloc.allocPagesPfn(HTLB_ALLOC_MASK | __GFP_THISNODE, HPAGE_PMD_ORDER, nid);
    if (head < 0) {
      vmstat.count(VmEvent.HTLB_BUDDY_PGALLOC_FAIL);
      return -1;
    }
    vmstat.count(VmEvent.HTLB_BUDDY_PGALLOC);
    folioSetHugetlb(mem.frames, head);
    mem.frames.refcount[head] = 0;
    this.nrHugePagesNode[mem.pageZone(head).nid]!++;
    return head;
  }

  /** enqueue_hugetlb_folio(): onto its node's free list (refcount 0, HPG_freed). */
  private enqueue(head: number): void {
    const nid = this.d.mem.pageZone(head).nid;
    this.freeLists[nid]!.push(head);
    this.freeHugePagesNode[nid]!++;
    hpageSet(this.d.mem.frames, head, HPG.freed);
  }

  /** remove_hugetlb_folio(): off the free list (if there) and out of the pool's counts. */
  private removeHugetlbFolio(head: number): void {
    const f = this.d.mem.frames;
    const nid = this.d.mem.pageZone(head).nid;
    if (hpageTest(f, head, HPG.freed)) {
      const list = this.freeLists[nid]!;
      list.splice(list.indexOf(head), 1);
      this.freeHugePagesNode[nid]!--;
      hpageClear(f, head, HPG.freed);
    }
    this.activeList.delete(head);
    this.nrHugePagesNode[nid]!--;
  }

  /**
   * dequeue_hugetlb_folio_nodemask(): a free pool folio from `nid` (or any allowed node, nearest
   * first when nid is -1 or empty), skipping hwpoisoned ones; it gets refcount 1, HPG_migratable
   * and goes on the active list. -1 if none.
   */
  dequeueHugetlbFolio(nid: number, nodemask?: readonly number[]): number {
    const f = this.d.mem.frames;
    const order = nid >= 0 ? [nid, ...this.freeLists.map((_, i) => i).filter((i) => i !== nid)] : this.freeLists.map((_, i) => i);
    for (const n of order) {
      if (nodemask && !nodemask.includes(n)) continue;
      const list = this.freeLists[n]!;
      const k = list.findIndex((h) => !f.testFlag(h, PG.hwpoison));
      if (k < 0) continue;
      const head = list[k]!;
      list.splice(k, 1);
      this.freeHugePagesNode[n]!--;
      hpageClear(f, head, HPG.freed);
      f.refcount[head] = 1;
      hpageSet(f, head, HPG.migratable);
      this.activeList.add(head);
      return head;
    }
    return -1;
  }

  /**
   * alloc_hugetlb_folio_nodemask() for a migration target: a free pool folio on the preferred
   * node or allowed nodes; the new folio is temporary (HPG_temporary) and not yet migratable.
   * When the pool has none, a fresh folio from the buddy, also temporary (alloc_migrate_hugetlb_folio
   * surplus semantics: it leaves the pool when freed).
   */
  allocHugetlbFolioNodemask(nid: number, nodemask?: readonly number[]): number {
    const f = this.d.mem.frames;
    let head = this.dequeueHugetlbFolio(nid, nodemask);
    if (head >= 0) {
      hpageClear(f, head, HPG.migratable);
      this.activeList.delete(head);
      return head;
    }
    const nodes = nid >= 0 ? [nid] : this.memoryNodes();
    for (const n of nodes) {
      if (nodemask && !nodemask.includes(n)) continue;
      head = this.allocFreshHugetlbFolio(n);
      if (head < 0) continue;
      f.refcount[head] = 1;
      hpageSet(f, head, HPG.temporary);
      return head;
    }
    return -1;
  }

  /**
   * free_huge_folio(): the last reference of a hugetlb folio is gone. Temporary folios leave
   * the pool (update_and_free_hugetlb_folio); the rest go back on the free list.
   */
  freeHugeFolio(head: number): void {
    const f = this.d.mem.frames;
    f.mapping[head] = 0;
    f.index[head] = 0;
    f.flags[head] = f.flags[head]! & ~((1 << PG.swapbacked) | (1 << PG.mappedtodisk) | (1 << PG.dirty) | (1 << PG.uptodate));
    hpageClear(f, head, HPG.migratable);
    this.activeList.delete(head);
    if (hpageTest(f, head, HPG.temporary)) {
      this.removeHugetlbFolio(head);
      this.updateAndFreeHugetlbFolio(head);
      return;
    }
    this.enqueue(head);
  }

  /** folio_put() on a hugetlb folio: the last reference calls free_huge_folio(). */
  putFolio(head: number): void {
    const f = this.d.mem.frames;
    if (f.refcount[head]! <= 0) throw new KernelError('EINVAL', `hugetlb: put of free huge page ${head}: refcount underflow; every put must match a get`);
    if (--f.refcount[head]! === 0) this.freeHugeFolio(head);
  }

  /**
   * __update_and_free_hugetlb_folio(): move PageHWPoison from the head to the recorded raw
   * error pages (folio_clear_hugetlb_hwpoison; seed: "healthy subpages return back to buddy"),
   * clear the hugetlb marker and free the order-9 block to the buddy (a poisoned raw page stays
   * out of the allocator).
   */
  updateAndFreeHugetlbFolio(head: number): void {
    const f = this.d.mem.frames;
    if (f.testClearFlag(head, PG.hwpoison)) {
      for (const raw of this.rawHwp.get(head) ?? []) f.setFlag(raw, PG.hwpoison);
    }
    this.rawHwp.delete(head);
    folioClearHugetlb(f, head);
    f.refcount[head] = 0;
    this.d.alloc.freeFrozenPages(head, HPAGE_PMD_ORDER);
  }

  /**
   * set_max_huge_pages(), the vm.nr_hugepages sysctl (and nodeN/hugepages/nr_hugepages with
   * `nid`): grow by allocating fresh folios round-robin over the nodes with memory until the
   * target or the first round where no node can give one; shrink by freeing free pool folios
   * (round-robin, hstate_next_node_to_free). In-use pages are never freed. Returns the new total.
   */
  setNrHugepages(count: number, nid?: number): number {
    if (!Number.isSafeInteger(count) || count < 0) {
      throw new KernelError('EINVAL', `nr_hugepages: ${count} is not a non-negative integer; write the number of 2 MiB pages wanted`);
    }
    if (nid !== undefined) this.d.mem.checkNid(nid);
    const nodes = nid !== undefined ? [nid] : this.memoryNodes();
    // Per-node writes adjust the global target by the difference on that node.
    const base = nid !== undefined ? this.nrHugepages - this.nrHugePagesNode[nid]! : 0;
    const target = base + count;
    let failures = 0;
    while (this.nrHugepages < target && failures < nodes.length && nodes.length) {
      const n = nodes[this.nextNidToAlloc++ % nodes.length]!;
      const head = this.allocFreshHugetlbFolio(n);
      if (head < 0) {
        failures++;
        continue;
      }
      failures = 0;
      this.enqueue(head);
    }
    let idle = 0;
    while (this.nrHugepages > target && idle < nodes.length) {
      const n = nodes[this.nextNidToFree++ % nodes.length]!;
      const head = this.freeLists[n]!.at(-1);
      if (head === undefined) {
        idle++;
        continue;
      }
      idle = 0;
      this.removeHugetlbFolio(head);
      this.updateAndFreeHugetlbFolio(head);
    }
    return this.nrHugepages;
  }

  /**
   * isolate_hugetlb(): take an in-use migratable folio for migration (clear HPG_migratable,
   * take a reference, add to the list `add`). False when free, not hugetlb or already isolated.
   */
  isolateHugetlb(head: number, add: (head: number) => void): boolean {
    const f = this.d.mem.frames;
    if (!folioTestHugetlb(f, head) || !hpageTest(f, head, HPG.migratable) || f.refcount[head] === 0) return false;
    hpageClear(f, head, HPG.migratable);
    f.refcount[head]!++;
    this.activeList.delete(head);
    add(head);
    return true;
  }

  /** folio_putback_active_hugetlb(): migratable again, back on the active list, isolation ref dropped. */
  folioPutbackActiveHugetlb(head: number): void {
    hpageSet(this.d.mem.frames, head, HPG.migratable);
    this.activeList.add(head);
    this.putFolio(head);
  }

  /**
   * dissolve_free_huge_page(): if pfn lies in a free pool folio, take it out of the pool and
   * give its pages back to the buddy. 0 (dissolved, or not hugetlb) or -EBUSY (in use).
   */
  dissolveFreeHugePage(pfn: number): number {
    const f = this.d.mem.frames;
    const head = f.compoundHead(pfn);
    if (!folioTestHugetlb(f, head)) return 0;
    if (f.refcount[head] !== 0) return -16;
    this.removeHugetlbFolio(head);
    this.updateAndFreeHugetlbFolio(head);
    return 0;
  }

  /**
   * dissolve_free_huge_pages(start_pfn, end_pfn) for memory offline: dissolve every free
   * hugetlb folio in the range; the first in-use one stops it with -EBUSY.
   */
  dissolveFreeHugePages(startPfn: number, endPfn: number): number {
    for (let pfn = startPfn; pfn < endPfn; pfn += HPAGE_PMD_NR) {
      const rc = this.dissolveFreeHugePage(pfn);
      if (rc) return rc;
    }
    return 0;
  }

  /** hugetlb_set_page_hwpoison(): PageHWPoison on the head, the raw page recorded. */
  setPageHwpoison(head: number, raw: number): boolean {
    const f = this.d.mem.frames;
    const list = this.rawHwp.get(head) ?? [];
    if (list.includes(raw)) return false;
    list.push(raw);
    this.rawHwp.set(head, list);
    f.setFlag(head, PG.hwpoison);
    return true;
  }
}
