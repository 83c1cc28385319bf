import type { TraceEventRecord } from '../engine/trace';

/** A phase's span on the simulated clock. */
export interface PhaseSpan {
  name: string;
  startNs: number;
  endNs: number;
}

/** Counter tracks: one series per column, sampled at `timesNs`. */
export interface CounterTrack {
  name: string;
  timesNs: readonly number[];
  series: Record<string, readonly number[]>;
}

const PID = 1;
/** Chrome trace timestamps are microseconds; fractions keep nanosecond precision. */
const us = (ns: number): number => ns / 1000;

/**
 * trace.json in the Chrome trace-event format (Perfetto and chrome://tracing read it):
 * tracepoint hits as global instant events at their simulated time, phases as complete events
 * on their own track, and counter events (ph "C") for the sampled series.
 */
export function renderTraceJson(records: readonly TraceEventRecord[], phases: readonly PhaseSpan[], counters: readonly CounterTrack[], dropped: number): string {
  const events: object[] = [
    { name: 'process_name', ph: 'M', pid: PID, args: { name: 'mmsim (simulated clock)' } },
    { name: 'thread_name', ph: 'M', pid: PID, tid: 0, args: { name: 'phases' } },
  ];
  for (const p of phases) events.push({ name: p.name, cat: 'phase', ph: 'X', pid: PID, tid: 0, ts: us(p.startNs), dur: us(p.endNs - p.startNs) });
  for (const r of records) events.push({ name: r.name, cat: 'tracepoint', ph: 'i', s: 'g', pid: PID, tid: r.cpu + 1, ts: us(r.ns), args: r.args });
  for (const c of counters) {
    c.timesNs.forEach((t, i) => {
      const args: Record<string, number> = {};
      for (const [k, v] of Object.entries(c.series)) args[k] = v[i]!;
      events.push({ name: c.name, ph: 'C', pid: PID, ts: us(t), args });
    });
  }
  return `${JSON.stringify({ traceEvents: events, displayTimeUnit: 'ns', otherData: { clock: 'simulated', droppedEvents: dropped } })}\n`;
}
