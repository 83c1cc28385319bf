import { describe, expect, test } from '@jest/globals';
import { LatencyRecorder } from './latency';

describe('LatencyRecorder', () => {
  test('nearest-rank percentiles, mean and max', () => {
    const r = new LatencyRecorder();
    for (let i = 100; i >= 1; i--) r.add(i * 10);
    expect(r.summary()).toEqual({ count: 100, mean: 505, p50: 500, p95: 950, p99: 990, max: 1000 });
  });

  test('an empty recorder summarises to zeros', () => {
    expect(new LatencyRecorder().summary()).toEqual({ count: 0, mean: 0, p50: 0, p95: 0, p99: 0, max: 0 });
  });

  test('one value is every percentile', () => {
    const r = new LatencyRecorder();
    r.add(7);
    expect(r.summary()).toEqual({ count: 1, mean: 7, p50: 7, p95: 7, p99: 7, max: 7 });
  });
});
