import type { DriverSession } from './session';
import type { DriverHarness } from './types';

/** Settings every case sees (resolved DriverTesterOptions). */
export interface CaseSettings {
  pages: number;
  steps: number;
  seed: number | string;
}

/** One generated test: a describe group, a name, and a body run on a fresh DriverSession. */
export interface ConformanceCase {
  group: string;
  name: string;
  run(s: DriverSession, settings: CaseSettings): void;
}

/** Builds the cases that apply to a harness (e.g. storms only when it can contend). */
export type CaseFactory = (harness: DriverHarness, nrNodes: number) => ConformanceCase[];

/** Short names of the migrate modes used in test titles. */
export const MODE_NAMES = ['MIGRATE_ASYNC', 'MIGRATE_SYNC_LIGHT', 'MIGRATE_SYNC', 'MIGRATE_SYNC_NO_COPY'] as const;
