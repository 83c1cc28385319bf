import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runScenario, type RunArtifacts } from '../../engine/run-scenario';
import { cli, tempDir } from '../../testing';

import { RAM_MIB, runLibrary as run } from './__fixtures__/run-library';

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

  test('balloon-thp: compaction migrates balloon pages; free 2 MiB blocks (M5) drop when fragmented and recover after compaction and deflation', async () => {
    const a = await run('balloon-thp');
    const [inflate, deflate] = steps(a).filter((s) => s.kind === 'balloon');
    expect(inflate!.detail!['settled']).toBe(true);
    expect(inflate!.detail!['numPages']).toBe(inflate!.detail!['target']);
    // Half of MemTotal as it read before inflation (= at the end, after deflation).
    expect(inflate!.detail!['target']).toBe(Math.floor(a.summary.memory.managedPages / 2));
    expect(inflate!.detail!['balloon_migrate']).toBe(0);
    // Inflating took the pages out of MemTotal (adjust_managed_page_count); deflating gave them back.
    expect(inflate!.detail!['memTotalPages']).toBe(a.summary.memory.managedPages - inflate!.detail!['numPages']);
    expect(deflate!.detail!).toMatchObject({ settled: true, numPages: 0, target: 0 });
    expect(deflate!.detail!['balloon_deflate']).toBe(inflate!.detail!['balloon_inflate']);
    // The compaction phase moved balloon pages (balloon_mops), each one also a pgmigrate_success.
    const c = a.summary.counters;
    expect(c['balloon_migrate']).toBeGreaterThan(0);
    expect(deflate!.detail!['balloon_migrate']).toBe(c['balloon_migrate']);
    expect(c['pgmigrate_success']).toBeGreaterThanOrEqual(c['balloon_migrate']!);
    const s9 = (phase: string) => a.summary.phases.find((p) => p.phase === phase)!.metrics.zones.reduce((n, z) => n + z.s9, 0);
    expect(s9('fragment')).toBeLessThan(s9('inflate'));
    expect(s9('compact')).toBeGreaterThan(s9('fragment'));
    expect(s9('deflate')).toBeGreaterThan(s9('compact'));
  });
});

describe('driver scenarios from the command line', () => {
  test.each([['zram-pressure', 'zram-stat'], ['balloon-thp', 'balloon']])('mmsim run %s --ram 64 gives the same summary as runScenario', async (name, lastKind) => {
    const out = tempDir();
    const r = await cli('run', name, '--ram', '64', '--out', out, '--quiet');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.scenario.name).toBe(name);
    expect(summary.workload.steps.at(-1).kind).toBe(lastKind);
    expect(summary.counters).toEqual((await run(name)).summary.counters);
  });
});
