import { UsageError } from '../cli-error';

/** One `--set key=v1,v2,...`: a dotted path into the scenario and the values it takes. */
export interface SweepAxis {
  key: string;
  values: unknown[];
}

/** Splits on commas outside brackets, braces and double quotes, so `nodes=[1,2],[3]` is two values. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim());
}

/** A value: JSON when it parses (`500`, `true`, `[1,2]`, `"x"`), otherwise the bare string (`2GiB`). */
function parseValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

const KEY = /^[A-Za-z_$][\w$-]*(\.([A-Za-z_$][\w$-]*|\d+))*$/;

/** Parses one `--set` argument; malformed ones are usage errors naming the argument. */
export function parseSetArg(arg: string): SweepAxis {
  const eq = arg.indexOf('=');
  if (eq <= 0) throw new UsageError(`--set ${arg}: expected key=value[,value...], e.g. seed=1,2,3`);
  const key = arg.slice(0, eq).trim();
  if (!KEY.test(key)) throw new UsageError(`--set ${arg}: "${key}" is not a dotted scenario path such as sysctl.extfrag_threshold or machine.nodes.0.memory`);
  const raw = splitTopLevel(arg.slice(eq + 1));
  if (raw.some((v) => v === '')) throw new UsageError(`--set ${key}: empty value in "${arg.slice(eq + 1)}"`);
  return { key, values: raw.map(parseValue) };
}

/** Parses every `--set`; a key given twice is refused rather than silently overriding. */
export function parseSetArgs(args: readonly string[]): SweepAxis[] {
  const axes = args.map(parseSetArg);
  const seen = new Set<string>();
  for (const a of axes) {
    if (seen.has(a.key)) throw new UsageError(`--set ${a.key} is given twice; list all its values in one --set`);
    seen.add(a.key);
  }
  return axes;
}
