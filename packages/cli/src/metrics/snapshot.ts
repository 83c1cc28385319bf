import { ZONE_NAMES, type PhysicalMemory } from '@mmsim/core';
import { highOrderPasses, stepLatencies, thpOutcome, type HighOrderPass, type LatencySummary, type ThpOutcome } from './allocation';
import { compactionActivity, type CompactionActivity } from './compaction-activity';
import { compactionCost, type CompactionCost, type Counters } from './compaction-cost';
import { freeRunHistogram, nodeScore, zoneFreeShape, type NodeScore, type ZoneFreeShape } from './free-area';
import { PAGE_FREE } from './page-class';
import { pageblockCensus, type PageblockCensus, type PageblockMap } from './pageblocks';
import { balloonActivity, type BalloonActivity } from './driver-activity';

export interface ExtfragEvents {
  total: number;
  fragmenting: number;
  unmovableInMovable: number;
  changeOwnership: number;
}

/** Metrics M1–M20 at one instant (a phase end or the end of the run). */
export interface MetricsSnapshot {
  simulatedNs: number;
  /** M1–M3, M5, M6 (largest order) per populated zone. */
  zones: (ZoneFreeShape & { node: number; zone: string })[];
  /** M4 per node. */
  proactiveScore: NodeScore[];
  /** M6: free runs in PFN space. */
  freeRuns: { buckets: number[]; longestRun: number };
  /** M7–M9, M13. */
  pageblocks: PageblockCensus;
  /** M10 */
  extfrag: ExtfragEvents;
  /** M11 (filled in from the workload results of the phases so far). */
  highOrder: HighOrderPass[];
  /** M12 */
  thp: ThpOutcome;
  /** M14: only where the workload measured latency. */
  latencyNs?: Record<string, LatencySummary>;
  /** M15–M18, M20 */
  compaction: CompactionCost;
  /** M19 */
  activity: CompactionActivity;
  /** M22: balloon pages inflated, deflated and moved by migration (zeros without a balloon). */
  balloon: BalloonActivity;
}

/** Everything the kernel-state metrics read at one instant. */
export interface KernelState {
  mem: PhysicalMemory;
  simulatedNs: number;
  counters: Counters;
  /** Page classes (PageOwner.classify). */
  classes: Uint8Array;
  extfrag: ExtfragEvents;
  tracepoints: Readonly<Record<string, number>>;
  proactiveness: number;
}

/** The kernel-state metrics (all but M11/M14) and the pageblock map for the memory map. */
export function kernelMetrics(s: KernelState): { metrics: MetricsSnapshot; map: PageblockMap } {
  const { mem } = s;
  const zones = mem.populatedZones.map((z) => ({ node: z.nid, zone: ZONE_NAMES[z.type]!, ...zoneFreeShape(z) }));
  const proactiveScore = mem.nodes.map((n) => nodeScore(n.nid, n.nodePresentPages, n.zones, s.proactiveness));
  const { census, map } = pageblockCensus(s.classes, mem.pageblocks.bits);
  const s9 = zones.reduce((n, z) => n + z.s9, 0);
  return {
    metrics: {
      simulatedNs: s.simulatedNs,
      zones,
      proactiveScore,
      freeRuns: freeRunHistogram(s.classes, PAGE_FREE),
      pageblocks: census,
      extfrag: { ...s.extfrag },
      highOrder: [],
      thp: thpOutcome(s.counters),
      compaction: compactionCost(s.counters, s9),
      activity: compactionActivity(s.counters, s.tracepoints, census.skipBlocks),
      balloon: balloonActivity(s.counters),
    },
    map,
  };
}

/**
 * Adds the workload-result metrics to a snapshot: M11 passes and M14 latencies of the steps that
 * belong to `phases` (the phases finished by that instant).
 */
export function withWorkloadMetrics(
  m: MetricsSnapshot,
  workload: { steps: readonly object[]; highOrder: Parameters<typeof highOrderPasses>[0] },
  phases: ReadonlySet<string>,
): MetricsSnapshot {
  const highOrder = highOrderPasses(workload.highOrder.filter((h) => phases.has(h.phase)));
  const latencies = stepLatencies(workload.steps.filter((s) => phases.has(String((s as { phase?: unknown }).phase))));
  const out: MetricsSnapshot = { ...m, highOrder };
  if (Object.keys(latencies).length) out.latencyNs = latencies;
  return out;
}
