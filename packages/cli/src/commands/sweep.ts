import { Command, InvalidArgumentError } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { CliIo } from '../io';
import { toStableJson } from '../output/stable-json';
import { createProgress } from '../progress';
import { parseSetArgs } from '../sweep/parse-set';
import { runPool } from '../sweep/pool';
import { resolveSweepScenario } from '../sweep/resolve-scenario';
import { renderSweep, sweepCsv, sweepTable } from '../sweep/results';
import { buildVariants } from '../sweep/variants';

export interface SweepCommandOptions {
  set?: string[];
  jobs?: number;
  out?: string;
  quiet?: boolean;
  /** Not a CLI flag: false runs variants in this thread (tests under ts-jest have no worker.js). */
  workers?: boolean;
}

function parseJobs(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1 || !Number.isSafeInteger(n)) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * `mmsim sweep NAME --set key=v1,v2 ... [--jobs N]`: every combination of the values, validated
 * up front, run in parallel, each into `<out>/<variant>/`, with sweep.csv and sweep.json beside.
 */
export async function sweepCommand(name: string, opts: SweepCommandOptions, io: CliIo): Promise<void> {
  const base = resolveSweepScenario(name);
  const axes = parseSetArgs(opts.set ?? []);
  const variants = buildVariants(base, axes);
  const outRoot = opts.out ?? join('out', `sweep-${base.name}`);
  const jobs = opts.jobs ?? Math.min(variants.length, availableParallelism());
  const progress = createProgress(io, `sweep ${base.name}`, opts.quiet === true);
  let results;
  try {
    progress.update(0, variants.length);
    results = await runPool(
      variants.map((v) => ({ index: v.index, slug: v.slug, scenario: v.scenario, outRoot })),
      { jobs, workers: opts.workers !== false, onDone: (done, total) => progress.update(done, total) },
    );
  } finally {
    progress.stop();
  }
  const table = sweepTable(axes.map((a) => a.key), variants, results);
  mkdirSync(outRoot, { recursive: true });
  writeFileSync(join(outRoot, 'sweep.csv'), sweepCsv(table));
  writeFileSync(join(outRoot, 'sweep.json'), toStableJson({ scenario: base.name, ...table }));
  if (!opts.quiet) io.stdout(`sweep ${base.name}: ${variants.length} variant${variants.length === 1 ? '' : 's'} in ${outRoot}\n${renderSweep(table)}`);
}

export function registerSweepCommand(program: Command, io: CliIo): void {
  program
    .command('sweep')
    .description('run a scenario over every combination of --set values, in parallel, and tabulate key metrics')
    .argument('<scenario>', 'scenario file (.json, .yaml, .yml) or a built-in scenario name')
    .option('--set <key=values>', 'dotted scenario path and comma-separated values (JSON when they parse), repeatable', collect)
    .option('--jobs <n>', 'worker threads (default: min(variants, available CPUs))', parseJobs)
    .option('--out <dir>', 'output root (default: out/sweep-<scenario>)')
    .option('--quiet', 'print nothing on success')
    .action(async (name: string, opts: SweepCommandOptions) => sweepCommand(name, opts, io));
}
