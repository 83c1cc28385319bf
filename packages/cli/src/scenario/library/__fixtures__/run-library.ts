import { runScenario, type RunArtifacts } from '../../../engine/run-scenario';
import { validateScenario } from '../../load';
import { findLibraryScenario } from '../index';

/** Small enough that every built-in scenario runs in a few seconds. */
export const RAM_MIB = 64;

const runs = new Map<string, Promise<RunArtifacts>>();

/** Runs a built-in scenario once at RAM_MIB (per test file); the checks share the result. */
export function runLibrary(name: string): Promise<RunArtifacts> {
  let r = runs.get(name);
  if (!r) {
    r = runScenario(validateScenario(findLibraryScenario(name)!.build({ ramMiB: RAM_MIB }), name), { png: false });
    runs.set(name, r);
  }
  return r;
}
