import { esc, fmt, niceTicks, PALETTE } from './svg';

export interface Series {
  name: string;
  /** One value per x; null leaves a gap. */
  values: readonly (number | null)[];
}

export interface LineChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  x: readonly number[];
  series: readonly Series[];
  /** Fixed y range (e.g. 0..1000 for the ×1000 indices); otherwise from the data. */
  yMin?: number;
  yMax?: number;
  /** Logarithmic y axis (log10(1 + v)), for counts that span orders of magnitude. */
  logY?: boolean;
  width?: number;
  height?: number;
}

const M = { left: 64, right: 190, top: 28, bottom: 44 };

/** A self-contained SVG line chart (axes, ticks, legend), no scripts or external resources. */
export function lineChart(spec: LineChartSpec): string {
  const W = spec.width ?? 760;
  const H = spec.height ?? 300;
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const xs = spec.x;
  const x0 = xs.length ? Math.min(...xs) : 0;
  const x1 = xs.length ? Math.max(...xs) : 1;
  const tf = (v: number): number => (spec.logY ? Math.log10(1 + Math.max(0, v)) : v);
  const vals = spec.series.flatMap((s) => s.values.filter((v): v is number => v !== null).map(tf));
  let y0 = spec.yMin ?? (vals.length ? Math.min(0, ...vals) : 0);
  let y1 = spec.yMax ?? (vals.length ? Math.max(...vals) : 1);
  if (spec.logY) y1 = Math.max(1, Math.ceil(y1));
  if (y1 <= y0) y1 = y0 + 1;
  const sx = (v: number): number => M.left + (x1 > x0 ? ((v - x0) / (x1 - x0)) * pw : pw / 2);
  const sy = (v: number): number => M.top + ph - ((v - y0) / (y1 - y0)) * ph;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${W / 2}" y="16" text-anchor="middle" font-size="13" font-weight="bold">${esc(spec.title)}</text>`,
  ];
  const yTicks = spec.logY ? Array.from({ length: y1 + 1 }, (_, k) => k) : niceTicks(y0, y1);
  for (const t of yTicks) {
    const y = sy(t).toFixed(1);
    out.push(`<line x1="${M.left}" x2="${M.left + pw}" y1="${y}" y2="${y}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${M.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${fmt(spec.logY ? (t ? 10 ** t : 0) : t)}</text>`);
  }
  for (const t of niceTicks(x0, x1, 6)) {
    const x = sx(t).toFixed(1);
    out.push(`<line x1="${x}" x2="${x}" y1="${M.top + ph}" y2="${M.top + ph + 4}" stroke="#333"/>`);
    out.push(`<text x="${x}" y="${M.top + ph + 16}" text-anchor="middle">${fmt(t)}</text>`);
  }
  out.push(`<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${M.left + pw / 2}" y="${H - 8}" text-anchor="middle">${esc(spec.xLabel)}</text>`);
  out.push(`<text transform="translate(14 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(spec.yLabel)}</text>`);
  spec.series.forEach((s, i) => {
    const colour = PALETTE[i % PALETTE.length]!;
    let d = '';
    let pen = false;
    s.values.forEach((v, j) => {
      if (v === null || xs[j] === undefined) {
        pen = false;
        return;
      }
      d += `${pen ? 'L' : 'M'}${sx(xs[j]!).toFixed(1)} ${sy(tf(v)).toFixed(1)}`;
      pen = true;
    });
    if (d) out.push(`<path d="${d}" fill="none" stroke="${colour}" stroke-width="1.5"/>`);
    const ly = M.top + 8 + i * 15;
    out.push(`<rect x="${W - M.right + 10}" y="${ly - 5}" width="12" height="3" fill="${colour}"/>`);
    out.push(`<text x="${W - M.right + 26}" y="${ly}" dominant-baseline="middle">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}

export interface Bar {
  label: string;
  /** null: nothing was attempted. */
  value: number | null;
}

/** A horizontal bar chart of ratios 0..1 shown as percentages (M11 success per pass). */
export function barChart(title: string, bars: readonly Bar[], width = 760): string {
  const rowH = 20;
  const left = 260;
  const pw = width - left - 60;
  const H = 36 + bars.length * rowH + 10;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${H}" viewBox="0 0 ${width} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${H}" fill="#fff"/>`,
    `<text x="${width / 2}" y="16" text-anchor="middle" font-size="13" font-weight="bold">${esc(title)}</text>`,
  ];
  bars.forEach((b, i) => {
    const y = 30 + i * rowH;
    out.push(`<text x="${left - 6}" y="${y + rowH / 2}" text-anchor="end" dominant-baseline="middle">${esc(b.label)}</text>`);
    out.push(`<rect x="${left}" y="${y + 3}" width="${pw}" height="${rowH - 6}" fill="#f0f0f0"/>`);
    if (b.value !== null) out.push(`<rect x="${left}" y="${y + 3}" width="${(pw * b.value).toFixed(1)}" height="${rowH - 6}" fill="${PALETTE[0]}"/>`);
    out.push(`<text x="${left + pw + 6}" y="${y + rowH / 2}" dominant-baseline="middle">${b.value === null ? 'n/a' : `${(100 * b.value).toFixed(1)}%`}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}
