import { EventEmitter } from 'eventemitter3';
import type { TracepointMap } from './tracepoints';

/** eventemitter3's typed event map: each tracepoint carries one payload argument. */
export type BusEvents = { [K in keyof TracepointMap]: [payload: TracepointMap[K]] };

type Listener = (...args: any[]) => void;

/** Most distinct tracepoint names a bus tracks listener counts for. */
const MAX_TRACEPOINTS = 1024;

/**
 * One typed event bus per kernel. Hot paths do not build a payload unless someone listens: they
 * resolve a tracepoint's numeric id once ({@link EventBus.tracepointId}) and then test
 * `bus.listening[id]`, one typed-array load (the kernel's static-key trace_*_enabled()).
 * The counts are kept as listeners come and go.
 */
export class EventBus extends EventEmitter<BusEvents> {
  /** Listener count per tracepoint id. */
  readonly listening = new Uint32Array(MAX_TRACEPOINTS);
  private readonly ids = new Map<string, number>();

  /** The id of a tracepoint name (assigned on first use, stable for the bus's life). */
  tracepointId(name: string): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.ids.size;
      if (id >= MAX_TRACEPOINTS) throw new RangeError(`more than ${MAX_TRACEPOINTS} distinct tracepoint names on one bus`);
      this.ids.set(name, id);
    }
    return id;
  }

  /** Whether anyone listens to the tracepoint (slow-path form of `listening[id]`). */
  wants(name: keyof TracepointMap): boolean {
    return this.listening[this.tracepointId(name)] !== 0;
  }

  private refresh(name: string | symbol): void {
    if (typeof name !== 'string') return;
    this.listening[this.tracepointId(name)] = super.listenerCount(name as keyof BusEvents);
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
    if (event === undefined) this.listening.fill(0);
    else this.refresh(event);
    return this;
  }
}
