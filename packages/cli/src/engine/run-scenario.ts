import { PAGE_SIZE, ZONE_NAMES } from '@mmsim/core';
import { fragmentationSummary, type FragmentationSummary } from '../output/fragmentation-summary';
import { procFiles } from '../output/proc-files';
import type { Scenario } from '../scenario/schema';
import { ExtfragCounter } from './extfrag-counter';
import { WorkloadRunner, type ProgressFn, type WorkloadResult } from './run-workload';
import { bootKernel } from './sim-kernel';
import { startTrace } from './trace';

/** Trace events recorded into trace.txt when the user does not choose. */
export const DEFAULT_TRACE_EVENTS: readonly string[] = ['mm_page_alloc_extfrag'];

export interface RunOptions {
  traceEvents?: readonly string[];
  onProgress?: ProgressFn;
}

export interface ZoneSummary {
  node: number;
  zone: string;
  managedPages: number;
  freePages: number;
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
}

export interface RunArtifacts {
  summary: RunSummary;
  /** Output files other than summary.json, by path relative to the output directory. */
  files: Record<string, string>;
}

/** Runs a validated scenario end to end and returns its outputs (nothing is written here). */
export async function runScenario(scenario: Scenario, opts: RunOptions = {}): Promise<RunArtifacts> {
  const kernel = bootKernel({ machine: scenario.machine, sysctl: scenario.sysctl, seed: scenario.seed, source: `scenario "${scenario.name}"` });
  try {
    const trace = startTrace(kernel, opts.traceEvents ?? DEFAULT_TRACE_EVENTS);
    const extfrag = new ExtfragCounter(kernel.events);
    const workload = new WorkloadRunner(kernel, scenario, opts.onProgress).run();
    extfrag.stop();
    trace.stop();
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
      extfrag: extfrag.toJSON(),
      counters: kernel.vmstat.snapshot(mem),
      fragmentation: fragmentationSummary(mem),
    };
    return { summary, files: { ...procFiles(kernel.proc), 'trace.txt': trace.text() } };
  } finally {
    await kernel.dispose();
  }
}
