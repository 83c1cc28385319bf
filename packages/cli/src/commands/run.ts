import { Command, InvalidArgumentError } from 'commander';
import { join } from 'node:path';
import type { CliIo } from '../io';
import { DEFAULT_TRACE_EVENTS, runScenario } from '../engine/run-scenario';
import { renderRunReport } from '../output/run-report';
import { writeOutputs } from '../output/write-outputs';
import { createProgress } from '../progress';
import { resolveScenario } from '../scenario/resolve';

export interface RunCommandOptions {
  seed?: number;
  out?: string;
  quiet?: boolean;
  trace?: string[];
  ram?: number;
}

/** `--seed`: a non-negative safe integer, so the same number always names the same run. */
export function parseSeed(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) {
    throw new InvalidArgumentError('expected a non-negative integer such as 42');
  }
  return n;
}

/** `--ram`: MiB of simulated RAM, a positive multiple of 4 (the kernel's memory-block granule here). */
export function parseRamMiB(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 16 || n % 4) {
    throw new InvalidArgumentError('expected MiB of RAM, a multiple of 4 and at least 16, such as 512');
  }
  return n;
}

/** `--trace`: comma-separated tracepoint names. */
export function parseTraceEvents(value: string): string[] {
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0 || names.some((n) => !/^[a-z_][a-z0-9_]*$/.test(n))) {
    throw new InvalidArgumentError('expected tracepoint names separated by commas, e.g. mm_page_alloc_extfrag,mm_page_alloc');
  }
  return names;
}

/** `mmsim run [SCENARIO]`: load or embed, run, write the output directory, print a summary. */
export async function runCommand(scenarioPath: string | undefined, opts: RunCommandOptions, io: CliIo): Promise<void> {
  const loaded = resolveScenario(scenarioPath, { ramMiB: opts.ram });
  const scenario = opts.seed === undefined ? loaded : { ...loaded, seed: opts.seed };
  const outDir = opts.out ?? join('out', `${scenario.name}-${scenario.seed}`);
  const progress = createProgress(io, scenario.name, opts.quiet === true);
  let artifacts;
  try {
    artifacts = await runScenario(scenario, {
      traceEvents: opts.trace ?? DEFAULT_TRACE_EVENTS,
      ...(scenario.sampleIntervalMs !== undefined && { sampleIntervalMs: scenario.sampleIntervalMs }),
      onProgress: (done, total) => progress.update(done, total),
    });
  } finally {
    progress.stop();
  }
  writeOutputs(outDir, artifacts);
  if (!opts.quiet) io.stdout(renderRunReport(artifacts.summary, outDir));
}

export function registerRunCommand(program: Command, io: CliIo): void {
  program
    .command('run')
    .description('run a scenario (a JSON or YAML file, a built-in scenario by name, or the embedded default) and write its outputs')
    .argument('[scenario]', 'scenario file (.json, .yaml, .yml) or built-in name (see mmsim scenarios); omit for the embedded default scenario')
    .option('--seed <n>', "seed of the run (overrides the scenario's seed)", parseSeed)
    .option('--out <dir>', 'output directory (default: out/<scenario>-<seed>)')
    .option('--trace <events>', `tracepoints recorded into trace.txt, comma-separated (default: ${DEFAULT_TRACE_EVENTS.join(',')})`, parseTraceEvents)
    .option('--ram <MiB>', 'simulated RAM of a built-in scenario, in MiB (default: the scenario\'s own)', parseRamMiB)
    .option('--quiet', 'print nothing on success')
    .action(async (scenarioPath: string | undefined, opts: RunCommandOptions) => runCommand(scenarioPath, opts, io));
}
