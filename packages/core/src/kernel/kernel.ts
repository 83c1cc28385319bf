import { type DependencyContainer, type InjectionToken, container as rootContainer } from 'tsyringe';
import { KernelError } from '../errors';
import { EventBus } from '../events/event-bus';
import { type AnyDriverDefinition } from '../plugin/define-driver';
import { loadDriver } from '../plugin/driver-loader';
import { loadDriverModule } from '../plugin/driver-module';
import { DriverRegistry, type LoadedDriver } from '../plugin/driver-registry';
import { KernelRandom } from '../random/kernel-random';
import { ProcFs } from '../stat/procfs';
import { VmStat } from '../stat/vmstat';
import { SimulatedClock } from '../time/clock';
import {
  IClock, IDriverRegistry, IEventBus, IExecutionContext, IKernelConfig, IMigration, IPageAllocator, IPageLocks, IPhysicalMemory, IPrintk,
  IProcFs, IRandom, IScheduler, IVmStat,
} from '../tokens';
import { PageAllocator } from '../zone/page-alloc';
import { PhysicalMemory } from '../zone/physical-memory';
import { Scheduler } from '../sync/scheduler';
import { PageLocks } from '../sync/page-lock';
import { Migration } from '../migrate/migration';
import { MovableOpsRegistry } from '../migrate/movable-ops';
import { MemoryHotplug } from '../memory/memory-hotplug';
import { Lru } from '../lru/lru';
import { Vm } from '../vm/vm';
import { MmuNotifierSubscriptions } from '../notify/mmu-notifier';
import { MovePages } from '../mempolicy/move-pages';
import { MemPolicies } from '../mempolicy/mempolicy';
import { MemoryFailure } from '../memory/memory-failure';
import { SplitHugePage } from '../vm/split-huge-page';
import { Hwpoison } from '../vm/hwpoison';
import { HugetlbSubsystem } from '../hugetlb/hugetlb-subsystem';
import { Compaction } from '../compaction/compaction';
import { Reclaim } from '../reclaim/reclaim';
import { MemorySwapDevice } from '../vm/swap-device';
import { Cma } from '../cma/cma';
import { ExecutionContext } from './current';
import type { KernelFacade } from './kernel-api';
import { type DriverEntry, type KernelConfig, type KernelConfigInput, parseKernelConfig } from './kernel-config';
import { IOutOfMemory, OutOfMemory } from '../oom/oom-kill';
import type { KernelServices } from './kernel-services';
import { Printk } from './printk';

/**
 * Creates a private, booted kernel: its own child container with the core services registered
 * in it (never in the root container, so two kernels in a process share nothing), its own event
 * bus, clock and seeded random source, then the configured drivers, in order.
 *
 * Fails with KernelError EINVAL listing every invalid config field; a driver that fails to load
 * fails the whole call (the half-built kernel is disposed first).
 */
export function createKernel(config: KernelConfigInput): Kernel {
  const parsed = parseKernelConfig(config);
  const kernel = new Kernel(parsed);
  try {
    for (const entry of parsed.drivers) kernel.loadDriverEntry(entry);
  } catch (e) {
    // The load error is what the caller needs; a failure while tearing down must not mask it.
    kernel.dispose().catch(() => undefined);
    throw e;
  }
  return kernel;
}

/** One simulated kernel instance. See {@link KernelFacade}. */
export class Kernel implements KernelFacade {
  private readonly services: KernelServices;
  private readonly registry = new DriverRegistry();
  private disposed = false;

  /** Use {@link createKernel}; the constructor boots but loads no drivers. */
  constructor(readonly config: KernelConfig) {
    const clock = new SimulatedClock();
    const events = new EventBus();
    const vmstat = new VmStat();
    const current = new ExecutionContext();
    const printk = new Printk(clock);
    const random = new KernelRandom(config.seed);
    const mem = new PhysicalMemory(config.machine);
    const alloc = new PageAllocator(mem, events, vmstat, current, config.sysctl, printk);
    alloc.boot();
    const proc = new ProcFs(mem, alloc, vmstat);
    const sched = new Scheduler(current, clock, random.stream('sched'));
    const locks = new PageLocks(mem.frames, sched);
    const lru = new Lru(mem, current, alloc, vmstat);
    const vm = new Vm({
      mem, alloc, vmstat, current, lru, locks,
      notifiers: () => new MmuNotifierSubscriptions(),
      thp: config.thp,
    });
    const hugetlb = new HugetlbSubsystem({ mem, alloc, vmstat, printk }, vm);
    const migration = new Migration({
      mem, alloc, vmstat, events, current, locks, lru, rmap: vm.migrationRmap, hugetlb,
      movable: new MovableOpsRegistry(mem.frames, mem.mappings),
      thp: new SplitHugePage(vm, locks),
    });
    const movePages = new MovePages(vm, lru, migration);
    const mempolicy = new MemPolicies(vm, lru, migration);
    const hotplug = new MemoryHotplug(migration, printk, hugetlb.pool);
    const memoryFailure = new MemoryFailure(migration, printk, new Hwpoison(vm), hugetlb.pool);
    vm.setMemoryFailure(memoryFailure);
    // mm/compaction.c: direct compaction in the allocator's slow path, kcompactd per node.
    const compaction = new Compaction({ mem, alloc, vmstat, events, current, lru, migration, sysctl: config.sysctl, clock });
    alloc.setSlowpathHooks({ directCompact: compaction.directCompactHook });
    compaction.startKcompactd();
    // mm/vmscan.c: direct reclaim and kswapd; an in-memory swap area the size of RAM by default.
    const thpSplit = new SplitHugePage(vm, locks);
    const reclaim = new Reclaim({
      mem, vmstat, events, current, clock, lru, vm, compaction,
      thpSplit: { trylockPage: (pfn) => locks.trylockPage(pfn), unlockPage: (pfn) => locks.unlockPage(pfn), splitHugePageToList: (pfn, list) => thpSplit.splitHugePageToList(pfn, list) },
    });
    vm.swap.swapon(new MemorySwapDevice(Math.max(1, mem.zones.reduce((n, z) => n + (z ? z.managedPages : 0), 0))));
    alloc.setSlowpathHooks(reclaim.slowpathHooks);
    compaction.kswapdIsRunning = reclaim.kswapdIsRunning;
    reclaim.startKswapd();
    // mm/cma.c: cma_init_reserved_areas(): the machine's CMA areas become MIGRATE_CMA pageblocks.
    const cma = new Cma(migration, printk, config.machine.cma, hotplug.isolation);
    // mm/oom_kill.c: the OOM notifier chain, run by __alloc_pages_may_oom() (no OOM killer).
    const oom = new OutOfMemory();
    alloc.setSlowpathHooks({ outOfMemory: () => oom.outOfMemory() });

    const container = rootContainer.createChildContainer();
    // useValue: instances built here, scoped to this container only (toolchain.md P10).
    container.register(IKernelConfig, { useValue: config });
    container.register(IClock, { useValue: clock });
    container.register(IRandom, { useValue: random });
    container.register(IEventBus, { useValue: events });
    container.register(IVmStat, { useValue: vmstat });
    container.register(IPhysicalMemory, { useValue: mem });
    container.register(IPageAllocator, { useValue: alloc });
    container.register(IExecutionContext, { useValue: current });
    container.register(IPrintk, { useValue: printk });
    container.register(IDriverRegistry, { useValue: this.registry });
    container.register(IProcFs, { useValue: proc });
    container.register(IScheduler, { useValue: sched });
    container.register(IPageLocks, { useValue: locks });
    container.register(IMigration, { useValue: migration });
    container.register(IOutOfMemory, { useValue: oom });
    this.services = { container, config, mem, alloc, vmstat, events, clock, current, printk, random, proc, sched, locks, migration, lru, vm, movePages, mempolicy, hotplug, memoryFailure, hugetlb, compaction, cma, reclaim, oom };
  }

  get container(): DependencyContainer {
    return this.live().container;
  }
  get mem(): PhysicalMemory {
    return this.live().mem;
  }
  get alloc(): PageAllocator {
    return this.live().alloc;
  }
  get vmstat(): VmStat {
    return this.live().vmstat;
  }
  get events(): EventBus {
    return this.live().events;
  }
  get clock(): SimulatedClock {
    return this.live().clock;
  }
  get current(): ExecutionContext {
    return this.live().current;
  }
  get printk(): Printk {
    return this.live().printk;
  }
  get proc(): ProcFs {
    return this.live().proc;
  }
  get random(): KernelRandom {
    return this.live().random;
  }
  /** The deterministic scheduler of simulated tasks. */
  get sched(): Scheduler {
    return this.live().sched;
  }
  /** Page (folio) locks and writeback waits. */
  get locks(): PageLocks {
    return this.live().locks;
  }
  /** Page migration: movable_operations, isolation, migrate_pages(). */
  get migration(): Migration {
    return this.live().migration;
  }
  /** The LRU lists (mm/swap.c, mm/vmscan.c isolation, mm/mlock.c). */
  get lru(): Lru {
    return this.live().lru;
  }
  /** Processes and address spaces: mmap, faults, fork, rmap, page cache (mm/memory.c, mm/mmap.c, mm/rmap.c). */
  get vm(): Vm {
    return this.live().vm;
  }
  /** move_pages(2). */
  get movePages(): MovePages {
    return this.live().movePages;
  }
  /** mbind(2), migrate_pages(2), get_mempolicy(2). */
  get mempolicy(): MemPolicies {
    return this.live().mempolicy;
  }
  /** Memory hot(un)plug: offlinePages / onlinePages. */
  get hotplug(): MemoryHotplug {
    return this.live().hotplug;
  }
  /** Memory failure: softOfflinePage / memoryFailure (MADV_SOFT_OFFLINE / MADV_HWPOISON). */
  get memoryFailure(): MemoryFailure {
    return this.live().memoryFailure;
  }
  /** mm/hugetlb.c: the hugetlb pool (vm.nr_hugepages), MAP_HUGETLB and hugetlb migration. */
  get hugetlb(): HugetlbSubsystem {
    return this.live().hugetlb;
  }
  /** mm/compaction.c: compact_zone, direct compaction, compact_memory, kcompactd, proactive compaction. */
  get compaction(): Compaction {
    return this.live().compaction;
  }
  /** mm/cma.c + alloc_contig_range: cma_alloc / cma_release, and `cma.contig` for contiguous ranges. */
  get cma(): Cma {
    return this.live().cma;
  }
  /** mm/vmscan.c: direct reclaim, kswapd per node; swap areas are kernel.vm.swap. */
  get reclaim(): Reclaim {
    return this.live().reclaim;
  }
  /** mm/oom_kill.c: the OOM notifier chain (registerOomNotifier) the allocator runs before failing. */
  get oom(): OutOfMemory {
    return this.live().oom;
  }
  get drivers(): DriverRegistry {
    this.live();
    return this.registry;
  }
  get isDisposed(): boolean {
    return this.disposed;
  }

  /** A service by token: the kernel's own, or one a driver provides. */
  resolve<T>(token: InjectionToken<T>): T {
    const { container } = this.live();
    if (container.isRegistered(token, true)) return container.resolve(token);
    const driverContainer = this.registry.containerFor(token);
    if (driverContainer) return driverContainer.resolve(token);
    return container.resolve(token);
  }

  /**
   * Loads a driver after boot, all or nothing: a definition, or a module name/path
   * (`module#name` picks one of several). Options are validated by the driver's schema first.
   */
  loadDriver(driver: AnyDriverDefinition | string, options?: unknown): LoadedDriver {
    const services = this.live();
    const definition = typeof driver === 'string' ? loadDriverModule(driver) : driver;
    return loadDriver(services, this.registry, definition, options);
  }

  /** Loads one `drivers` entry of the config. */
  loadDriverEntry(entry: DriverEntry): LoadedDriver {
    if (typeof entry === 'string' || !('driver' in entry)) return this.loadDriver(entry);
    const definition = typeof entry.driver === 'string' ? loadDriverModule(entry.driver, entry.name) : entry.driver;
    return this.loadDriver(definition, entry.options);
  }

  /**
   * Unloads the drivers (their onDispose callbacks, last loaded first), removes every bus
   * listener and disposes the container. Afterwards every member throws KernelError EINVAL.
   * Disposing twice is harmless.
   */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const { events, container } = this.services;
    try {
      this.registry.disposeAll();
    } finally {
      events.removeAllListeners();
      await container.dispose();
    }
  }

  private live(): KernelServices {
    if (this.disposed) {
      throw new KernelError('EINVAL', 'this kernel has been disposed and can no longer be used; create a new one with createKernel()');
    }
    return this.services;
  }
}
