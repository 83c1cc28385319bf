import { Command } from 'commander';
import type { CliIo } from '../io';
import { compareSummaries } from '../compare/diff';
import { loadRunSummary } from '../compare/load-summary';
import { renderComparison } from '../compare/render';
import { toStableJson } from '../output/stable-json';

export interface CompareCommandOptions {
  json?: boolean;
  only?: string;
}

/** `mmsim compare RUN_A RUN_B [--json] [--only PATTERN]`: numeric leaves of two summary.json side by side. */
export function compareCommand(runA: string, runB: string, opts: CompareCommandOptions, io: CliIo): void {
  const a = loadRunSummary(runA);
  const b = loadRunSummary(runB);
  const rows = compareSummaries(a, b, opts.only);
  if (opts.json) io.stdout(toStableJson({ a: runA, b: runB, rows }));
  else io.stdout(renderComparison(rows, runA, runB));
}

export function registerCompareCommand(program: Command, io: CliIo): void {
  program
    .command('compare')
    .description('compare the summary.json of two run output directories, key by key')
    .argument('<runA>', 'output directory of the first run')
    .argument('<runB>', 'output directory of the second run')
    .option('--json', 'print the comparison as JSON')
    .option('--only <pattern>', 'keep keys matching a glob (* matches anything) or, without *, a dotted prefix')
    .action((runA: string, runB: string, opts: CompareCommandOptions) => compareCommand(runA, runB, opts, io));
}
