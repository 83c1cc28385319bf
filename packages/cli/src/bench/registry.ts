import { compactionSuite } from './compaction-suite';
import { coreSuite } from './core-suite';
import { migrateSuite } from './migrate-suite';
import { balloonSuite } from './balloon-suite';
import { zsmallocSuite } from './zsmalloc-suite';
import type { BenchSuite } from './suite';

/**
 * Every benchmark suite, in the order `mmsim bench all` runs them. A new subsystem adds its suite
 * here (migrate, compaction, drivers) and becomes available as `mmsim bench <name>`.
 */
export const BENCH_SUITES: readonly BenchSuite[] = [coreSuite, migrateSuite, compactionSuite, zsmallocSuite, balloonSuite];

export function findSuite(name: string): BenchSuite | undefined {
  return BENCH_SUITES.find((s) => s.name === name);
}
