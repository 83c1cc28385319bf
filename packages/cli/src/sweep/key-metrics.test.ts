import { describe, expect, test } from '@jest/globals';
import { keyMetrics } from './key-metrics';

describe('keyMetrics', () => {
  test('picks the listed paths that are numbers, and the high-order success rate', () => {
    const summary = {
      scenario: { extfrag: { total: 999 } },
      extfrag: { total: 4, fragmenting: 2 },
      counters: { compact_stall: 3, nr_free_pages: 10 },
      metrics: { compaction: { successRate: null, costMB: 1.5 }, pageblocks: { mixedMovableRatio: 0.25 } },
      workload: { highOrder: [{ orders: [{ attempts: 4, successes: 1 }, { attempts: 4, successes: 2 }] }, { orders: [{ attempts: 2, successes: 2 }] }] },
    };
    expect(keyMetrics(summary)).toEqual({
      'extfrag.total': 4,
      'extfrag.fragmenting': 2,
      'metrics.pageblocks.mixedMovableRatio': 0.25,
      'counters.compact_stall': 3,
      'metrics.compaction.costMB': 1.5,
      highOrderSuccessPct: 50,
    });
  });

  test('no high-order attempts: no success rate', () => {
    expect(keyMetrics({ workload: { highOrder: [] } })).toEqual({});
  });
});
