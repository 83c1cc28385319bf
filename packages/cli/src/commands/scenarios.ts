import type { Command } from 'commander';
import type { CliIo } from '../io';
import { SCENARIO_LIBRARY } from '../scenario/library';

/** The `mmsim scenarios` listing: name, default RAM, description and provenance of each built-in. */
export function renderScenarioList(): string {
  const width = Math.max(...SCENARIO_LIBRARY.map((s) => s.name.length));
  const lines = SCENARIO_LIBRARY.map((s) =>
    `${s.name.padEnd(width)}  ${s.description}\n${' '.repeat(width)}  from: ${s.provenance} (default ${s.defaults.ramMiB} MiB, seed ${s.defaults.seed})`);
  return `${lines.join('\n')}\n\nRun one with: mmsim run NAME [--ram MiB] [--seed N]\n`;
}

export function registerScenariosCommand(program: Command, io: CliIo): void {
  program
    .command('scenarios')
    .description('list the built-in scenarios (run one with mmsim run NAME)')
    .action(() => io.stdout(renderScenarioList()));
}
