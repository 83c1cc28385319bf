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
