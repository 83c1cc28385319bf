import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../cli-error';

/** Reads `<dir>/summary.json` of a run; a missing directory, file or bad JSON is a usage error. */
export function loadRunSummary(dir: string): unknown {
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw new UsageError(`run directory ${dir} does not exist`);
  }
  if (!isDir) throw new UsageError(`${dir} is not a directory (expected a run output directory holding summary.json)`);
  const path = join(dir, 'summary.json');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new UsageError(`${dir} has no summary.json (is it the output directory of mmsim run?)`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new UsageError(`${path} is not valid JSON: ${(e as Error).message}`);
  }
}
