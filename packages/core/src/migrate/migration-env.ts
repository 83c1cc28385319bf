import type { MigrationHugetlb } from './migrate-hugetlb';
import type { EventBus } from '../events/event-bus';
import type { ExecutionContext } from '../kernel/current';
import type { VmStat } from '../stat/vmstat';
import type { PageAllocator } from '../zone/page-alloc';
import type { PhysicalMemory } from '../zone/physical-memory';
import type { MigratableMapping, MigrationLocks, MigrationLru, MigrationRmap, MigrationThp } from './deps';
import type { MovableOpsRegistry } from './movable-ops';
import * as mappingModule from '../mem/mapping';

// Imported numeric constants as module-level consts, which V8 folds into the code; an imported
// binding is a load from the exporting module at every use (see page-flags.ts).
const { PAGE_MAPPING_FLAGS } = mappingModule;

/**
 * Everything the migration code reaches: the core services plus the subsystems of deps.ts.
 * `lru`, `rmap` and `thp` may be absent in a kernel without address spaces; then only non-LRU
 * movable pages (drivers' movable_operations) and unmapped folios can be migrated.
 */
export interface MigrationEnv {
  readonly mem: PhysicalMemory;
  readonly alloc: PageAllocator;
  readonly vmstat: VmStat;
  readonly events: EventBus;
  readonly current: ExecutionContext;
  readonly locks: MigrationLocks;
  readonly movable: MovableOpsRegistry;
  readonly lru?: MigrationLru;
  readonly rmap?: MigrationRmap;
  readonly thp?: MigrationThp;
  /** mm/hugetlb.c as migration sees it (migrate_hugetlbs, putback, targets); absent without a pool. */
  readonly hugetlb?: MigrationHugetlb;
  /** folio_mapping(): the address_space of a file folio, or undefined (anon, movable, none). */
  folioMapping(pfn: number): MigratableMapping | undefined;
}

/**
 * What a Migration is built from: a MigrationEnv whose folioMapping may be left out, in which case
 * the standard folio_mapping() of `mem` is used (file folios resolve to their address_space).
 */
export type MigrationDeps = Omit<MigrationEnv, 'folioMapping'> & Partial<Pick<MigrationEnv, 'folioMapping'>>;

/**
 * The MigrationEnv the migration service runs on: the caller's dependencies copied into one class
 * instance with a fixed shape.
 *
 * Why not keep the caller's object: V8 tracks the field types of object literals on maps shared by
 * literal sites, and when a process built its second kernel, the literal createKernel() passes here
 * had its field types generalized to Any (node --trace-generalization shows it at the literal).
 * Everything optimized against the first kernel's env deoptimized, and the first 100K pages that
 * move_pages moved on the second kernel ran at about half speed while the migration path was
 * recompiled with a map check after each `env.x` load. A class keeps one map for every kernel:
 * the bench's warm run (a second kernel) measured 1.06M vs 1.01M pages/s, interleaved runs.
 */
export class MigrationServices implements MigrationEnv {
  readonly mem: PhysicalMemory;
  readonly alloc: PageAllocator;
  readonly vmstat: VmStat;
  readonly events: EventBus;
  readonly current: ExecutionContext;
  readonly locks: MigrationLocks;
  readonly movable: MovableOpsRegistry;
  readonly lru: MigrationLru | undefined;
  readonly rmap: MigrationRmap | undefined;
  readonly thp: MigrationThp | undefined;
  readonly hugetlb: MigrationHugetlb | undefined;
  /** The caller's folio_mapping(), if it brought its own. */
  private readonly customMapping: ((pfn: number) => MigratableMapping | undefined) | undefined;

  constructor(deps: MigrationDeps) {
    this.mem = deps.mem;
    this.alloc = deps.alloc;
    this.vmstat = deps.vmstat;
    this.events = deps.events;
    this.current = deps.current;
    this.locks = deps.locks;
    this.movable = deps.movable;
    this.lru = deps.lru;
    this.rmap = deps.rmap;
    this.thp = deps.thp;
    this.hugetlb = deps.hugetlb;
    const custom = deps.folioMapping;
    this.customMapping = custom ? (pfn) => custom.call(deps, pfn) : undefined;
  }

  /**
   * include/linux/pagemap.h: folio_mapping(): file folios resolve to their address_space; anon,
   * KSM and movable folios have none. A method, not a closure per kernel, so the migration path
   * calls the same function in every kernel of the process.
   */
  folioMapping(pfn: number): MigratableMapping | undefined {
    const custom = this.customMapping;
    if (custom !== undefined) return custom(pfn);
    const mapping = this.mem.frames.mapping[pfn]!;
    return mapping && !(mapping & PAGE_MAPPING_FLAGS) ? this.mem.mappings.resolve<MigratableMapping>(mapping) : undefined;
  }
}
