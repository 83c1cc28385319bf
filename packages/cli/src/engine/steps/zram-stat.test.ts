import { describe, expect, test } from '@jest/globals';
import { UsageError } from '../../cli-error';
import { validateScenario } from '../../scenario/load';
import { runScenario } from '../run-scenario';

const scenario = (steps: unknown[]) => validateScenario({ name: 'z', seed: 1, machine: { nodes: [{ memory: '32MiB' }], layout: 'flat' }, workload: { phases: [{ name: 'p', steps }] } });

describe('zram-swap and zram-stat steps', () => {
  test('zram-stat before any zram-swap is a usage error naming the fix', async () => {
    await expect(runScenario(scenario([{ kind: 'zram-stat' }]), { png: false })).rejects.toThrow(UsageError);
    await expect(runScenario(scenario([{ kind: 'zram-stat' }]), { png: false })).rejects.toThrow(/no zram device; create one with an earlier zram-swap step/);
  });

  test('each zram-swap makes the next zramN at its priority; zram-stat reports both, empty before any swap-out', async () => {
    const a = await runScenario(scenario([
      { kind: 'zram-swap', disksize: { mib: 4 } },
      { kind: 'zram-swap', disksize: { fraction: 0.5, of: 'MemTotal' }, memLimit: { mib: 1 }, priority: 3 },
      { kind: 'zram-stat' },
    ]), { png: false });
    const [first, second, stat] = a.summary.workload.steps as { detail: Record<string, any> }[];
    expect(first!.detail).toMatchObject({ device: 'zram0', disksize: 4 << 20, memLimit: 0, priority: 10 });
    expect(second!.detail).toMatchObject({ device: 'zram1', memLimit: 1 << 20, priority: 3 });
    expect(stat!.detail['devices'].map((d: any) => [d.device, d.pagesStored, d.mmStat.memLimit, d.pool.pagesAllocated])).toEqual([
      ['zram0', 0, 0, 0],
      ['zram1', 0, 1 << 20, 0],
    ]);
  });
});
