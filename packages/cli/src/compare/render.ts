import { renderTable } from '../output/table';
import type { CompareRow } from './diff';

/** A number for the table: integers as they are, fractions to 4 decimals, without noise zeros. */
function num(v: number | undefined, signed = false): string {
  if (v === undefined) return '-';
  const s = Number.isInteger(v) ? String(v) : String(Number(v.toFixed(4)));
  return signed && v > 0 ? `+${s}` : s;
}

/**
 * The side-by-side table. Keys present in one run only are flagged in the last column ("only A",
 * "only B") so a metric added or removed between versions stands out rather than reading as 0.
 */
export function renderComparison(rows: readonly CompareRow[], nameA: string, nameB: string): string {
  if (rows.length === 0) return 'no numeric keys to compare\n';
  const body = rows.map((r) => [
    r.key,
    num(r.a),
    num(r.b),
    num(r.delta, true),
    r.deltaPct === undefined ? '-' : `${num(Number(r.deltaPct.toFixed(2)), true)}%`,
    r.only === 'a' ? 'only A' : r.only === 'b' ? 'only B' : '',
  ]);
  const changed = rows.filter((r) => r.delta !== undefined && r.delta !== 0).length;
  const onlyOne = rows.filter((r) => r.only !== undefined).length;
  return (
    `A: ${nameA}\nB: ${nameB}\n` +
    renderTable(['key', 'A', 'B', 'delta', 'delta %', ''], body) +
    `${rows.length} keys, ${changed} changed, ${onlyOne} in one run only\n`
  );
}
