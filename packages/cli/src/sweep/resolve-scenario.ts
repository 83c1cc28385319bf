import { existsSync } from 'node:fs';
import { UsageError } from '../cli-error';
import { DEFAULT_SCENARIO } from '../scenario/default-scenario';
import { loadScenarioFile, validateScenario } from '../scenario/load';
import type { Scenario } from '../scenario/schema';

/** NAME of `mmsim sweep`: a scenario file, or `default` for the embedded default scenario. */
export function resolveSweepScenario(name: string): Scenario {
  if (existsSync(name)) return loadScenarioFile(name);
  if (name === 'default') return validateScenario(DEFAULT_SCENARIO, 'default scenario');
  throw new UsageError(`scenario "${name}" is neither a file nor a built-in scenario (built-in: default)`);
}
