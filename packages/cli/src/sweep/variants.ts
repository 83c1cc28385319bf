import { UsageError } from '../cli-error';
import { validateScenario } from '../scenario/load';
import type { Scenario } from '../scenario/schema';
import type { SweepAxis } from './parse-set';

/** One point of the sweep: the values chosen per key, its directory name and its scenario. */
export interface SweepVariant {
  index: number;
  values: Record<string, unknown>;
  slug: string;
  scenario: Scenario;
}

/** Every combination of the axes' values, the first axis varying slowest. */
export function cartesian(axes: readonly SweepAxis[]): Record<string, unknown>[] {
  let combos: Record<string, unknown>[] = [{}];
  for (const axis of axes) combos = combos.flatMap((c) => axis.values.map((v) => ({ ...c, [axis.key]: v })));
  return combos;
}

/**
 * Sets a dotted path in a plain JSON value, creating missing objects on the way (an optional
 * `sysctl` block may be absent from the file). Stepping into a number, string or null is refused.
 */
export function setPath(root: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.');
  let node: Record<string, unknown> | unknown[] = root;
  for (let i = 0; i < parts.length - 1; i++) {
    const part = parts[i]!;
    let next = (node as Record<string, unknown>)[part];
    if (next === undefined) {
      next = /^\d+$/.test(parts[i + 1]!) ? [] : {};
      (node as Record<string, unknown>)[part] = next;
    }
    if (next === null || typeof next !== 'object') throw new UsageError(`--set ${key}: ${parts.slice(0, i + 1).join('.')} is ${JSON.stringify(next)}, not an object`);
    node = next as Record<string, unknown>;
  }
  (node as Record<string, unknown>)[parts[parts.length - 1]!] = value;
}

/** A directory name for a variant: `key=value` pairs joined by `_`, unsafe characters replaced. */
export function variantSlug(values: Record<string, unknown>, index: number): string {
  const text = Object.entries(values).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join('_');
  const safe = text.replace(/[^A-Za-z0-9._=-]+/g, '-').slice(0, 120);
  return safe === '' ? `variant-${index}` : safe;
}

/**
 * Builds and validates every variant before anything runs, so a bad key or value fails the whole
 * sweep at once with the offending `--set` named, instead of after an hour of runs.
 */
export function buildVariants(base: Scenario, axes: readonly SweepAxis[]): SweepVariant[] {
  const variants = cartesian(axes).map((values, index): SweepVariant => {
    const data = structuredClone(base) as unknown as Record<string, unknown>;
    for (const [key, v] of Object.entries(values)) setPath(data, key, v);
    const label = Object.entries(values).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ');
    let scenario: Scenario;
    try {
      scenario = validateScenario(data, `sweep variant ${label || '(base)'}`);
    } catch (e) {
      throw new UsageError(`--set ${axes.map((a) => a.key).join(', --set ')}: ${(e as Error).message}`);
    }
    return { index, values, slug: variantSlug(values, index), scenario };
  });
  const slugs = new Set<string>();
  for (const v of variants) {
    if (slugs.has(v.slug)) v.slug = `${v.slug}-${v.index}`;
    slugs.add(v.slug);
  }
  return variants;
}
