import { balloonThp } from './balloon-thp';
import { compactionTest } from './compaction-test';
import { fragLlfree } from './frag-llfree';
import { fragQuicksilver } from './frag-quicksilver';
import { pinnedScatter } from './pinned-scatter';
import { stressHighalloc } from './stress-highalloc';
import { thpscale } from './thpscale';
import type { LibraryScenario } from './types';
import { unmovableInterleave } from './unmovable-interleave';
import { zramPressure } from './zram-pressure';

export type { LibraryOptions, LibraryScenario } from './types';

/** The built-in scenarios, runnable as `mmsim run NAME`, in experiments.md §3 order. */
export const SCENARIO_LIBRARY: readonly LibraryScenario[] = [
  stressHighalloc,
  compactionTest,
  thpscale,
  fragQuicksilver,
  fragLlfree,
  unmovableInterleave,
  pinnedScatter,
  zramPressure,
  balloonThp,
];

export function findLibraryScenario(name: string): LibraryScenario | undefined {
  return SCENARIO_LIBRARY.find((s) => s.name === name);
}
