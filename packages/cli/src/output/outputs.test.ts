import { describe, expect, test } from '@jest/globals';
import { renderCsv } from './csv';
import { phaseProcDir } from './proc-files';
import { renderTraceJson } from './trace-json';

describe('renderCsv', () => {
  test('quotes fields with commas or quotes, leaves nulls empty', () => {
    expect(renderCsv(['a', 'b'], [['x,y', null], ['say "hi"', 3]])).toBe('a,b\n"x,y",\n"say ""hi""",3\n');
  });
});

describe('phaseProcDir', () => {
  test.each([
    [0, 'age', 'proc/00-age'],
    [12, '../etc passwd', 'proc/12-___etc_passwd'],
  ])('%i %s', (i, name, dir) => {
    expect(phaseProcDir(i, name)).toBe(dir);
  });
});

describe('renderTraceJson', () => {
  test('instants at simulated µs, phases as complete events, counters per sample', () => {
    const json = JSON.parse(
      renderTraceJson(
        [{ name: 'mm_page_alloc_extfrag', ns: 1500, cpu: 1, args: { pfn: 7 } }],
        [{ name: 'age', startNs: 0, endNs: 2_000_000 }],
        [{ name: 'free', timesNs: [0, 1000], series: { order0: [5, 6] } }],
        2,
      ),
    ) as { traceEvents: Record<string, unknown>[]; otherData: { droppedEvents: number } };
    const byPh = (ph: string) => json.traceEvents.filter((e) => e['ph'] === ph);
    expect(byPh('i')).toEqual([{ name: 'mm_page_alloc_extfrag', cat: 'tracepoint', ph: 'i', s: 'g', pid: 1, tid: 2, ts: 1.5, args: { pfn: 7 } }]);
    expect(byPh('X')).toEqual([{ name: 'age', cat: 'phase', ph: 'X', pid: 1, tid: 0, ts: 0, dur: 2000 }]);
    expect(byPh('C').map((e) => [e['ts'], e['args']])).toEqual([[0, { order0: 5 }], [1, { order0: 6 }]]);
    expect(json.otherData.droppedEvents).toBe(2);
  });
});
