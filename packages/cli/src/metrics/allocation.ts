import type { LatencySummary } from '../engine/steps/latency';
import type { Counters } from './compaction-cost';

/** The per-step latency summary the workload runner reports (ns). */
export type { LatencySummary };

export interface HighOrderPass {
  phase: string;
  step: number;
  label: string;
  order: number;
  attempts: number;
  successes: number;
  /** M11: successes / attempts (stress-highalloc "% Success"), null without attempts. */
  successRate: number | null;
}

export interface ThpOutcome {
  /** M12: thp_fault_alloc / (thp_fault_alloc + thp_fault_fallback) ("huge-pct" as a ratio). */
  hugeRatio: number | null;
  /** M12: thp_fault_fallback / (thp_fault_alloc + thp_fault_fallback). */
  fallbackRate: number | null;
}

/** M11: one entry per high-order pass (step × order). */
export function highOrderPasses(
  highOrder: readonly { phase: string; step: number; label: string; orders: readonly { order: number; attempts: number; successes: number }[] }[],
): HighOrderPass[] {
  return highOrder.flatMap((h) =>
    h.orders.map((o) => ({ phase: h.phase, step: h.step, label: h.label, order: o.order, attempts: o.attempts, successes: o.successes, successRate: o.attempts ? o.successes / o.attempts : null })),
  );
}

/** M12 from the thp_fault_* vm events. */
export function thpOutcome(c: Counters): ThpOutcome {
  const alloc = c['thp_fault_alloc'] ?? 0;
  const fallback = c['thp_fault_fallback'] ?? 0;
  const total = alloc + fallback;
  return { hugeRatio: total ? alloc / total : null, fallbackRate: total ? fallback / total : null };
}

function isLatency(v: unknown): v is LatencySummary {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return ['count', 'mean', 'p50', 'p95', 'p99', 'max'].every((k) => typeof o[k] === 'number');
}

/**
 * M14: the latency summaries the workload runner attached to its step results (`latencyNs`),
 * keyed `<phase>/<step>` (with `#<iteration>` for passes of a repeated phase), and split
 * `/base` and `/huge` where the step reports faults of both kinds (mmtests fault-base /
 * fault-huge). Steps without one are left out: no latency is invented.
 */
export function stepLatencies(steps: readonly object[]): Record<string, LatencySummary> {
  const out: Record<string, LatencySummary> = {};
  for (const s of steps) {
    const r = s as { phase?: unknown; step?: unknown; iteration?: unknown; latencyNs?: unknown };
    const key = `${String(r.phase)}/${String(r.step)}${typeof r.iteration === 'number' ? `#${r.iteration}` : ''}`;
    const l = r.latencyNs as { base?: unknown; huge?: unknown } | undefined;
    if (isLatency(l)) out[key] = l;
    else if (l && isLatency(l.base) && isLatency(l.huge)) {
      out[`${key}/base`] = l.base;
      out[`${key}/huge`] = l.huge;
    }
  }
  return out;
}
