import type { MigrationHugetlb } from './migrate-hugetlb';
import type { EventBus } from '../events/event-bus';
import type { ExecutionContext } from '../kernel/current';
import type { VmStat } from '../stat/vmstat';
import type { PageAllocator } from '../zone/page-alloc';
import type { PhysicalMemory } from '../zone/physical-memory';
import type { MigratableMapping, MigrationLocks, MigrationLru, MigrationRmap, MigrationThp } from './deps';
import type { MovableOpsRegistry } from './movable-ops';

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
