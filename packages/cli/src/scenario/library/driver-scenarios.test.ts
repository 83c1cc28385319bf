import { describe, expect, test } from '@jest/globals';
import { runScenario, type RunArtifacts } from '../../engine/run-scenario';
import { validateScenario } from '../load';
import { findLibraryScenario } from './index';

const RAM_MIB = 64;

const runs = new Map<string, Promise<RunArtifacts>>();
function run(name: string): Promise<RunArtifacts> {
  let r = runs.get(name);
  if (!r) {
    r = runScenario(validateScenario(findLibraryScenario(name)!.build({ ramMiB: RAM_MIB }), name), { png: false });
    runs.set(name, r);
  }
  return r;
}

type StepRow = { phase: string; kind: string; detail?: Record<string, any> };
const steps = (a: RunArtifacts): StepRow[] => a.summary.workload.steps as StepRow[];

describe('driver scenarios do what their workload says', () => {
  test('zram-pressure: reclaim swaps anon pages into zram, whose zsmalloc pool holds them compressed', async () => {
    const a = await run('zram-pressure');
    const c = a.summary.counters;
    expect(c['pswpout']).toBeGreaterThan(0);
    const [dev] = steps(a).find((s) => s.kind === 'zram-stat')!.detail!['devices'];
    // Every page swapped out went to zram (priority 10 beats the boot-time area's -1) and is still there.
    expect(dev.pagesStored).toBeGreaterThan(0);
    expect(dev.pagesStored).toBeLessThanOrEqual(c['pswpout']!);
    expect(dev.mmStat.origDataSize).toBe(dev.pagesStored * 4096);
    // The text pages are not same-filled: they cost pool pages, about a quarter of their size.
    expect(dev.mmStat.samePages).toBe(0);
    expect(dev.pool.pagesAllocated).toBeGreaterThan(0);
    expect(dev.mmStat.memUsedTotal).toBe(dev.pool.pagesAllocated * 4096);
    expect(dev.mmStat.comprDataSize).toBeLessThan(dev.mmStat.origDataSize / 2);
    expect(dev.pool.objUsed).toBe(dev.pagesStored);
    expect(dev.pool.objAllocated).toBeGreaterThanOrEqual(dev.pool.objUsed);
    // M8 is reported: the build's unmovable and reclaimable pages mix into movable blocks.
    expect(a.summary.metrics.pageblocks.mixedMovableRatio).toBeGreaterThan(0);
  });
});
