import { KernelError } from '../errors';
import type { ExecutionContext } from '../kernel/current';
import type { IClock } from '../time/clock';
import type { EventBus } from './event-bus';
import { TP_PRINTK, ftraceHeader, ftraceLine, tpPrintk } from './ftrace-format';
import type { TracepointMap, TracepointName } from './tracepoints';

export interface FtraceRecorderOptions {
  /** Tracepoints to record (events/<system>/<name>/enable); all that have a formatter by default. */
  events?: TracepointName[];
  /** Ring-buffer size in events; older events are overwritten (ftrace's overwrite mode). */
  limit?: number;
  /** Online CPUs shown as `#P:` in the header (num_online_cpus()); 1 by default. */
  cpus?: number;
}

/** One recorded event: what the ring buffer keeps (struct trace_entry + the event fields). */
interface TraceEntry {
  name: TracepointName;
  payload: unknown;
  ts: number;
  pid: number;
  comm: string;
  cpu: number;
}

/** Default ring size: enough for a test or a short scenario, bounded for long runs. */
const DEFAULT_LIMIT = 100_000;
/**
 * The latency columns (irqs-off, need-resched, hardirq/softirq, preempt-depth, migrate-disable).
 * mmsim models no interrupt or preemption state, so every event is in plain task context.
 */
const LAT_FLAGS = '.....';

/**
 * A ring buffer of trace events printed as the ftrace `trace` file (kernel/trace/trace.c:
 * s_show with the nop tracer). It subscribes to the bus only while started, so an idle recorder
 * costs nothing (EventBus.wants() stays false). Events are stored raw and formatted by text().
 */
export class FtraceRecorder {
  private readonly events: TracepointName[];
  private readonly limit: number;
  private readonly cpus: number;
  private readonly ring: (TraceEntry | undefined)[] = [];
  private head = 0;
  private written = 0;
  private handlers: [TracepointName, (payload: unknown) => void][] = [];

  constructor(
    private readonly bus: EventBus,
    private readonly clock: IClock,
    private readonly current: ExecutionContext,
    opts: FtraceRecorderOptions = {},
  ) {
    const events = opts.events ?? (Object.keys(TP_PRINTK) as TracepointName[]);
    for (const name of events) {
      if (!(name in TP_PRINTK)) {
        throw new KernelError('EINVAL', `cannot trace "${String(name)}": no TP_printk formatter is known for it; known tracepoints: ${Object.keys(TP_PRINTK).join(', ')}`);
      }
    }
    const limit = opts.limit ?? DEFAULT_LIMIT;
    if (!Number.isInteger(limit) || limit < 1) {
      throw new KernelError('EINVAL', `limit must be a positive integer number of events (the ring-buffer size), got ${limit}`);
    }
    const cpus = opts.cpus ?? 1;
    if (!Number.isInteger(cpus) || cpus < 1) {
      throw new KernelError('EINVAL', `cpus must be a positive integer (num_online_cpus), got ${cpus}`);
    }
    this.events = [...new Set(events)];
    this.limit = limit;
    this.cpus = cpus;
  }

  /** Whether the recorder is subscribed (tracing_on with the events enabled). */
  get started(): boolean {
    return this.handlers.length > 0;
  }

  /** Enables the chosen events: subscribes to the bus. Starting twice is a no-op. */
  start(): void {
    if (this.started) return;
    for (const name of this.events) {
      const handler = (payload: unknown): void => this.record(name, payload);
      this.handlers.push([name, handler]);
      (this.bus.on as (event: TracepointName, fn: (payload: unknown) => void) => EventBus)(name, handler);
    }
  }

  /** Disables the events: unsubscribes, keeping what was recorded. */
  stop(): void {
    for (const [name, handler] of this.handlers) {
      (this.bus.off as (event: TracepointName, fn: (payload: unknown) => void) => EventBus)(name, handler);
    }
    this.handlers = [];
  }

  /** Empties the buffer and the written count (`echo > trace`). */
  clear(): void {
    this.ring.length = 0;
    this.head = 0;
    this.written = 0;
  }

  private record(name: TracepointName, payload: unknown): void {
    const c = this.current;
    const entry: TraceEntry = { name, payload, ts: this.clock.now(), pid: c.pid, comm: c.comm, cpu: c.cpu };
    if (this.ring.length < this.limit) this.ring.push(entry);
    else {
      this.ring[this.head] = entry;
      this.head = (this.head + 1) % this.limit;
    }
    this.written++;
  }

  /** Events in the buffer (the first number of `entries-in-buffer/entries-written`). */
  get lineCount(): number {
    return this.ring.length;
  }

  /** Events recorded since start or clear, including those overwritten. */
  get entriesWritten(): number {
    return this.written;
  }

  /** Events overwritten because the buffer was full (written - in buffer). */
  get dropped(): number {
    return this.written - this.ring.length;
  }

  /** The ftrace `trace` file: header, then one line per buffered event, oldest first. */
  text(): string {
    let out = ftraceHeader(this.ring.length, this.written, this.cpus);
    for (let i = 0; i < this.ring.length; i++) {
      const e = this.ring[(this.head + i) % this.ring.length]!;
      const body = tpPrintk(e.name, e.payload as TracepointMap[typeof e.name]);
      out += ftraceLine(e.comm, e.pid, e.cpu, LAT_FLAGS, e.ts, e.name, body) + '\n';
    }
    return out;
  }
}
