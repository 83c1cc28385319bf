import { EventEmitter } from 'eventemitter3';
import type { TracepointMap } from './tracepoints';

/** eventemitter3's typed event map: each tracepoint carries one payload argument. */
export type BusEvents = { [K in keyof TracepointMap]: [payload: TracepointMap[K]] };

/**
 * One typed event bus per kernel. Hot paths check {@link EventBus.wants} before building a payload,
 * so a tracepoint nobody listens to costs one property read.
 */
export class EventBus extends EventEmitter<BusEvents> {
  /** Whether anyone listens to the tracepoint (the kernel's trace_*_enabled()). */
  wants(name: keyof TracepointMap): boolean {
    return this.listenerCount(name) > 0;
  }
}
