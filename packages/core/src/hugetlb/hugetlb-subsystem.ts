import { Errno } from '../errors';
import { MIGRATEPAGE_SUCCESS } from '../migrate/migrate-mode';
import type { MigrationHugetlb } from '../migrate/migrate-hugetlb';
import type { Vm } from '../vm/vm';
import type { VmArea } from '../vm/vma';
import { __GFP_THISNODE } from '../zone/gfp';
import { Hugetlb, type HugetlbDeps } from './hugetlb';
import { HugetlbFault, type FaultWaiter } from './hugetlb-fault';
import { HPG, folioTestHugetlb, hpageClear, hpageSet, hpageTest, pageHuge } from './hugetlb-folio';
import { HugetlbPageCache } from './hugetlb-page-cache';
import { HugetlbRmap } from './hugetlb-rmap';
import { hugetlbReportMeminfo } from './meminfo';

/**
 * The hugetlb subsystem of one kernel (`kernel.hugetlb`): the 2 MiB pool, MAP_HUGETLB faults
 * and unmapping, the hugetlbfs page cache of shared mappings, the hugetlb rmap, and the
 * hooks migration uses (migrate_hugetlbs, putback, targets). See hugetlb.ts for the pool.
 */
export class HugetlbSubsystem implements MigrationHugetlb {
  readonly pool: Hugetlb;
  readonly cache: HugetlbPageCache;
  readonly faults: HugetlbFault;
  readonly rmap: HugetlbRmap;

  constructor(deps: HugetlbDeps, private readonly vm: Vm) {
    this.pool = new Hugetlb(deps);
    this.cache = new HugetlbPageCache(deps.mem.frames, deps.mem.mappings, this.pool);
    this.faults = new HugetlbFault(vm.env, this.pool, vm.anonVmas, this.cache);
    this.rmap = new HugetlbRmap(vm.env, vm.rmap, this.pool);
    vm.setHugetlb(this);
  }

  /** The vm.nr_hugepages sysctl (per node with `nid`); returns HugePages_Total. */
  setNrHugepages(count: number, nid?: number): number {
    return this.pool.setNrHugepages(count, nid);
  }

  get nrHugepages(): number {
    return this.pool.nrHugepages;
  }

  get freeHugepages(): number {
    return this.pool.freeHugepages;
  }

  /** The HugePages_* / Hugepagesize / Hugetlb lines of /proc/meminfo. */
  meminfo(): string {
    return hugetlbReportMeminfo(this.pool);
  }

  /** PageHuge() */
  pageHuge(pfn: number): boolean {
    return pageHuge(this.vm.env.frames, pfn);
  }

  hugetlbFault(vma: VmArea, addr: number, write: boolean, waiter: FaultWaiter): number {
    return this.faults.hugetlbFault(vma, addr, write, waiter);
  }

  unmapHugepageRange(vma: VmArea, start: number, end: number): void {
    this.faults.unmapHugepageRange(vma, start, end);
  }

  // MigrationHugetlb

  hasHugePages(): boolean {
    return this.pool.nrHugepages > 0;
  }

  isHugetlb(head: number): boolean {
    return folioTestHugetlb(this.vm.env.frames, head);
  }

  /** hugepage_migration_supported(): x86_64 migrates 2 MiB pages. */
  migrationSupported(head: number): boolean {
    return this.isHugetlb(head);
  }

  /** alloc_hugetlb_folio_nodemask() with htlb_modify_alloc_mask(): __GFP_THISNODE pins the node. */
  allocTarget(_src: number, nid: number, nodemask: readonly number[] | undefined, gfpMask: number): number {
    return this.pool.allocHugetlbFolioNodemask(nid, gfpMask & __GFP_THISNODE ? [nid] : nodemask);
  }

  putbackActive(head: number): void {
    this.pool.folioPutbackActiveHugetlb(head);
  }

  isolate(head: number, add: (head: number) => void): boolean {
    return this.pool.isolateHugetlb(head, add);
  }

  mapped(head: number): boolean {
    return this.rmap.mapcount(head) > 0;
  }

  tryToMigrate(head: number): void {
    this.rmap.tryToMigrate(head);
  }

  removeMigrationPtes(src: number, dst: number): void {
    this.rmap.removeMigrationPtes(src, dst);
  }

  /**
   * migrate_huge_page_move_mapping(): expected references are the isolation's, plus the page
   * cache's for a shared folio (else -EAGAIN); anon folios pass mapping and index to dst, shared
   * ones move their page-cache slot and its reference.
   */
  moveMapping(src: number, dst: number): number {
    const f = this.vm.env.frames;
    const file = this.cache.fileOf(src);
    if (f.refcount[src] !== (file ? 2 : 1)) return -Errno.EAGAIN;
    if (file) {
      this.cache.replace(src, dst);
      f.refcount[dst]!++;
      f.refcount[src]!--;
    } else {
      f.mapping[dst] = f.mapping[src]!;
      f.index[dst] = f.index[src]!;
    }
    return MIGRATEPAGE_SUCCESS;
  }

  /** move_hugetlb_state(): a temporary destination stays; the source leaves the pool when freed. */
  moveState(src: number, dst: number): void {
    const f = this.vm.env.frames;
    if (hpageTest(f, dst, HPG.temporary)) {
      hpageSet(f, src, HPG.temporary);
      hpageClear(f, dst, HPG.temporary);
    }
  }
}
