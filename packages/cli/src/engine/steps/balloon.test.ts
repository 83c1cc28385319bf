import { describe, expect, test } from '@jest/globals';
import { validateScenario } from '../../scenario/load';
import { runScenario } from '../run-scenario';

const scenario = (steps: unknown[]) => validateScenario({ name: 'b', seed: 1, machine: { nodes: [{ memory: '32MiB' }], layout: 'flat' }, workload: { phases: [{ name: 'p', steps }] } });

describe('balloon step', () => {
  test('loads the driver once with its options, inflates in 256-page batches at the host latency, then deflates', async () => {
    const a = await runScenario(scenario([
      { kind: 'balloon', target: { pages: 1024 }, hostLatencyNs: 100_000 },
      // Options of a later step are ignored: the driver is already loaded.
      { kind: 'balloon', target: { pages: 0 }, hostLatencyNs: 1 },
    ]), { png: false });
    const [up, down] = (a.summary.workload.steps as { detail: Record<string, any> }[]).map((s) => s.detail);
    const memTotal = a.summary.memory.managedPages;
    expect(up).toMatchObject({ target: 1024, numPages: 1024, settled: true, memTotalPages: memTotal - 1024, balloon_inflate: 1024, balloon_deflate: 0 });
    // VIRTIO_BALLOON_ARRAY_PFNS_MAX = 256: four inflate batches, each waiting for the host.
    expect(up!['settleNs']).toBeGreaterThanOrEqual(4 * 100_000);
    expect(down).toMatchObject({ target: 0, numPages: 0, settled: true, memTotalPages: memTotal, balloon_deflate: 1024 });
    expect(down!['settleNs']).toBeGreaterThanOrEqual(4 * 100_000);
  });

  test('a fraction is of MemTotal at the start of the workload, not of what inflation left', async () => {
    const a = await runScenario(scenario([
      { kind: 'balloon', target: { fraction: 0.25, of: 'MemTotal' } },
      { kind: 'balloon', target: { fraction: 0.5, of: 'MemTotal' } },
    ]), { png: false });
    const [q, h] = (a.summary.workload.steps as { detail: Record<string, any> }[]).map((s) => s.detail);
    const start = q!['memTotalPages'] + q!['numPages'];
    expect(q!['target']).toBe(Math.floor(start / 4));
    expect(h!['target']).toBe(Math.floor(start / 2));
    expect(h!['numPages']).toBe(h!['target']);
  });
});
