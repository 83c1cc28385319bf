/**
 * JSON text for output files: two-space indentation, a final newline, and non-finite numbers
 * refused (JSON.stringify would silently turn Infinity into null). Key order is the insertion
 * order, which every builder in this package fixes in code, so the same data gives the same bytes.
 */
export function toStableJson(value: unknown): string {
  return `${JSON.stringify(value, (key, v: unknown) => {
    if (typeof v === 'number' && !Number.isFinite(v)) throw new Error(`cannot write ${v} at "${key}" to JSON`);
    return v;
  }, 2)}\n`;
}
