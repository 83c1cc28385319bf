import { KernelError, type EventBus, type ExecutionContext, type IClock, type TracepointName } from '@mmsim/core';
// FtraceRecorder is not re-exported from @mmsim/core's index yet; this is the one place that
// reaches into its build output (jest.config.js maps the path to core's sources).
import { FtraceRecorder as CoreFtraceRecorder } from '@mmsim/core/dist/events/ftrace-recorder';
import { UsageError } from '../cli-error';
import type { SimKernel } from './sim-kernel';

/** What run-scenario uses of events/ftrace-recorder.ts. */
export interface TraceRecorder {
  start(): void;
  stop(): void;
  text(): string;
}

/**
 * The recorder's constructor seen through the package's public types: under the root test
 * tsconfig, `@mmsim/core` resolves to sources and the deep path to build output, whose EventBus
 * declarations differ nominally (private fields), so the signature is restated here.
 */
const FtraceRecorder = CoreFtraceRecorder as unknown as new (
  bus: EventBus,
  clock: IClock,
  current: ExecutionContext,
  opts: { events: TracepointName[]; limit: number; cpus: number },
) => TraceRecorder;

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
