import { metricRows } from '../metrics/rows';
import type { MetricsSnapshot } from '../metrics/snapshot';
import { renderCsv } from './csv';

/** metrics.csv: one row per metric value per snapshot (each phase end, then "final"). */
export function renderMetricsCsv(snapshots: readonly { name: string; metrics: MetricsSnapshot }[]): string {
  const rows = snapshots.flatMap((s) => metricRows(s.metrics).map((r) => [s.name, s.metrics.simulatedNs, r.metric, r.key, r.value]));
  return renderCsv(['snapshot', 'simulated_ns', 'metric', 'key', 'value'], rows);
}

/** timeseries.csv: the sampler's columns, one row per sample. */
export function renderTimeseriesCsv(columns: readonly string[], rows: readonly (readonly number[])[]): string {
  return renderCsv(columns, rows);
}
