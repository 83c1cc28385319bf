import type { Scheduler } from './sync/scheduler';
import type { PageLocks } from './sync/page-lock';
import type { Migration } from './migrate/migration';
import type { InjectionToken } from 'tsyringe';
import type { EventBus } from './events/event-bus';
import type { ExecutionContext } from './kernel/current';
import type { Printk } from './kernel/printk';
import type { DriverRegistry } from './plugin/driver-registry';
import type { KernelRandom } from './random/kernel-random';
import type { VmStat } from './stat/vmstat';
import type { IClock as ClockService } from './time/clock';
import type { PageAllocator } from './zone/page-alloc';
import type { PhysicalMemory } from './zone/physical-memory';
import type { KernelConfig } from './kernel/kernel-config';
import type { ProcFs } from './stat/procfs';

/*
 * Injection tokens of the core services, named like the interface they stand for (VS Code's
 * service identifiers). Interfaces vanish at runtime, so constructor parameters typed by an
 * interface need `@inject(IToken)`; symbols also keep two copies of a class name from colliding.
 * Every kernel registers these in its own child container (see kernel/kernel.ts).
 */

/** The validated configuration the kernel was created from. */
export const IKernelConfig: InjectionToken<KernelConfig> = Symbol('IKernelConfig');
/** The kernel's clock (a SimulatedClock; nothing reads the host clock). */
export const IClock: InjectionToken<ClockService> = Symbol('IClock');
/** The clock interface under the token's name, so `IClock` works as both (VS Code style). */
export type IClock = ClockService;
/** The kernel's seeded random source; take a named stream with `.stream(name)`. */
export const IRandom: InjectionToken<KernelRandom> = Symbol('IRandom');
/** The kernel's tracepoint bus. */
export const IEventBus: InjectionToken<EventBus> = Symbol('IEventBus');
/** vm event counters (/proc/vmstat). */
export const IVmStat: InjectionToken<VmStat> = Symbol('IVmStat');
/** Physical memory: memmap, pageblocks, nodes and zones. */
export const IPhysicalMemory: InjectionToken<PhysicalMemory> = Symbol('IPhysicalMemory');
/** The page allocator (alloc_pages, __free_pages, put_page). */
export const IPageAllocator: InjectionToken<PageAllocator> = Symbol('IPageAllocator');
/** The CPU/task the code runs as (`current`). */
export const IExecutionContext: InjectionToken<ExecutionContext> = Symbol('IExecutionContext');
/** The kernel log (dmesg). */
export const IPrintk: InjectionToken<Printk> = Symbol('IPrintk');
/** The drivers loaded into this kernel. */
export const IDriverRegistry: InjectionToken<DriverRegistry> = Symbol('IDriverRegistry');
/** The /proc and debugfs text views (buddyinfo, pagetypeinfo, vmstat, zoneinfo, extfrag). */
export const IProcFs: InjectionToken<ProcFs> = Symbol('IProcFs');

/** The deterministic scheduler of simulated tasks (sync/scheduler.ts). */
export const IScheduler: InjectionToken<Scheduler> = Symbol('IScheduler');
/** Page locks and writeback waits (sync/page-lock.ts). */
export const IPageLocks: InjectionToken<PageLocks> = Symbol('IPageLocks');
/** Page migration (migrate/migration.ts). */
export const IMigration: InjectionToken<Migration> = Symbol('IMigration');
