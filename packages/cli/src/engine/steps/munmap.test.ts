import { describe, expect, test } from '@jest/globals';
import { validateScenario } from '../../scenario/load';
import type { StepInput } from '../../scenario/schema';
import { WorkloadRunner } from '../run-workload';
import { bootKernel } from '../sim-kernel';
import { memFreePages } from './context';

const MIB_PAGES = 256;

/** Maps and faults 16 MiB of THP-advised anon memory, then runs `munmap`; returns free pages gained and the step's detail. */
async function punch(munmap: StepInput): Promise<{ gainedPages: number; detail: Record<string, unknown> }> {
  const scenario = validateScenario({
    name: 't',
    seed: 1,
    machine: { nodes: [{ memory: '64MiB' }], layout: 'flat' },
    workload: {
      phases: [
        { name: 'map', steps: [{ kind: 'mmap', region: 'a', size: { mib: 16 }, thp: 'hugepage' }, { kind: 'fault', region: 'a' }, { kind: 'drain' }] },
        { name: 'punch', steps: [munmap, { kind: 'drain' }] },
      ],
    },
  });
  const kernel = bootKernel({ machine: scenario.machine, seed: 1 });
  try {
    const free: number[] = [];
    const result = new WorkloadRunner(kernel, scenario, undefined, () => free.push(memFreePages(kernel))).run();
    const fault = result.steps.find((s) => s.kind === 'fault')!;
    expect(fault.detail!['huge']).toBe(8);
    return { gainedPages: free[1]! - free[0]!, detail: result.steps.find((s) => s.kind === 'munmap')!.detail! };
  } finally {
    await kernel.dispose();
  }
}

describe('munmap step', () => {
  test('every other whole chunk: half the region comes back', async () => {
    const r = await punch({ kind: 'munmap', region: 'a', chunk: { mib: 4 }, every: 2, startAt: 1 });
    expect(r.detail).toMatchObject({ calls: 2, bytes: 8 * 1024 * 1024, thpSplit: 0 });
    // Plus the page-table pages of the unmapped ranges (free_pgtables).
    expect(r.gainedPages).toBeGreaterThanOrEqual(8 * MIB_PAGES);
    expect(r.gainedPages).toBeLessThan(8 * MIB_PAGES + 16);
  });

  test('all but the last 64 KiB of every 2 MiB: the THPs are split and 496 pages of each freed', async () => {
    const r = await punch({ kind: 'munmap', region: 'a', chunk: { mib: 2 }, lengthKiB: 2048 - 64 });
    expect(r.detail).toMatchObject({ calls: 8, bytes: 8 * (2048 - 64) * 1024, thpSplit: 8 });
    expect(r.gainedPages).toBeGreaterThanOrEqual(8 * 496);
  });

  test('without the deferred split a partial munmap frees nothing: the THPs stay whole', async () => {
    const r = await punch({ kind: 'munmap', region: 'a', chunk: { mib: 2 }, lengthKiB: 1024, deferredSplit: false });
    expect(r.detail).toMatchObject({ calls: 8, thpSplit: 0 });
    expect(r.gainedPages).toBeLessThan(MIB_PAGES);
  });

  test('an unknown region is a usage error naming it', async () => {
    await expect(punch({ kind: 'munmap', region: 'b' })).rejects.toThrow('munmap step: no region "b"; map it with an earlier mmap step');
  });
});
