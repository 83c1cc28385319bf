import { existsSync } from 'node:fs';
import { UsageError } from '../cli-error';
import { DEFAULT_SCENARIO } from './default-scenario';
import { findLibraryScenario, SCENARIO_LIBRARY } from './library';
import { loadScenarioFile, validateScenario } from './load';
import type { Scenario } from './schema';

/** How `mmsim run` finds its scenario: omitted, a built-in name, or a file. */
export interface ResolveOptions {
  /** Simulated RAM for a built-in scenario, in MiB. */
  ramMiB?: number;
}

const FILE_LIKE = /[/\\]|\.(json|ya?ml)$/i;

/**
 * The embedded default when `arg` is omitted; an existing file, or anything that looks like a path
 * (a separator or a .json/.yaml/.yml extension), is loaded as a file; otherwise `arg` names a
 * built-in scenario. An unknown name is a usage error that lists the built-in names.
 */
export function resolveScenario(arg: string | undefined, opts: ResolveOptions = {}): Scenario {
  const builtIn = arg !== undefined && !existsSync(arg) && !FILE_LIKE.test(arg);
  if (opts.ramMiB !== undefined && !builtIn) {
    throw new UsageError('--ram applies to built-in scenarios only (a scenario file sets its own machine)');
  }
  if (arg === undefined) return validateScenario(DEFAULT_SCENARIO, 'default scenario');
  if (!builtIn) return loadScenarioFile(arg);
  const entry = findLibraryScenario(arg);
  if (!entry) {
    throw new UsageError(`no scenario file or built-in scenario "${arg}"; built-in scenarios: ${SCENARIO_LIBRARY.map((s) => s.name).join(', ')} (see mmsim scenarios)`);
  }
  return validateScenario(entry.build(opts.ramMiB === undefined ? {} : { ramMiB: opts.ramMiB }), `built-in scenario ${arg}`);
}
