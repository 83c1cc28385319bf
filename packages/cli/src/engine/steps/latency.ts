import { VM_EVENT_NAMES, type Kernel } from '@mmsim/core';

/** Latency distribution of one step's allocations, in simulated nanoseconds. */
export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/**
 * Simulated cost of the work an allocation did. The simulated clock does not charge time for
 * allocator or compaction work, so an attempt's latency is the clock's advance (if any) plus this
 * model applied to the vm event counters the attempt moved. The constants are order-of-magnitude
 * figures for a current x86 server, not measurements: a fast-path alloc ~200 ns, zeroing a 4 KiB
 * page ~100 ns (≈40 GB/s), a compaction scanner step ~20 ns per pfn, a page migration ~2 µs
 * (unmap, copy, remap), a reclaim scan ~50 ns per page.
 */
export const LATENCY_MODEL_NS = Object.freeze({
  allocBase: 200,
  zeroPerPage: 100,
  scanPerPage: 20,
  migratePerPage: 2_000,
  reclaimScanPerPage: 50,
});

/** Indexes into vmstat.events by /proc/vmstat name (VmEvent is a const enum). */
const ev = (...names: string[]): number[] => names.map((n) => {
  const i = VM_EVENT_NAMES.indexOf(n);
  if (i < 0) throw new Error(`vm event ${n} is not modelled`);
  return i;
});
const SCANNED = ev('compact_migrate_scanned', 'compact_free_scanned');
const MIGRATED = ev('pgmigrate_success', 'pgmigrate_fail');
const RECLAIM = ev('pgscan_direct');

function sum(events: Float64Array, items: readonly number[]): number {
  let n = 0;
  for (const i of items) n += events[i]!;
  return n;
}

/** Measures one attempt: call start() before and stop(pagesZeroed) after. */
export class AttemptTimer {
  private t0 = 0;
  private scanned = 0;
  private migrated = 0;
  private reclaimed = 0;

  constructor(private readonly kernel: Pick<Kernel, 'clock' | 'vmstat'>) {}

  start(): void {
    const ev = this.kernel.vmstat.events;
    this.t0 = this.kernel.clock.now();
    this.scanned = sum(ev, SCANNED);
    this.migrated = sum(ev, MIGRATED);
    this.reclaimed = sum(ev, RECLAIM);
  }

  /** Latency of the attempt in simulated ns; `pagesZeroed` is what the caller cleared (faults). */
  stop(pagesZeroed = 0): number {
    const ev = this.kernel.vmstat.events;
    const m = LATENCY_MODEL_NS;
    return (this.kernel.clock.now() - this.t0)
      + m.allocBase
      + m.zeroPerPage * pagesZeroed
      + m.scanPerPage * (sum(ev, SCANNED) - this.scanned)
      + m.migratePerPage * (sum(ev, MIGRATED) - this.migrated)
      + m.reclaimScanPerPage * (sum(ev, RECLAIM) - this.reclaimed);
  }
}

/** Collects latencies and summarises them (nearest-rank percentiles). */
export class LatencyRecorder {
  private readonly values: number[] = [];

  add(ns: number): void {
    this.values.push(ns);
  }

  summary(): LatencySummary {
    const v = Float64Array.from(this.values).sort();
    const n = v.length;
    if (n === 0) return { count: 0, mean: 0, p50: 0, p95: 0, p99: 0, max: 0 };
    const rank = (p: number): number => v[Math.min(n - 1, Math.max(0, Math.ceil(p * n) - 1))]!;
    let total = 0;
    for (const x of v) total += x;
    return { count: n, mean: Math.round(total / n), p50: rank(0.5), p95: rank(0.95), p99: rank(0.99), max: v[n - 1]! };
  }
}
