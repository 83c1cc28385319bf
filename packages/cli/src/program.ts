import { Command, CommanderError } from 'commander';
import { EXIT_OK, EXIT_RUN_FAILURE, EXIT_USAGE, UsageError } from './cli-error';
import { registerBenchCommand } from './commands/bench';
import { registerCompareCommand } from './commands/compare';
import { registerRunCommand } from './commands/run';
import { registerScenariosCommand } from './commands/scenarios';
import { registerSweepCommand } from './commands/sweep';
import type { CliIo } from './io';

const VERSION = '0.1.0';

/** The commander program with every command registered, writing through `io`. */
export function createProgram(io: CliIo): Command {
  const program = new Command('mmsim')
    .description('Simulate Linux page allocation, migration and compaction')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) })
    .exitOverride();
  registerRunCommand(program, io);
  registerScenariosCommand(program, io);
  registerBenchCommand(program, io);
  registerCompareCommand(program, io);
  registerSweepCommand(program, io);
  for (const cmd of program.commands) {
    cmd.exitOverride().configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) }).showHelpAfterError('(run with --help for usage)');
  }
  return program;
}

/**
 * Runs the CLI and returns the exit code instead of exiting: 0 ok, 1 the run failed, 2 usage or
 * validation error. User errors print one message; unexpected errors also print the stack when
 * MMSIM_DEBUG is set.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const program = createProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT_OK;
  } catch (e) {
    if (e instanceof CommanderError) {
      // commander already printed its message (or the help/version text).
      return e.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    if (e instanceof UsageError) {
      io.stderr(`mmsim: ${e.message}\n`);
      return EXIT_USAGE;
    }
    const err = e as Error;
    io.stderr(`mmsim: run failed: ${err?.message ?? String(e)}\n`);
    if (io.env['MMSIM_DEBUG'] && err?.stack) io.stderr(`${err.stack}\n`);
    return EXIT_RUN_FAILURE;
  }
}
