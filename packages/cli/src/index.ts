/**
 * Programmatic API of @mmsim/cli: the scenario format and engine the `mmsim` command is built
 * on, for scripts and for later packages (scenario libraries, experiment sweeps).
 */
export * from './cli-error';
export * from './scenario/schema';
export { validateScenario, parseScenarioText, loadScenarioFile } from './scenario/load';
export { DEFAULT_SCENARIO } from './scenario/default-scenario';
export { runScenario, DEFAULT_TRACE_EVENTS, type RunArtifacts, type RunSummary, type RunOptions } from './engine/run-scenario';
export { writeOutputs } from './output/write-outputs';
export { BENCH_SUITES, findSuite } from './bench/registry';
export type { BenchSuite, SuiteResult, BenchMetric, BenchTarget } from './bench/suite';
export { runCli, createProgram } from './program';
