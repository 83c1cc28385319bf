import type { MovableOperations, MovableOpsEntry } from '../migrate/movable-ops';
import { type DependencyContainer, type InjectionToken, Lifecycle } from 'tsyringe';
import { KernelError } from '../errors';
import type { TracepointMap } from '../events/tracepoints';
import type { KernelServices } from '../kernel/kernel-services';
import { StateCheckpoint } from '../kernel/state-checkpoint';
import type { Page } from '../mem/page';
import type { RandomStream } from '../random/random-stream';
import type { AllocOptions } from '../zone/page-alloc';
import type { DriverMeta } from './define-driver';
import type { Constructor, DriverContext } from './driver-context';

/** What a driver did while registering: VS Code times contributions; we count their work. */
export interface DriverInitStats {
  /** Pages (not blocks) allocated through ctx.allocPages during register. */
  pagesAllocated: number;
  /** Services provided plus tracepoint subscriptions plus dispose callbacks. */
  registrations: number;
}

/** Where the kernel's other tokens live: who provides a token, and in which container. */
export interface ProviderLookup {
  /** "the kernel" or `driver "name"`, or undefined when nobody provides the token. */
  ownerOf(token: InjectionToken<unknown>): string | undefined;
  /** The container of the (other) driver that provides the token. */
  driverContainerOf(token: InjectionToken<unknown>): DependencyContainer | undefined;
}

type Listener = (payload: never) => void;

/**
 * The journal behind one driver's DriverContext. While `register` runs it records everything the
 * driver does, so {@link rollback} can put the kernel back exactly as it was; after a successful
 * registration it keeps what is needed to unload the driver ({@link dispose}).
 */
export class DriverSession<Options> implements DriverContext<Options> {
  readonly container: DependencyContainer;
  readonly random: RandomStream;
  readonly stats: DriverInitStats = { pagesAllocated: 0, registrations: 0 };
  /** Tokens this driver provides. */
  readonly provided = new Set<InjectionToken<unknown>>();
  private readonly listeners: Array<[keyof TracepointMap, Listener]> = [];
  private readonly disposers: Array<() => void> = [];
  private checkpoint: StateCheckpoint | undefined;
  private state: 'registering' | 'active' | 'closed' = 'registering';

  constructor(
    readonly meta: DriverMeta,
    readonly options: Options,
    private readonly kernel: KernelServices,
    private readonly providers: ProviderLookup,
  ) {
    this.container = kernel.container.createChildContainer();
    this.random = kernel.random.stream(`driver:${meta.name}`);
  }

  resolve<T>(token: InjectionToken<T>): T {
    this.assertOpen('resolve');
    if (this.container.isRegistered(token, true)) return this.container.resolve(token);
    // Driver containers are siblings; a service another driver provides is reached through it.
    return (this.providers.driverContainerOf(token) ?? this.container).resolve(token);
  }

  provide<T>(token: InjectionToken<T>, value: T): void {
    this.claim(token);
    this.container.register(token, { useValue: value });
  }

  provideClass<T>(token: InjectionToken<T>, cls: Constructor<T>): void {
    this.claim(token);
    this.container.register(token, { useClass: cls }, { lifecycle: Lifecycle.ContainerScoped });
  }

  on<K extends keyof TracepointMap>(tracepoint: K, listener: (payload: TracepointMap[K]) => void): void {
    this.assertOpen('on');
    // eventemitter3's typed signature wants the exact tuple type; the map guarantees it.
    (this.kernel.events.on as (e: K, fn: typeof listener) => unknown)(tracepoint, listener);
    this.listeners.push([tracepoint, listener as Listener]);
    this.stats.registrations++;
  }

  allocPages(gfp: number, order: number, opts?: AllocOptions): Page | null {
    this.assertOpen('allocPages');
    if (this.state === 'registering' && !this.checkpoint) {
      const k = this.kernel;
      // Everything allocation can touch; the bus, log and clock are not part of it.
      // Mapping objects and page bytes are not part of it: registrations undo themselves through
      // their disposers, and bytes of pages that return to the allocator are dead data.
      this.checkpoint = new StateCheckpoint([k.mem, k.alloc, k.vmstat], new Set<object>([k.events, k.printk, k.clock, k.mem.mappings, k.mem.content]));
    }
    const page = this.kernel.alloc.allocPages(gfp, order, opts);
    if (page && this.state === 'registering') this.stats.pagesAllocated += 1 << order;
    return page;
  }

  registerMovableOps(ops: MovableOperations): MovableOpsEntry {
    this.assertOpen('registerMovableOps');
    const registry = this.kernel.migration.movable;
    const entry = registry.register(this.meta.name, ops);
    this.disposers.push(() => registry.unregister(entry));
    this.stats.registrations++;
    return entry;
  }

  onDispose(fn: () => void): void {
    this.assertOpen('onDispose');
    this.disposers.push(fn);
    this.stats.registrations++;
  }

  /** Registration succeeded: stop journaling allocations, keep what unloading needs. */
  commit(): void {
    this.state = 'active';
    this.checkpoint = undefined;
  }

  /**
   * Registration failed: run the dispose callbacks it registered (its own undo for anything done
   * outside ctx, such as timers), unsubscribe, drop the driver's container, and restore the memory
   * model (pages, free lists, counters) if it allocated anything. Returns the errors the callbacks
   * threw, for the caller to report; rollback itself always completes.
   */
  rollback(): unknown[] {
    const errors = this.runDisposers();
    this.unsubscribe();
    this.checkpoint?.restore();
    this.checkpoint = undefined;
    this.close();
    return errors;
  }

  /** Unload: dispose callbacks in reverse order, then subscriptions and the container. */
  dispose(): void {
    const errors = this.runDisposers();
    this.unsubscribe();
    this.close();
    if (errors.length) {
      throw new KernelError('EBUSY', `driver "${this.meta.name}": ${errors.length} onDispose callback(s) failed: ${errors.map(String).join('; ')}`);
    }
  }

  private runDisposers(): unknown[] {
    const errors: unknown[] = [];
    for (let i = this.disposers.length - 1; i >= 0; i--) {
      try {
        this.disposers[i]!();
      } catch (e) {
        errors.push(e);
      }
    }
    this.disposers.length = 0;
    return errors;
  }

  private unsubscribe(): void {
    for (const [name, fn] of this.listeners) (this.kernel.events.off as (e: string, f: Listener) => unknown)(name, fn);
    this.listeners.length = 0;
  }

  private close(): void {
    this.state = 'closed';
    this.disposers.length = 0;
    this.provided.clear();
    // Values provided with useValue are not the container's to dispose (tsyringe P11); this only
    // drops the registrations so nothing resolves through a dead driver.
    this.container.reset();
  }

  private claim(token: InjectionToken<unknown>): void {
    this.assertOpen('provide');
    const owner = this.provided.has(token) ? `driver "${this.meta.name}"` : this.providers.ownerOf(token);
    if (owner) {
      throw new KernelError('EEXIST', `driver "${this.meta.name}" cannot provide ${describeToken(token)}: ${owner} already provides it`);
    }
    this.provided.add(token);
    this.stats.registrations++;
  }

  private assertOpen(what: string): void {
    if (this.state === 'closed') {
      throw new KernelError('EINVAL', `driver "${this.meta.name}": ctx.${what}() called after the driver was unloaded or its registration failed`);
    }
  }
}

/** A token as a reader knows it: `Symbol(IFoo)` → IFoo, a class → its name. */
export function describeToken(token: InjectionToken<unknown>): string {
  if (typeof token === 'symbol') return token.description ?? token.toString();
  if (typeof token === 'function') return token.name;
  return String(token);
}
