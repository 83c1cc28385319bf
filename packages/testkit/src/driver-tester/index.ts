export * from './driver-tester';
export * from './types';
export * from './ops-spy';
export * from './session';
export type { CaseSettings, ConformanceCase } from './conformance-case';
