import { resolveScenario } from '../scenario/resolve';
import type { Scenario } from '../scenario/schema';

/**
 * NAME of `mmsim sweep`: a scenario file or a built-in scenario name, found exactly as `mmsim run`
 * finds it (scenario/resolve.ts), plus `default` for the embedded default scenario.
 */
export function resolveSweepScenario(name: string): Scenario {
  return resolveScenario(name === 'default' ? undefined : name);
}
