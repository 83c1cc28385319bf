import { join } from 'node:path';
import { runScenario } from '../engine/run-scenario';
import { writeOutputs } from '../output/write-outputs';
import type { Scenario } from '../scenario/schema';
import { keyMetrics } from './key-metrics';

/** What a worker is asked to do: run one scenario into `<outRoot>/<slug>/`. */
export interface VariantJob {
  index: number;
  slug: string;
  scenario: Scenario;
  outRoot: string;
}

export interface VariantResult {
  index: number;
  metrics: Record<string, number>;
}

/** Runs one variant and writes its outputs exactly as `mmsim run --out` would. */
export async function runVariant(job: VariantJob): Promise<VariantResult> {
  const artifacts = await runScenario(job.scenario);
  writeOutputs(join(job.outRoot, job.slug), artifacts);
  return { index: job.index, metrics: keyMetrics(artifacts.summary) };
}
