import { describe, expect, test } from '@jest/globals';
import { highOrderPasses, stepLatencies, thpOutcome } from './allocation';

describe('allocation outcome (M11, M12, M14)', () => {
  test('M11: success rate per pass, null without attempts', () => {
    const passes = highOrderPasses([{ phase: 'p', step: 1, label: 'THP', orders: [{ order: 9, attempts: 8, successes: 2 }, { order: 10, attempts: 0, successes: 0 }] }]);
    expect(passes.map((p) => [p.order, p.successRate])).toEqual([[9, 0.25], [10, null]]);
  });

  test.each([
    [{ thp_fault_alloc: 3, thp_fault_fallback: 1 }, 0.75, 0.25],
    [{ thp_fault_alloc: 0, thp_fault_fallback: 0 }, null, null],
  ])('M12 %j', (c, huge, fallback) => {
    expect(thpOutcome(c)).toEqual({ hugeRatio: huge, fallbackRate: fallback });
  });

  test('M14: only steps that carry a full latency summary are reported', () => {
    const l = { count: 2, mean: 150, p50: 100, p95: 200, p99: 200, max: 200 };
    expect(stepLatencies([{ phase: 'a', step: 0, latencyNs: l }, { phase: 'a', step: 1 }, { phase: 'b', step: 0, latencyNs: { count: 1 } }])).toEqual({ 'a/0': l });
  });

  test('M14: base/huge split and repeated-phase iterations get their own keys', () => {
    const l = { count: 1, mean: 5, p50: 5, p95: 5, p99: 5, max: 5 };
    const h = { ...l, max: 9 };
    expect(stepLatencies([{ phase: 'f', step: 2, iteration: 1, latencyNs: { base: l, huge: h } }, { phase: 'f', step: 2, iteration: 0, latencyNs: l }])).toEqual({
      'f/2#1/base': l,
      'f/2#1/huge': h,
      'f/2#0': l,
    });
  });
});
