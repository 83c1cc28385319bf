/** A benchmark target: the metric should be at most (`<=`) or at least (`>=`) `value`. */
export interface BenchTarget {
  metric: string;
  op: '<=' | '>=';
  value: number;
}

export interface BenchMetric {
  /** JSON key, e.g. allocFreeOrder0PerSec. */
  key: string;
  value: number;
  unit: string;
  description: string;
}

export interface SuiteResult {
  metrics: BenchMetric[];
  targets: BenchTarget[];
}

/**
 * A named benchmark suite. Suites measure wall-clock time, so they live only behind
 * `mmsim bench`, never in tests; each returns plain numbers so results can be compared across runs.
 */
export interface BenchSuite {
  readonly name: string;
  readonly description: string;
  run(log: (line: string) => void): Promise<SuiteResult>;
}

/** Whether a metric meets its target. */
export function meetsTarget(target: BenchTarget, value: number): boolean {
  return target.op === '<=' ? value <= target.value : value >= target.value;
}
