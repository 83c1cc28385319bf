import type { DependencyContainer, InjectionToken } from 'tsyringe';
import { KernelError } from '../errors';
import type { DriverMeta } from './define-driver';
import type { DriverInitStats, DriverSession } from './driver-session';

/** A driver loaded into a kernel, as listings and tests see it. */
export interface LoadedDriver {
  readonly meta: DriverMeta;
  /** The validated options it was registered with. */
  readonly options: unknown;
  /** Pages allocated and registrations made while it registered. */
  readonly stats: Readonly<DriverInitStats>;
  /** The driver's child container. */
  readonly container: DependencyContainer;
}

/**
 * The drivers of one kernel, in load order (a VS Code-style contribution registry). It only
 * ever holds drivers whose registration completed; loading and rollback live in driver-loader.ts.
 */
export class DriverRegistry {
  private readonly sessions = new Map<string, DriverSession<unknown>>();

  get size(): number {
    return this.sessions.size;
  }

  has(name: string): boolean {
    return this.sessions.has(name);
  }

  get(name: string): LoadedDriver | undefined {
    const s = this.sessions.get(name);
    return s && view(s);
  }

  /** Loaded drivers in load order. */
  list(): LoadedDriver[] {
    return [...this.sessions.values()].map(view);
  }

  names(): string[] {
    return [...this.sessions.keys()];
  }

  /** Name of the driver that provides `token`, if any. */
  providerOf(token: InjectionToken<unknown>): string | undefined {
    for (const [name, s] of this.sessions) if (s.provided.has(token)) return name;
    return undefined;
  }

  /** The container of the driver that provides `token`, if any. */
  containerFor(token: InjectionToken<unknown>): DependencyContainer | undefined {
    for (const s of this.sessions.values()) if (s.provided.has(token)) return s.container;
    return undefined;
  }

  /** Adds a driver whose registration has committed. */
  add(session: DriverSession<unknown>): void {
    if (this.sessions.has(session.meta.name)) {
      throw new KernelError('EEXIST', `driver "${session.meta.name}" is already loaded`);
    }
    this.sessions.set(session.meta.name, session);
  }

  /**
   * Unloads every driver, last loaded first (a driver may use what an earlier one provides).
   * All drivers are unloaded even if some fail; the failures are reported together.
   */
  disposeAll(): void {
    const errors: unknown[] = [];
    for (const s of [...this.sessions.values()].reverse()) {
      try {
        s.dispose();
      } catch (e) {
        errors.push(e);
      }
    }
    this.sessions.clear();
    if (errors.length) throw new KernelError('EBUSY', `unloading drivers failed: ${errors.map((e) => (e instanceof Error ? e.message : String(e))).join('; ')}`);
  }
}

function view(s: DriverSession<unknown>): LoadedDriver {
  return { meta: s.meta, options: s.options, stats: { ...s.stats }, container: s.container };
}
