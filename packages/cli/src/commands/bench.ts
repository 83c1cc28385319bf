import { Command } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { cpus, totalmem } from 'node:os';
import { UsageError } from '../cli-error';
import type { CliIo } from '../io';
import { BENCH_SUITES, findSuite } from '../bench/registry';
import { meetsTarget, type BenchSuite, type SuiteResult } from '../bench/suite';
import { renderTable } from '../output/table';
import { toStableJson } from '../output/stable-json';

/** The host a benchmark ran on: results are only comparable on like machines. */
export function hostInfo(): Record<string, string | number> {
  const cpu = cpus();
  return {
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    cpuModel: cpu[0]?.model.trim() ?? 'unknown',
    cpus: cpu.length,
    totalMemBytes: totalmem(),
  };
}

/** A suite's results as one flat JSON object: metric keys, then the targets with their verdicts. */
function suiteJson(result: SuiteResult): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const m of result.metrics) out[m.key] = m.value;
  out['units'] = Object.fromEntries(result.metrics.map((m) => [m.key, m.unit]));
  out['targets'] = result.targets.map((t) => {
    const value = result.metrics.find((m) => m.key === t.metric)?.value ?? NaN;
    return { ...t, actual: value, met: meetsTarget(t, value) };
  });
  return out;
}

function renderSuite(name: string, result: SuiteResult): string {
  const rows = result.metrics.map((m) => {
    const t = result.targets.find((x) => x.metric === m.key);
    const verdict = t ? `${t.op} ${t.value.toLocaleString('en-US')} ${meetsTarget(t, m.value) ? 'ok' : 'MISSED'}` : '';
    return [m.key, m.value.toLocaleString('en-US'), m.unit, verdict];
  });
  return `\nsuite ${name}\n${renderTable(['metric', 'value', 'unit', 'target'], rows)}`;
}

/** `mmsim bench <suite|all> [--json FILE]` */
export async function benchCommand(which: string, opts: { json?: string }, io: CliIo): Promise<void> {
  let suites: readonly BenchSuite[];
  if (which === 'all') suites = BENCH_SUITES;
  else {
    const suite = findSuite(which);
    if (!suite) throw new UsageError(`unknown benchmark suite "${which}"; choose one of ${[...BENCH_SUITES.map((s) => s.name), 'all'].join(', ')}`);
    suites = [suite];
  }
  const results: Record<string, Record<string, unknown>> = {};
  for (const suite of suites) {
    const result = await suite.run((line) => io.stderr(`[bench ${suite.name}] ${line}\n`));
    io.stdout(renderSuite(suite.name, result));
    results[suite.name] = suiteJson(result);
  }
  if (opts.json) {
    const doc = which === 'all' ? { machine: hostInfo(), suites: results } : { suite: which, machine: hostInfo(), ...results[which] };
    mkdirSync(dirname(opts.json), { recursive: true });
    writeFileSync(opts.json, toStableJson(doc));
    io.stdout(`\nwrote ${opts.json}\n`);
  }
}

export function registerBenchCommand(program: Command, io: CliIo): void {
  program
    .command('bench')
    .description('run benchmark suites (wall-clock; not part of any test)')
    .argument('<suite>', `suite to run: ${[...BENCH_SUITES.map((s) => s.name), 'all'].join(', ')}`)
    .option('--json <file>', 'also write the results as JSON')
    .action(async (which: string, opts: { json?: string }) => benchCommand(which, opts, io));
}
