import { MIGRATETYPE_NAMES, pageblock_order } from '@mmsim/core';
import type { PageblockMap } from '../metrics/pageblocks';
import { esc } from './svg';

/** Hue per migratetype (Unmovable, Movable, Reclaimable, HighAtomic, CMA, Isolate). */
const MT_RGB: readonly (readonly [number, number, number])[] = [
  [200, 40, 40],
  [40, 110, 200],
  [230, 140, 20],
  [140, 60, 170],
  [20, 150, 130],
  [110, 110, 110],
];

/** The migratetype's colour mixed with white by how empty the block is (full = saturated). */
export function cellColour(mt: number, used: number): string {
  const [r, g, b] = MT_RGB[mt] ?? [0, 0, 0];
  const k = 0.12 + 0.88 * Math.max(0, Math.min(1, used));
  const mix = (c: number): string => Math.round(255 - (255 - c) * k).toString(16).padStart(2, '0');
  return `#${mix(r)}${mix(g)}${mix(b)}`;
}

export interface MemoryMapOptions {
  title: string;
  columns?: number;
  cell?: number;
}

/**
 * Physical memory as one cell per pageblock (2 MiB), in pfn order, row by row: coloured by the
 * block's migratetype, darker the fuller it is; a black corner marks a mixed block (allocated
 * pages of another mobility, experiments.md M8); holes are left blank.
 */
export function memoryMapSvg(map: PageblockMap, opts: MemoryMapOptions): string {
  const n = map.migratetype.length;
  const cols = opts.columns ?? Math.min(64, Math.max(8, Math.ceil(Math.sqrt(n * 2))));
  const cell = opts.cell ?? (n > 4096 ? 6 : 11);
  const rows = Math.ceil(n / cols);
  const top = 26;
  const legendH = 40;
  const W = Math.max(cols * cell + 20, 560);
  const H = top + rows * cell + legendH;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="10" y="17" font-size="13" font-weight="bold">${esc(opts.title)}</text>`,
  ];
  for (let b = 0; b < n; b++) {
    const mt = map.migratetype[b]!;
    if (mt === 0xff) continue;
    const x = 10 + (b % cols) * cell;
    const y = top + Math.floor(b / cols) * cell;
    const present = map.present[b]!;
    const used = present ? (present - map.free[b]!) / present : 0;
    const pfn = b << pageblock_order;
    out.push(
      `<rect x="${x}" y="${y}" width="${cell - 1}" height="${cell - 1}" fill="${cellColour(mt, used)}"><title>pageblock ${b} (pfn 0x${pfn.toString(16)}): ${MIGRATETYPE_NAMES[mt]}, ${present - map.free[b]!}/${present} pages in use${map.foreign[b] ? `, ${map.foreign[b]} of another mobility` : ''}</title></rect>`,
    );
    if (map.foreign[b]) out.push(`<path d="M${x} ${y}h${Math.ceil(cell / 2)}L${x} ${y + Math.ceil(cell / 2)}z" fill="#000"/>`);
  }
  const ly = top + rows * cell + 16;
  MIGRATETYPE_NAMES.forEach((name, mt) => {
    const x = 10 + mt * 92;
    out.push(`<rect x="${x}" y="${ly - 9}" width="10" height="10" fill="${cellColour(mt, 1)}"/><text x="${x + 14}" y="${ly}">${esc(name)}</text>`);
  });
  out.push(`<text x="10" y="${ly + 18}" fill="#444">darker = fuller; black corner = mixed block (pages of another mobility)</text>`);
  out.push('</svg>');
  return out.join('\n');
}
