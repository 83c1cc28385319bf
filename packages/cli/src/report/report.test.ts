import { describe, expect, test } from '@jest/globals';
import { barChart, lineChart } from './line-chart';
import { cellColour, memoryMapSvg } from './memory-map';
import { timeseriesCharts } from './html';
import { esc, niceTicks } from './svg';

describe('svg helpers', () => {
  test.each([
    [0, 1000, 5, [0, 200, 400, 600, 800, 1000]],
    [0, 7, 5, [0, 2, 4, 6]],
    [-1000, 1000, 4, [-1000, -500, 0, 500, 1000]],
  ])('niceTicks(%d, %d, %d)', (lo, hi, n, ticks) => {
    expect(niceTicks(lo, hi, n)).toEqual(ticks);
  });

  test('esc', () => {
    expect(esc('<a & "b">')).toBe('&lt;a &amp; &quot;b&quot;&gt;');
  });
});

describe('lineChart', () => {
  test('a null value breaks the line into two segments; titles are escaped', () => {
    const svg = lineChart({ title: 'a<b', xLabel: 'x', yLabel: 'y', x: [0, 1, 2, 3], series: [{ name: 's', values: [1, 2, null, 4] }] });
    const path = /<path d="([^"]+)"/.exec(svg)![1]!;
    expect(path.match(/M/g)).toHaveLength(2);
    expect(svg).toContain('a&lt;b');
  });

  test('log axis ticks are powers of ten', () => {
    const svg = lineChart({ title: 't', xLabel: 'x', yLabel: 'y', x: [0, 1], series: [{ name: 's', values: [0, 999] }], logY: true });
    expect(svg).toContain('>1000</text>');
    expect(svg).toContain('>100</text>');
  });

  test('barChart writes n/a for passes without attempts', () => {
    const svg = barChart('t', [{ label: 'a', value: 0.5 }, { label: 'b', value: null }]);
    expect(svg).toContain('50.0%');
    expect(svg).toContain('n/a');
  });
});

describe('memory map', () => {
  // Full: the migratetype colour itself (Movable 40,110,200). Empty: 12% of the way from white,
  // 255 - (255 - c)·0.12 rounded (Unmovable 200,40,40 → 248,229,229).
  test.each([
    [1, 1, '#286ec8'],
    [0, 0, '#f8e5e5'],
    [1, 0, '#e5eef8'],
  ])('cellColour(mt %i, used %d)', (mt, used, colour) => {
    expect(cellColour(mt, used)).toBe(colour);
  });

  test('one cell per pageblock with memory, a corner mark per mixed block', () => {
    const map = {
      migratetype: Uint8Array.from([1, 0, 0xff]),
      free: Uint16Array.from([100, 0, 0]),
      present: Uint16Array.from([512, 512, 0]),
      foreign: Uint16Array.from([3, 0, 0]),
    };
    const svg = memoryMapSvg(map, { title: 'm' });
    expect(svg.match(/<title>pageblock/g)).toHaveLength(2);
    expect(svg).toContain('412/512 pages in use, 3 of another mobility');
    expect(svg.match(/fill="#000"/g)).toHaveLength(1);
  });
});

describe('timeseriesCharts x axis', () => {
  const columns = ['time_ns', 'free_blocks_order0', 'compact_stall', 'compact_success'];
  test('samples that all sit at t = 0 are plotted by sample number', () => {
    const svgs = timeseriesCharts({ columns, rows: [[0, 5, 0, 0], [0, 4, 1, 1], [0, 3, 2, 1]] });
    expect(svgs[0]).toContain('sample (phase ends, in order; no simulated time passed)');
    expect(svgs[0]).not.toContain('simulated time (s)');
  });
  test('a chart of pageblocks per migratetype (M7) when the series has them', () => {
    const svgs = timeseriesCharts({ columns: [...columns, 'pageblocks_unmovable', 'pageblocks_movable'], rows: [[0, 5, 0, 0, 3, 29], [1e8, 4, 1, 1, 4, 28]] });
    const m7 = svgs.find((svg) => svg.includes('Pageblocks per migratetype (M7)'));
    expect(m7).toContain('unmovable');
    expect(m7).toContain('movable');
  });
  test('samples spread over simulated time keep the time axis', () => {
    const svgs = timeseriesCharts({ columns, rows: [[0, 5, 0, 0], [1e8, 4, 1, 1]] });
    expect(svgs[0]).toContain('simulated time (s)');
  });
});
