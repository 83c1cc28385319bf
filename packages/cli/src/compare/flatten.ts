/**
 * Every numeric leaf of a JSON value, keyed by its dotted path (array elements by index, e.g.
 * `workload.highOrder.0.orders.3.successes`). `skip` names top-level keys left out — the echoed
 * `scenario` of a summary is input, not a result, so comparing it would only add noise.
 */
export function flattenNumeric(value: unknown, skip: readonly string[] = []): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (v: unknown, path: string): void => {
    if (typeof v === 'number') {
      if (Number.isFinite(v)) out.set(path, v);
      return;
    }
    if (v === null || typeof v !== 'object') return;
    const entries: [string, unknown][] = Array.isArray(v) ? v.map((x, i) => [String(i), x]) : Object.entries(v);
    for (const [k, child] of entries) {
      if (path === '' && skip.includes(k)) continue;
      walk(child, path === '' ? k : `${path}.${k}`);
    }
  };
  walk(value, '');
  return out;
}
