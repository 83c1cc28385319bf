import type { DependencyContainer, InjectionToken } from 'tsyringe';
import type { EventBus } from '../events/event-bus';
import type { ProcFs } from '../stat/procfs';
import type { VmStat } from '../stat/vmstat';
import type { SimulatedClock } from '../time/clock';
import type { PageAllocator } from '../zone/page-alloc';
import type { PhysicalMemory } from '../zone/physical-memory';
import type { ExecutionContext } from './current';
import type { Printk } from './printk';
import type { AnyDriverDefinition } from '../plugin/define-driver';
import type { DriverRegistry, LoadedDriver } from '../plugin/driver-registry';
import type { KernelRandom } from '../random/kernel-random';

/**
 * The public face of one simulated kernel instance, returned by `createKernel(config)`.
 * Everything hangs off a private child container: two kernels in one process share nothing.
 *
 * The properties are the core services, resolved once at creation (hot paths never go through
 * the container); `resolve` reaches any service, including drivers', by its InjectionToken.
 */
export interface KernelFacade {
  /** The child container of this kernel. */
  readonly container: DependencyContainer;
  /** Physical memory: memmap, pageblocks, nodes, zones. */
  readonly mem: PhysicalMemory;
  /** The page allocator (alloc_pages / __free_pages / put_page). */
  readonly alloc: PageAllocator;
  /** vm event counters (zone and node counters live on the zones and nodes). */
  readonly vmstat: VmStat;
  /** Typed tracepoint bus. */
  readonly events: EventBus;
  /** The simulated clock (ns since boot). */
  readonly clock: SimulatedClock;
  /** The CPU/task the code runs as (`current`). */
  readonly current: ExecutionContext;
  /** The kernel log. */
  readonly printk: Printk;
  /** /proc/buddyinfo, pagetypeinfo, vmstat, zoneinfo and the extfrag debugfs files, as text. */
  readonly proc: ProcFs;
  /** The seeded random source; `random.stream(name)` gives a replayable named stream. */
  readonly random: KernelRandom;
  /** The drivers loaded into this kernel, in load order. */
  readonly drivers: DriverRegistry;
  /**
   * Loads a driver after boot, all or nothing: a definition, or a module name/path
   * (`module#name` picks one of several). Options are validated by the driver's schema first.
   */
  loadDriver(driver: AnyDriverDefinition | string, options?: unknown): LoadedDriver;
  resolve<T>(token: InjectionToken<T>): T;
  /** Releases the kernel's services and drivers; the instance is unusable afterwards. */
  dispose(): Promise<void>;
}
