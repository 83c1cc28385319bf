import { afterEach, describe, expect, test } from '@jest/globals';
import { bootKernel, type SimKernel } from '../engine/sim-kernel';
import { PageOwner } from './page-owner';
import { metricRows } from './rows';
import { kernelMetrics, withWorkloadMetrics } from './snapshot';

let kernel: SimKernel | undefined;
afterEach(async () => {
  await kernel?.dispose();
  kernel = undefined;
});

describe('kernelMetrics + metricRows', () => {
  test('a fresh kernel: metrics in M order, free memory all order 10, no latency rows invented', () => {
    kernel = bootKernel({ machine: { nodes: [{ memory: '64MiB' }], layout: 'flat' }, seed: 1 });
    const owner = new PageOwner(kernel.events, kernel.mem.maxPfn);
    const { metrics } = kernelMetrics({
      mem: kernel.mem,
      simulatedNs: 0,
      counters: kernel.vmstat.snapshot(kernel.mem),
      classes: owner.classify(kernel.mem),
      extfrag: { total: 0, fragmenting: 0, unmovableInMovable: 0, changeOwnership: 0 },
      tracepoints: {},
      proactiveness: 20,
    });
    const m = withWorkloadMetrics(metrics, { steps: [{ phase: 'p', step: 0 }], highOrder: [{ phase: 'p', step: 1, label: 'x', orders: [{ order: 9, attempts: 2, successes: 1 }] }] }, new Set(['p']));
    const rows = metricRows(m);
    const ids = [...new Set(rows.map((r) => r.metric))];
    expect(ids).toEqual(['M1', 'M2', 'M3', 'M4', 'M5', 'M6', 'M7', 'M8', 'M9', 'M10', 'M11', 'M12', 'M13', 'M15', 'M16', 'M17', 'M18', 'M19', 'M20', 'M22']);
    expect(m.latencyNs).toBeUndefined();
    const value = (metric: string, key: string) => rows.find((r) => r.metric === metric && r.key === key)?.value;
    // Boot leaves (almost) everything in order-10 blocks: nothing unusable for order 9.
    const z = m.zones[0]!;
    expect(value('M2', `node0.${z.zone}.order9`)).toBe(z.unusableIndex[9]);
    expect(z.extfragIndex[9]).toBe(-1000);
    expect(value('M11', 'p/1/x/order9.success_rate')).toBe(0.5);
    expect(value('M15', 'success_rate')).toBeNull();
    expect(value('M18', 'cost_mb')).toBe(0);
    owner.stop();
  });
});
