import { FtraceRecorder, KernelError, type TracepointName } from '@mmsim/core';
import { UsageError } from '../cli-error';
import type { SimKernel } from './sim-kernel';

/** What run-scenario uses of the ftrace recorder. */
export interface TraceRecorder {
  start(): void;
  stop(): void;
  text(): string;
}

/** Ring size for trace.txt: enough for every extfrag event of a long scenario. */
const TRACE_LIMIT = 1_000_000;

/**
 * Starts an ftrace recorder for the chosen tracepoints on a kernel. An event the recorder does
 * not know is the user's mistake (`--trace`), reported with the list of known events.
 */
export function startTrace(kernel: SimKernel, events: readonly string[]): TraceRecorder {
  try {
    const recorder = new FtraceRecorder(kernel.events, kernel.clock, kernel.current, {
      events: events as TracepointName[],
      limit: TRACE_LIMIT,
      cpus: kernel.mem.nrCpus,
    });
    recorder.start();
    return recorder;
  } catch (e) {
    if (e instanceof KernelError && e.code === 'EINVAL') throw new UsageError(`--trace: ${e.message}`);
    throw e;
  }
}

/** One recorded tracepoint hit for trace.json. */
export interface TraceEventRecord {
  name: string;
  ns: number;
  cpu: number;
  args: Record<string, unknown>;
}

/** Most tracepoint hits kept for trace.json (a viewer slows down well before a million). */
export const TRACE_JSON_LIMIT = 200_000;

/**
 * Keeps the chosen tracepoints' payloads with their simulated timestamps, for the Chrome /
 * Perfetto trace (trace.json). Past `limit` hits it only counts what it drops.
 */
export class TraceEventLog {
  readonly records: TraceEventRecord[] = [];
  dropped = 0;
  private readonly listeners: [TracepointName, (e: object) => void][] = [];

  constructor(private readonly kernel: SimKernel, events: readonly string[], private readonly limit = TRACE_JSON_LIMIT) {
    for (const name of events as TracepointName[]) {
      const fn = (e: object): void => {
        if (this.records.length >= this.limit) {
          this.dropped++;
          return;
        }
        this.records.push({ name, ns: kernel.clock.now(), cpu: kernel.current.cpu, args: { ...e } });
      };
      kernel.events.on(name, fn as never);
      this.listeners.push([name, fn]);
    }
  }

  stop(): void {
    for (const [name, fn] of this.listeners) this.kernel.events.off(name, fn as never);
  }
}
