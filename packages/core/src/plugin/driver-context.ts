import type { DependencyContainer, InjectionToken } from 'tsyringe';
import type { TracepointMap } from '../events/tracepoints';
import type { Page } from '../mem/page';
import type { RandomStream } from '../random/random-stream';
import type { AllocOptions } from '../zone/page-alloc';
import type { DriverMeta } from './define-driver';
import type { MovableOperations, MovableOpsEntry } from '../migrate/movable-ops';

/** A class tsyringe can build (tsyringe does not export its own `constructor` type). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Constructor<T> = new (...args: any[]) => T;

/**
 * What a driver's `register(ctx)` works with. Everything done through the context is recorded,
 * so the kernel can undo it if `register` throws and tear it down when the kernel is disposed:
 * prefer `ctx.on` over subscribing on the bus yourself and `ctx.allocPages` over the allocator.
 */
export interface DriverContext<Options = unknown> {
  readonly meta: DriverMeta;
  /** The options, validated (and defaulted) by the driver's optionsSchema. */
  readonly options: Options;
  /**
   * The driver's own child container of the kernel's: core services resolve through it, and
   * classes resolved here (`@injectable()` with `@inject(IPageAllocator)`) get this kernel's ones.
   */
  readonly container: DependencyContainer;
  /** The driver's random stream (`driver:<name>`), replayable from the kernel seed. */
  readonly random: RandomStream;
  /** A service by token: the driver's own first, then the kernel's. */
  resolve<T>(token: InjectionToken<T>): T;
  /**
   * Publishes a service under `token` in the driver's container; `kernel.resolve(token)` finds it
   * too. A token already provided by the kernel or another driver is rejected (EEXIST).
   */
  provide<T>(token: InjectionToken<T>, value: T): void;
  /** Like provide, but builds `cls` through DI once, in the driver's container (ContainerScoped). */
  provideClass<T>(token: InjectionToken<T>, cls: Constructor<T>): void;
  /** Subscribes to a tracepoint until the driver is unloaded (or its registration fails). */
  on<K extends keyof TracepointMap>(tracepoint: K, listener: (payload: TracepointMap[K]) => void): void;
  /**
   * alloc_pages() on behalf of the driver: counted in the driver's init statistics, and undone
   * (together with every counter it moved) if registration fails.
   */
  allocPages(gfp: number, order: number, opts?: AllocOptions): Page | null;
  /**
   * Registers the driver's movable_operations (include/linux/migrate.h), named after the driver;
   * unregistered when the driver is unloaded or its registration fails.
   */
  registerMovableOps(ops: MovableOperations): MovableOpsEntry;
  /** Runs `fn` when the driver is unloaded; callbacks run in reverse order of registration. */
  onDispose(fn: () => void): void;
}
