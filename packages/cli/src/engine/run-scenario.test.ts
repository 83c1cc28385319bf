import { describe, expect, test } from '@jest/globals';
import { loadScenarioFile } from '../scenario/load';
import { toStableJson } from '../output/stable-json';
import { SMALL_SCENARIO } from '../testing';
import { runScenario } from './run-scenario';
import { UsageError } from '../cli-error';

describe('runScenario outputs', () => {
  test('metrics per phase and final, every output file, and byte-identical summaries for one seed', async () => {
    const scenario = loadScenarioFile(SMALL_SCENARIO);
    const a = await runScenario(scenario, { png: false });
    const b = await runScenario(scenario, { png: false });
    expect(toStableJson(a.summary)).toBe(toStableJson(b.summary));
    expect(a.files['timeseries.csv']).toBe(b.files['timeseries.csv']);
    expect(a.summary.phases.map((p) => [p.index, p.phase])).toEqual([[0, 'age'], [1, 'probe']]);
    // M11 appears in the probe phase's snapshot only.
    expect(a.summary.phases[0]!.metrics.highOrder).toEqual([]);
    expect(a.summary.phases[1]!.metrics.highOrder.map((h) => h.order)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(a.summary.metrics.simulatedNs).toBe(a.summary.simulatedNs);
    // The final M1 matches the final /proc/buddyinfo counts.
    const z = a.summary.metrics.zones[0]!;
    const line = (a.files['proc/buddyinfo'] as string).split('\n')[0]!;
    expect(line.trim().split(/\s+/).slice(4).map(Number)).toEqual(z.buddyinfo);
    for (const f of ['metrics.csv', 'timeseries.csv', 'trace.txt', 'trace.json', 'report.html', 'proc/00-age/buddyinfo', 'proc/01-probe/pagetypeinfo']) {
      expect(a.files).toHaveProperty([f]);
    }
    expect(a.files['memory-map.png']).toBeUndefined();
    // trace.json parses and carries the extfrag events and the free-block counter track.
    const trace = JSON.parse(a.files['trace.json'] as string) as { traceEvents: { ph: string; name: string }[] };
    expect(trace.traceEvents.filter((e) => e.name === 'mm_page_alloc_extfrag')).toHaveLength(a.summary.extfrag.total);
    expect(trace.traceEvents.some((e) => e.ph === 'C')).toBe(true);
    // report.html is self-contained.
    const html = a.files['report.html'] as string;
    expect(html).not.toMatch(/<script|<link|src=|href=|url\(/);
    expect((html.match(/<svg /g) ?? []).length).toBeGreaterThanOrEqual(4 + 3);
  }, 60_000);

  test('memory-map.png is a PNG', async () => {
    const a = await runScenario(loadScenarioFile(SMALL_SCENARIO));
    const png = a.files['memory-map.png'] as Uint8Array;
    expect(Array.from(png.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  }, 60_000);

  test.each([[0], [-5], [Number.NaN]])('a sampling interval of %p ms is a usage error', async (ms) => {
    await expect(runScenario(loadScenarioFile(SMALL_SCENARIO), { sampleIntervalMs: ms })).rejects.toThrow(UsageError);
  });
});
