import { IKernelConfig, NR_PAGE_ORDERS, PAGE_SIZE, ZONE_NAMES, type KernelConfig } from '@mmsim/core';
import { UsageError } from '../cli-error';
import { PageOwner } from '../metrics/page-owner';
import type { PageblockMap } from '../metrics/pageblocks';
import { kernelMetrics, withWorkloadMetrics, type MetricsSnapshot } from '../metrics/snapshot';
import { M19_TRACEPOINTS, TracepointCounter } from '../metrics/tracepoint-counter';
import { fragmentationSummary, type FragmentationSummary } from '../output/fragmentation-summary';
import { renderMetricsCsv, renderTimeseriesCsv } from '../output/metrics-csv';
import { phaseProcDir, procFiles } from '../output/proc-files';
import { renderTraceJson, type PhaseSpan } from '../output/trace-json';
import { renderReportHtml } from '../report/html';
import { memoryMapSvg } from '../report/memory-map';
import { svgToPng } from '../report/png';
import type { Scenario } from '../scenario/schema';
import { ExtfragCounter } from './extfrag-counter';
import { WorkloadRunner, type ProgressFn, type WorkloadResult } from './run-workload';
import { DEFAULT_SAMPLE_MS, Sampler } from './sampler';
import { bootKernel, type SimKernel } from './sim-kernel';
import { startTrace, TraceEventLog } from './trace';

/** Trace events recorded into trace.txt when the user does not choose. */
export const DEFAULT_TRACE_EVENTS: readonly string[] = ['mm_page_alloc_extfrag'];

export interface RunOptions {
  traceEvents?: readonly string[];
  onProgress?: ProgressFn;
  /** Time-series sampling interval in simulated milliseconds (default {@link DEFAULT_SAMPLE_MS}). */
  sampleIntervalMs?: number;
  /** Write memory-map.png (resvg); on by default. */
  png?: boolean;
}

export interface ZoneSummary {
  node: number;
  zone: string;
  managedPages: number;
  freePages: number;
}

/** Metrics at the end of one phase. */
export interface PhaseMetrics {
  phase: string;
  index: number;
  metrics: MetricsSnapshot;
}

/** summary.json: everything a run produced, with no host-specific or wall-clock data. */
export interface RunSummary {
  scenario: Scenario;
  seed: number;
  machine: { maxPfn: number; pageSize: number; nodes: number; zones: ZoneSummary[] };
  simulatedNs: number;
  memory: { managedPages: number; freePages: number; freeKiB: number };
  workload: WorkloadResult;
  extfrag: ReturnType<ExtfragCounter['toJSON']>;
  counters: Record<string, number>;
  fragmentation: FragmentationSummary;
  /** experiments.md §2 M1–M20 at the end of the run. */
  metrics: MetricsSnapshot;
  /** The same metrics at the end of every phase. */
  phases: PhaseMetrics[];
}

export interface RunArtifacts {
  summary: RunSummary;
  /** Output files other than summary.json, by path relative to the output directory. */
  files: Record<string, string | Uint8Array>;
}

function sampleIntervalNs(ms: number | undefined): number {
  const v = ms ?? DEFAULT_SAMPLE_MS;
  if (!Number.isFinite(v) || v <= 0) throw new UsageError(`sampling interval must be a positive number of simulated milliseconds, got ${v}`);
  const ns = Math.round(v * 1e6);
  if (ns < 1) throw new UsageError(`sampling interval ${v} ms is below the clock's 1 ns resolution`);
  return ns;
}

/** The observers a run attaches to the kernel for its metrics. */
class Observers {
  readonly extfrag: ExtfragCounter;
  readonly owner: PageOwner;
  readonly tracepoints: TracepointCounter;

  constructor(private readonly kernel: SimKernel) {
    this.extfrag = new ExtfragCounter(kernel.events);
    this.owner = new PageOwner(kernel.events, kernel.mem.maxPfn);
    this.tracepoints = new TracepointCounter(kernel.events, M19_TRACEPOINTS);
  }

  /** Kernel-state metrics now (M11/M14 are added from the workload result afterwards). */
  capture(): { metrics: MetricsSnapshot; map: PageblockMap } {
    const k = this.kernel;
    return kernelMetrics({
      mem: k.mem,
      simulatedNs: k.clock.now(),
      counters: k.vmstat.snapshot(k.mem),
      classes: this.owner.classify(k.mem),
      extfrag: this.extfrag.toJSON(),
      tracepoints: { ...this.tracepoints.counts },
      proactiveness: k.container.resolve<KernelConfig>(IKernelConfig).sysctl.compaction_proactiveness,
    });
  }

  stop(): void {
    this.extfrag.stop();
    this.owner.stop();
    this.tracepoints.stop();
  }
}

/** Runs a validated scenario end to end and returns its outputs (nothing is written here). */
export async function runScenario(scenario: Scenario, opts: RunOptions = {}): Promise<RunArtifacts> {
  const intervalNs = sampleIntervalNs(opts.sampleIntervalMs);
  const kernel = bootKernel({ machine: scenario.machine, sysctl: scenario.sysctl, seed: scenario.seed, source: `scenario "${scenario.name}"` });
  try {
    const traceEvents = opts.traceEvents ?? DEFAULT_TRACE_EVENTS;
    const trace = startTrace(kernel, traceEvents);
    const traceLog = new TraceEventLog(kernel, traceEvents);
    const obs = new Observers(kernel);
    const sampler = new Sampler(kernel, intervalNs, obs.extfrag);
    const files: Record<string, string | Uint8Array> = {};
    const captured: { phase: string; index: number; metrics: MetricsSnapshot; map: PageblockMap }[] = [];
    const spans: PhaseSpan[] = [];
    let phaseStart = kernel.clock.now();
    sampler.start();
    const workload = new WorkloadRunner(kernel, scenario, opts.onProgress, (phase, index) => {
      sampler.sample();
      captured.push({ phase, index, ...obs.capture() });
      Object.assign(files, procFiles(kernel.proc, phaseProcDir(index, phase)));
      spans.push({ name: phase, startNs: phaseStart, endNs: kernel.clock.now() });
      phaseStart = kernel.clock.now();
    }).run();
    sampler.stop();
    const finalCapture = obs.capture();
    obs.stop();
    traceLog.stop();
    trace.stop();

    const phaseNames = new Set<string>();
    const phases: PhaseMetrics[] = captured.map((c) => {
      phaseNames.add(c.phase);
      return { phase: c.phase, index: c.index, metrics: withWorkloadMetrics(c.metrics, workload, phaseNames) };
    });
    const metrics = withWorkloadMetrics(finalCapture.metrics, workload, new Set(scenario.workload.phases.map((p) => p.name)));

    const { mem } = kernel;
    const zones = mem.populatedZones.map((z) => ({ node: z.nid, zone: ZONE_NAMES[z.type]!, managedPages: z.managedPages, freePages: z.freePages }));
    const freePages = zones.reduce((s, z) => s + z.freePages, 0);
    const summary: RunSummary = {
      scenario,
      seed: scenario.seed,
      machine: { maxPfn: mem.layout.maxPfn, pageSize: PAGE_SIZE, nodes: mem.nodes.length, zones },
      simulatedNs: kernel.clock.now(),
      memory: { managedPages: mem.totalramPages, freePages, freeKiB: freePages * (PAGE_SIZE / 1024) },
      workload,
      extfrag: obs.extfrag.toJSON(),
      counters: kernel.vmstat.snapshot(mem),
      fragmentation: fragmentationSummary(mem),
      metrics,
      phases,
    };

    const snapshots = [
      ...captured.map((c, i) => ({ name: `${c.index}: ${c.phase}`, metrics: phases[i]!.metrics, map: c.map })),
      { name: 'final', metrics, map: finalCapture.map },
    ];
    const times = sampler.column('time_ns');
    const freeSeries: Record<string, number[]> = {};
    for (let o = 0; o < NR_PAGE_ORDERS; o++) freeSeries[`order${o}`] = sampler.column(`free_blocks_order${o}`).map((b) => b * 2 ** o);
    Object.assign(files, procFiles(kernel.proc), {
      'trace.txt': trace.text(),
      'trace.json': renderTraceJson(traceLog.records, spans, [{ name: 'free pages per order', timesNs: times, series: freeSeries }], traceLog.dropped),
      'metrics.csv': renderMetricsCsv(snapshots),
      'timeseries.csv': renderTimeseriesCsv(sampler.columns, sampler.rows),
      'report.html': renderReportHtml({
        scenario: scenario.name,
        seed: scenario.seed,
        simulatedNs: kernel.clock.now(),
        snapshots,
        timeseries: { columns: sampler.columns, rows: sampler.rows },
      }),
    });
    if (opts.png !== false) files['memory-map.png'] = svgToPng(memoryMapSvg(finalCapture.map, { title: `${scenario.name}: physical memory at the end` }));
    return { summary, files };
  } finally {
    await kernel.dispose();
  }
}
