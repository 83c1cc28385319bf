import { ContractViolation } from '../errors';
import * as constantsModule from '../mem/constants';
import * as mappingModule from '../mem/mapping';
import { PG } from '../mem/page-flags';
import * as pageFlagsModule from '../mem/page-flags';
import type { ExecutionContext } from '../kernel/current';
import type { VmStat } from '../stat/vmstat';
import * as gfpModule from '../zone/gfp';
import type { PageAllocator } from '../zone/page-alloc';
import type { PhysicalMemory } from '../zone/physical-memory';
import type { LruOps, MmuNotifierFactory, MmuNotifierRange, MmuNotifyEvent, PageLockOps } from './deps';
import * as depsModule from './deps';
import type { MmStruct } from './mm';
import type { VmArea } from './vma';

// Imported numeric constants as module-level consts, which V8 folds into the code; an imported
// binding is a load from the exporting module at every use (see page-flags.ts).
const { HPAGE_PMD_ORDER } = constantsModule;
const { PAGE_MAPPING_ANON } = mappingModule;
const { PG_anon_exclusive, ZONEID_SHIFT } = pageFlagsModule;
const { GFP_KERNEL, GFP_TRANSHUGE, __GFP_COMP, __GFP_MOVABLE, __GFP_ZERO } = gfpModule;
const { MMU_NOTIFIER_RANGE_BLOCKABLE } = depsModule;

/** Where a memory policy wants a page of a VMA: a preferred node and, for MPOL_BIND, a nodemask. */
export interface VmPolicyLookup {
  placement(vma: VmArea, addr: number): { nid: number; nodemask?: readonly number[] } | null;
}

/** What a Vm is built from: the memory core plus the LRU, page locks and notifier services. */
export interface VmDeps {
  mem: PhysicalMemory;
  alloc: PageAllocator;
  vmstat: VmStat;
  current: ExecutionContext;
  lru: LruOps;
  locks: PageLockOps;
  notifiers: MmuNotifierFactory;
  /** /sys/kernel/mm/transparent_hugepage/enabled; default 'madvise'. */
  thp?: 'always' | 'madvise' | 'never';
}

const ANON_EXCL = 1 << PG_anon_exclusive;
const RANGE_BLOCKABLE = MMU_NOTIFIER_RANGE_BLOCKABLE;

/**
 * State and helpers shared by the vm modules: the frames, the allocator, the zero pages and the
 * per-node counters. One per Vm.
 */
export class VmEnv {
  readonly mem: PhysicalMemory;
  readonly frames: PhysicalMemory['frames'];
  readonly alloc: PageAllocator;
  readonly vmstat: VmStat;
  readonly current: ExecutionContext;
  readonly lru: LruOps;
  readonly locks: PageLockOps;
  readonly notifierFactory: MmuNotifierFactory;
  thp: 'always' | 'madvise' | 'never';
  /** Node id of each zone id (zone ids index this; -1 for ids without a zone). */
  private readonly zoneNid: Int32Array;
  /** Each node's vmStat counters, by node id. */
  private readonly nodeVmStat: Float64Array[];
  /** mm/memory.c: ZERO_PAGE(0) — one reserved zeroed frame shared by every read-only anon fault. */
  readonly zeroPfn: number;
  /** mm/huge_memory.c: huge_zero_page, allocated on first use (-1 until then). */
  hugeZeroPfn = -1;

  constructor(deps: VmDeps) {
    this.mem = deps.mem;
    this.frames = deps.mem.frames;
    this.alloc = deps.alloc;
    this.vmstat = deps.vmstat;
    this.current = deps.current;
    this.lru = deps.lru;
    this.locks = deps.locks;
    this.notifierFactory = deps.notifiers;
    this.thp = deps.thp ?? 'madvise';
    this.zoneNid = Int32Array.from({ length: deps.mem.zones.length }, (_, id) => deps.mem.zones[id]?.nid ?? -1);
    this.nodeVmStat = deps.mem.nodes.map((n) => n.vmStat);
    const zero = deps.alloc.allocPagesPfn(GFP_KERNEL | __GFP_ZERO, 0);
    if (zero < 0) throw new ContractViolation('VM-ZERO', 'no frame left for ZERO_PAGE at vm init', undefined);
    this.frames.setFlag(zero, PG.reserved);
    // adjust_managed_page_count(): a page reserved for good leaves the zone's managed pages.
    deps.mem.pageZone(zero).managedPages -= 1;
    this.zeroPfn = zero;
  }

  /**
   * The NUMA memory policy in force (mm/mempolicy.c), consulted by every user-page allocation;
   * null (the default) allocates on the faulting CPU's node.
   */
  policy: VmPolicyLookup | null = null;

  /**
   * vma_alloc_folio(): a page for `vma` at `addr` on the node (and within the nodemask) its memory
   * policy asks for.
   */
  allocVmaPage(vma: VmArea, addr: number, gfp: number, order: number): number {
    const where = this.policy?.placement(vma, addr);
    return where ? this.alloc.allocPagesPfn(gfp, order, where.nid, where.nodemask) : this.alloc.allocPagesPfn(gfp, order);
  }

  /** mm/huge_memory.c: get_huge_zero_page(): the huge zero folio, allocated once; -1 if none. */
  hugeZeroPage(): number {
    if (this.hugeZeroPfn >= 0) return this.hugeZeroPfn;
    const gfp = ((GFP_TRANSHUGE | __GFP_ZERO) & ~__GFP_MOVABLE) | __GFP_COMP;
    const pfn = this.alloc.allocPagesPfn(gfp, HPAGE_PMD_ORDER);
    if (pfn < 0) return -1;
    this.frames.setFlag(pfn, PG.reserved);
    this.mem.pageZone(pfn).managedPages -= 1;
    this.hugeZeroPfn = pfn;
    return pfn;
  }

  isZeroPfn(pfn: number): boolean {
    return pfn === this.zeroPfn || (this.hugeZeroPfn >= 0 && pfn >= this.hugeZeroPfn && pfn < this.hugeZeroPfn + 512);
  }

  /** __mod_node_page_state(page_pgdat(page), item, n) */
  modNode(pfn: number, item: number, n: number): void {
    // page_pgdat() from the zone id in the page flags; the per-node counters are looked up by
    // node id (one array load each: this runs for every mapping added or removed).
    this.nodeVmStat[this.zoneNid[this.frames.flags[pfn] >>> ZONEID_SHIFT]][item] += n;
  }

  nodeOf(pfn: number): number {
    return this.mem.pageZone(pfn).nid;
  }

  /**
   * mm/swap.c: folio_put() → __folio_put(): drop a reference; the last one takes the folio off
   * the LRU (__page_cache_release, which also clears a stale PG_mlocked), clears an anonymous
   * mapping (free_pages_prepare: page->mapping = NULL for PageMappingFlags) and frees it.
   */
  putFolio(pfn: number): void {
    const head = this.frames.compoundHead(pfn);
    if (this.frames.refcount[head] === 1) this.releaseLastRef(head);
    this.alloc.putPage(head);
  }

  /** __folio_put()'s preparation when the reference being dropped is the last one. */
  private releaseLastRef(head: number): void {
    const f = this.frames;
    if (f.flags[head] & (1 << PG.mlocked)) this.lru.munlockFolio(head);
    if (f.flags[head] & (1 << PG.lru)) this.lru.folioDelFromLru(head);
    // Someone took a reference meanwhile (an LRU batch drain): not the last one after all.
    if (f.refcount[head] !== 1) return;
    if (f.mapping[head] & PAGE_MAPPING_ANON) f.mapping[head] = 0;
    f.flags[head] &= ~ANON_EXCL;
    if (f.flags[head] & (1 << PG.head)) {
      const end = head + (1 << f.order[head]);
      for (let p = head + 1; p < end; p++) f.flags[p] &= ~ANON_EXCL;
    }
  }

  /**
   * mmu_notifier_range_init() + mmu_notifier_invalidate_range_start(): the returned range must
   * be passed to {@link invalidateEnd} once the page tables are updated.
   */
  invalidateStart(mm: MmStruct, start: number, end: number, event: MmuNotifyEvent, owner?: unknown): MmuNotifierRange {
    const range: MmuNotifierRange = { start, end, event, flags: RANGE_BLOCKABLE, owner };
    mm.notifiers.invalidateRangeStart(range);
    return range;
  }

  invalidateEnd(mm: MmStruct, range: MmuNotifierRange): void {
    mm.notifiers.invalidateRangeEnd(range);
  }
}
