/**
 * The dependency-injection vocabulary for plugins, re-exported so that a plugin never imports
 * tsyringe itself: one tsyringe copy (toolchain.md P13) loaded after reflect-metadata (P1).
 * Deliberately absent: `singleton` and `registry`, which register in the global container at
 * decoration time and would leak state between kernels (P10).
 */
export { Lifecycle, delay, inject, injectAll, injectable, scoped } from 'tsyringe';
export type { DependencyContainer, Disposable, InjectionToken } from 'tsyringe';
