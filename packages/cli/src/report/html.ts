import { NR_PAGE_ORDERS } from '@mmsim/core';
import type { MetricsSnapshot } from '../metrics/snapshot';
import type { PageblockMap } from '../metrics/pageblocks';
import { barChart, lineChart, type Series } from './line-chart';
import { memoryMapSvg } from './memory-map';
import { esc } from './svg';

export interface ReportSnapshot {
  /** Phase name, or "final". */
  name: string;
  metrics: MetricsSnapshot;
  map: PageblockMap;
}

export interface ReportInput {
  scenario: string;
  seed: number;
  simulatedNs: number;
  snapshots: readonly ReportSnapshot[];
  timeseries: { columns: readonly string[]; rows: readonly (readonly number[])[] };
}

function col(ts: ReportInput['timeseries'], name: string): number[] {
  const i = ts.columns.indexOf(name);
  return i < 0 ? [] : ts.rows.map((r) => r[i]!);
}

const pct = (v: number | null): string => (v === null ? 'n/a' : `${(100 * v).toFixed(1)}%`);
const num = (v: number | null): string => (v === null ? 'n/a' : Number.isInteger(v) ? String(v) : v.toFixed(3));

/** Charts of the sampled time series (x axis: simulated seconds). */
export function timeseriesCharts(ts: ReportInput['timeseries']): string[] {
  const seconds = col(ts, 'time_ns').map((t) => t / 1e9);
  // Workloads made only of allocation steps never advance the simulated clock, so every sample
  // sits at t = 0; plot those by sample number (phase ends in order) rather than as one vertical line.
  const timeless = seconds.length > 1 && seconds[seconds.length - 1] === seconds[0];
  const x = timeless ? seconds.map((_, i) => i) : seconds;
  const xLabel = timeless ? 'sample (phase ends, in order; no simulated time passed)' : 'simulated time (s)';
  const charts: string[] = [];
  const orders: Series[] = Array.from({ length: NR_PAGE_ORDERS }, (_, o) => ({ name: `order ${o}`, values: col(ts, `free_blocks_order${o}`) }));
  charts.push(lineChart({ title: 'Free blocks per order (M1)', xLabel, yLabel: 'free blocks (log scale)', x, series: orders, logY: true }));
  const idx = ts.columns.filter((c) => c.startsWith('unusable_index_') || c.startsWith('extfrag_index_'));
  charts.push(
    lineChart({
      title: 'Unusable free index and fragmentation index ×1000 (M2, M3)',
      xLabel,
      yLabel: '×1000',
      x,
      yMin: -1000,
      yMax: 1000,
      series: idx.map((c) => ({ name: c.replace('_index_order', ' ').replace(/_n(\d+)_/, ' n$1 '), values: col(ts, c) })),
    }),
  );
  const blockTypes = ts.columns.filter((c) => c.startsWith('pageblocks_'));
  if (blockTypes.length) {
    charts.push(lineChart({ title: 'Pageblocks per migratetype (M7)', xLabel, yLabel: 'pageblocks', x, yMin: 0, series: blockTypes.map((c) => ({ name: c.slice('pageblocks_'.length), values: col(ts, c) })) }));
  }
  const counters = ['compact_stall', 'compact_success', 'compact_fail', 'compact_daemon_wake', 'pgmigrate_success', 'extfrag_events', 'extfrag_fragmenting'];
  charts.push(lineChart({ title: 'Compaction and fallback counters (cumulative)', xLabel, yLabel: 'count (log scale)', x, logY: true, series: counters.map((c) => ({ name: c, values: col(ts, c) })) }));
  const stall = col(ts, 'compact_stall');
  const success = col(ts, 'compact_success');
  charts.push(
    lineChart({
      title: 'Direct compaction success rate (M15, cumulative)',
      xLabel,
      yLabel: 'success / stall',
      x,
      yMin: 0,
      yMax: 1,
      series: [{ name: 'success rate', values: stall.map((s, i) => (s ? success[i]! / s : null)) }],
    }),
  );
  return charts;
}

function metricsTable(snaps: readonly ReportSnapshot[]): string {
  const rows: [string, (m: MetricsSnapshot) => string][] = [
    ['simulated time (s)', (m) => (m.simulatedNs / 1e9).toFixed(3)],
    ['M2 unusable index, order 9 (×1000)', (m) => m.zones.map((z) => `n${z.node} ${z.zone} ${z.unusableIndex[9]}`).join(', ')],
    ['M3 fragmentation index, order 9 (×1000)', (m) => m.zones.map((z) => `n${z.node} ${z.zone} ${z.extfragIndex[9]}`).join(', ')],
    ['M4 proactive score (node: score / high wmark)', (m) => m.proactiveScore.map((n) => `${n.node}: ${n.score}/${n.wmarkHigh}`).join(', ')],
    ['M5 S9 (free 2 MiB blocks)', (m) => String(m.zones.reduce((s, z) => s + z.s9, 0))],
    ['M6 longest free run (pages)', (m) => String(m.freeRuns.longestRun)],
    ['M7 pageblocks U / M / R', (m) => m.pageblocks.blocksByType.slice(0, 3).join(' / ')],
    ['M8 mixed movable ratio', (m) => pct(m.pageblocks.mixedMovableRatio)],
    ['M9 unmovable spread (recoverable regions)', (m) => `${pct(m.pageblocks.unmovableSpreadRatio)} (${m.pageblocks.recoverableRegions})`],
    ['M10 extfrag events (fragmenting, U→M)', (m) => `${m.extfrag.total} (${m.extfrag.fragmenting}, ${m.extfrag.unmovableInMovable})`],
    ['M12 THP fault huge ratio', (m) => pct(m.thp.hugeRatio)],
    ['M13 2 MiB frames per occupancy level 0..9', (m) => m.pageblocks.occupancyLevels.join(' ')],
    ['M15 compaction success rate', (m) => pct(m.compaction.successRate)],
    ['M16 scan efficiency', (m) => num(m.compaction.scanEfficiency)],
    ['M17 scanned per migrated', (m) => num(m.compaction.scannedPerMigrated)],
    ['M18 compaction cost (MB)', (m) => m.compaction.costMB.toFixed(3)],
    ['M19 deferred / kcompactd wakes / skip blocks', (m) => `${m.activity.deferred} / ${m.activity.kcompactdWakes} / ${m.activity.skipBlocks}`],
    ['M20 pages moved per free huge frame', (m) => num(m.compaction.movesPerFreeHugeFrame)],
    ['M22 balloon inflated / deflated / migrated', (m) => `${m.balloon.inflated} / ${m.balloon.deflated} / ${m.balloon.migrated}`],
  ];
  const head = `<tr><th>metric</th>${snaps.map((s) => `<th>${esc(s.name)}</th>`).join('')}</tr>`;
  const body = rows.map(([label, f]) => `<tr><td>${esc(label)}</td>${snaps.map((s) => `<td>${esc(f(s.metrics))}</td>`).join('')}</tr>`).join('\n');
  return `<table>${head}\n${body}</table>`;
}

/** M14: one row per measured step, in simulated microseconds. */
function latencyTable(latency: MetricsSnapshot['latencyNs']): string {
  const us = (ns: number): string => (ns / 1000).toFixed(1);
  const rows = Object.entries(latency ?? {}).map(
    ([step, l]) => `<tr><td>${esc(step)}</td><td>${l.count}</td><td>${us(l.mean)}</td><td>${us(l.p50)}</td><td>${us(l.p95)}</td><td>${us(l.p99)}</td><td>${us(l.max)}</td></tr>`,
  );
  return `<table><tr><th>phase/step</th><th>count</th><th>mean µs</th><th>p50</th><th>p95</th><th>p99</th><th>max</th></tr>\n${rows.join('\n')}</table>`;
}

/**
 * report.html: one self-contained page (inline CSS and SVG, no scripts, no external resources)
 * with the metric table per phase, the time-series charts, M11 success rates and a physical
 * memory map per phase.
 */
export function renderReportHtml(input: ReportInput): string {
  const final = input.snapshots.at(-1);
  const passes = final?.metrics.highOrder ?? [];
  const bars = passes.map((p) => ({ label: `${p.phase}: ${p.label} order ${p.order}`, value: p.successRate }));
  const parts = [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>mmsim report: ${esc(input.scenario)}</title>`,
    '<style>body{font-family:sans-serif;margin:24px;color:#222}table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}th{background:#f4f4f4}svg{display:block;margin:12px 0}h2{margin-top:32px}</style>',
    '</head><body>',
    `<h1>mmsim report: ${esc(input.scenario)}</h1>`,
    `<p>seed ${input.seed}, ${(input.simulatedNs / 1e9).toFixed(3)} s simulated, ${input.timeseries.rows.length} samples. Metric ids refer to experiments.md §2.</p>`,
    '<h2>Metrics per phase</h2>',
    metricsTable(input.snapshots),
    '<h2>Over time</h2>',
    ...timeseriesCharts(input.timeseries),
  ];
  if (final?.metrics.latencyNs) parts.push('<h2>Allocation and fault latency (M14, simulated)</h2>', latencyTable(final.metrics.latencyNs));
  if (bars.length) parts.push('<h2>High-order allocation success (M11)</h2>', barChart('Success rate per pass', bars));
  parts.push('<h2>Physical memory map</h2>');
  for (const s of input.snapshots) parts.push(memoryMapSvg(s.map, { title: `${s.name} (${(s.metrics.simulatedNs / 1e9).toFixed(3)} s)` }));
  parts.push('</body></html>', '');
  return parts.join('\n');
}
