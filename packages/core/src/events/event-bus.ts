import { EventEmitter } from 'eventemitter3';
import type { TracepointMap } from './tracepoints';

/** eventemitter3's typed event map: each tracepoint carries one payload argument. */
export type BusEvents = { [K in keyof TracepointMap]: [payload: TracepointMap[K]] };

type Listener = (...args: any[]) => void;

/**
 * One typed event bus per kernel. Hot paths check {@link EventBus.wants} before building a payload,
 * so a tracepoint nobody listens to costs one property read (the kernel's static-key
 * trace_*_enabled()). The listener counts behind `wants` are kept as listeners come and go.
 */
export class EventBus extends EventEmitter<BusEvents> {
  private readonly active: Record<string, number> = Object.create(null);

  /** Whether anyone listens to the tracepoint. */
  wants(name: keyof TracepointMap): boolean {
    return this.active[name] !== undefined;
  }

  private refresh(name: string | symbol): void {
    if (typeof name !== 'string') return;
    const n = super.listenerCount(name as keyof BusEvents);
    if (n > 0) this.active[name] = n;
    else delete this.active[name];
  }

  override on(event: any, fn: Listener, context?: any): this {
    super.on(event, fn, context);
    this.refresh(event);
    return this;
  }

  override addListener(event: any, fn: Listener, context?: any): this {
    return this.on(event, fn, context);
  }

  override once(event: any, fn: Listener, context?: any): this {
    super.once(event, fn, context);
    this.refresh(event);
    return this;
  }

  override removeListener(event: any, fn?: Listener, context?: any, once?: boolean): this {
    super.removeListener(event, fn, context, once);
    this.refresh(event);
    return this;
  }

  override off(event: any, fn?: Listener, context?: any, once?: boolean): this {
    return this.removeListener(event, fn, context, once);
  }

  override removeAllListeners(event?: any): this {
    super.removeAllListeners(event);
    if (event === undefined) for (const k of Object.keys(this.active)) delete this.active[k];
    else this.refresh(event);
    return this;
  }
}
