import { renderTable } from '../output/table';
import type { SweepVariant } from './variants';
import type { VariantResult } from './run-variant';

/** One row of sweep.json: the variant's directory, its --set values and its key metrics. */
export interface SweepRow {
  variant: string;
  values: Record<string, unknown>;
  metrics: Record<string, number>;
}

export interface SweepTable {
  keys: string[];
  metrics: string[];
  rows: SweepRow[];
}

export function sweepTable(keys: readonly string[], variants: readonly SweepVariant[], results: readonly VariantResult[]): SweepTable {
  const rows = variants.map((v) => ({ variant: v.slug, values: v.values, metrics: results[v.index]!.metrics }));
  const metrics = [...new Set(rows.flatMap((r) => Object.keys(r.metrics)))];
  return { keys: [...keys], metrics, rows };
}

function cell(v: unknown): string {
  if (v === undefined) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** RFC 4180 quoting: fields with a comma, quote or newline are quoted, quotes doubled. */
function csvField(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function sweepCsv(t: SweepTable): string {
  const header = ['variant', ...t.keys, ...t.metrics];
  const lines = t.rows.map((r) => [r.variant, ...t.keys.map((k) => cell(r.values[k])), ...t.metrics.map((m) => cell(r.metrics[m]))]);
  return [header, ...lines].map((l) => l.map(csvField).join(',')).join('\n') + '\n';
}

/** Terminal cells: ratios to 4 significant digits (the CSV and JSON keep full precision). */
function shortCell(v: unknown): string {
  return typeof v === 'number' && !Number.isInteger(v) ? String(Number(v.toPrecision(4))) : cell(v);
}

export function renderSweep(t: SweepTable): string {
  const rows = t.rows.map((r) => [...t.keys.map((k) => cell(r.values[k])), ...t.metrics.map((m) => shortCell(r.metrics[m]))]);
  return renderTable([...t.keys, ...t.metrics], rows);
}
