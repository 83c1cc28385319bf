import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { UsageError } from '../cli-error';
import { formatIssues } from './issues';
import { ScenarioSchema, type Scenario } from './schema';

/** Validates parsed scenario data; every issue is listed with its path in one UsageError. */
export function validateScenario(data: unknown, source = 'scenario'): Scenario {
  const result = ScenarioSchema.safeParse(data);
  if (result.success) return result.data;
  const lines = formatIssues(result.error.issues);
  throw new UsageError(`${source} is not a valid scenario (${lines.length} problem${lines.length > 1 ? 's' : ''}):\n${lines.map((l) => `  - ${l}`).join('\n')}`);
}

/**
 * Parses scenario text. `.json` files are JSON; anything else is YAML (a superset of JSON), so a
 * file without an extension still loads.
 */
export function parseScenarioText(text: string, fileName: string): Scenario {
  let data: unknown;
  try {
    data = extname(fileName).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text, { prettyErrors: true });
  } catch (e) {
    throw new UsageError(`${fileName}: cannot parse: ${(e as Error).message.split('\n')[0]}`);
  }
  return validateScenario(data, fileName);
}

/** Reads and validates a scenario file. Unreadable files are usage errors, not crashes. */
export function loadScenarioFile(path: string): Scenario {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read scenario file ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (e as Error).message}`);
  }
  return parseScenarioText(text, path);
}
