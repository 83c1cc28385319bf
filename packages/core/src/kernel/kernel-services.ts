import type { DependencyContainer } from 'tsyringe';
import type { EventBus } from '../events/event-bus';
import type { KernelRandom } from '../random/kernel-random';
import type { ProcFs } from '../stat/procfs';
import type { VmStat } from '../stat/vmstat';
import type { SimulatedClock } from '../time/clock';
import type { PageAllocator } from '../zone/page-alloc';
import type { PhysicalMemory } from '../zone/physical-memory';
import type { ExecutionContext } from './current';
import type { KernelConfig } from './kernel-config';
import type { Printk } from './printk';
import type { Scheduler } from '../sync/scheduler';
import type { PageLocks } from '../sync/page-lock';
import type { Migration } from '../migrate/migration';
import type { MemoryHotplug } from '../memory/memory-hotplug';
import type { Lru } from '../lru/lru';
import type { Vm } from '../vm/vm';
import type { MovePages } from '../mempolicy/move-pages';
import type { MemPolicies } from '../mempolicy/mempolicy';
import type { MemoryFailure } from '../memory/memory-failure';
import type { HugetlbSubsystem } from '../hugetlb/hugetlb-subsystem';
import type { Compaction } from '../compaction/compaction';
import type { Reclaim } from '../reclaim/reclaim';
import type { Cma } from '../cma/cma';
import type { OutOfMemory } from '../oom/oom-kill';

/**
 * The core services of one kernel, built once by createKernel and handed to the plugin machinery
 * directly, so loading a driver never has to go through the container for the core's own parts.
 */
export interface KernelServices {
  readonly container: DependencyContainer;
  readonly config: KernelConfig;
  readonly mem: PhysicalMemory;
  readonly alloc: PageAllocator;
  readonly vmstat: VmStat;
  readonly events: EventBus;
  readonly clock: SimulatedClock;
  readonly current: ExecutionContext;
  readonly printk: Printk;
  readonly random: KernelRandom;
  readonly proc: ProcFs;
  readonly sched: Scheduler;
  readonly locks: PageLocks;
  readonly migration: Migration;
  readonly lru: Lru;
  readonly vm: Vm;
  readonly movePages: MovePages;
  readonly mempolicy: MemPolicies;
  readonly hotplug: MemoryHotplug;
  readonly memoryFailure: MemoryFailure;
  /** mm/hugetlb.c: the 2 MiB pool, MAP_HUGETLB and hugetlb migration. */
  readonly hugetlb: HugetlbSubsystem;
  /** mm/compaction.c: zone compaction, direct compaction, compact_memory, kcompactd. */
  readonly compaction: Compaction;
  /** mm/cma.c: CMA areas (cma_alloc / cma_release) and alloc_contig_range (`cma.contig`). */
  readonly cma: Cma;
  /** mm/vmscan.c: direct reclaim and kswapd. */
  readonly reclaim: Reclaim;
  /** mm/oom_kill.c: the OOM notifier chain (register_oom_notifier) run by the allocator. */
  readonly oom: OutOfMemory;
}
