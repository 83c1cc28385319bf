import { GFP_KERNEL, PageFrames } from '@mmsim/core';
import { performance } from 'node:perf_hooks';
import { bootKernel } from '../engine/sim-kernel';
import { runScenario } from '../engine/run-scenario';
import { DEFAULT_SCENARIO } from '../scenario/default-scenario';
import { validateScenario } from '../scenario/load';
import type { BenchSuite, SuiteResult } from './suite';
import { loadTinybench } from './tinybench';

/** Live blocks kept per order in the steady-state alloc/free benchmarks (a FIFO ring). */
const RING = { 0: 4096, 9: 64 } as const;
/** alloc+free pairs per tinybench iteration, so timer overhead is negligible per pair. */
const BATCH = { 0: 4096, 9: 256 } as const;

/** Median of a few wall-clock runs of an expensive operation (boot, whole scenario). */
async function medianMs(runs: number, fn: () => Promise<void>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/**
 * alloc+free pairs per second in steady state on a 16 GiB machine: a ring of live blocks where
 * each step frees the oldest and allocates a new one, so the free lists and pcp lists keep
 * turning over rather than handing back the same page.
 */
async function allocFreePerSec(order: 0 | 9): Promise<number> {
  const { Bench } = await loadTinybench();
  const kernel = bootKernel({ machine: { nodes: [{ memory: '16GiB' }] }, seed: 1 });
  const { alloc } = kernel;
  const ring = new Int32Array(RING[order]);
  for (let i = 0; i < ring.length; i++) ring[i] = alloc.allocPagesPfn(GFP_KERNEL, order);
  let head = 0;
  const batch = BATCH[order];
  const bench = new Bench({ time: 1000, warmupTime: 200 });
  bench.add(`alloc+free order ${order}`, () => {
    for (let i = 0; i < batch; i++) {
      alloc.freePages(ring[head]!, order);
      const pfn = alloc.allocPagesPfn(GFP_KERNEL, order);
      if (pfn < 0) throw new Error(`order-${order} allocation failed in steady state`);
      ring[head] = pfn;
      head = head + 1 === ring.length ? 0 : head + 1;
    }
  });
  await bench.run();
  const result = bench.tasks[0]!.result;
  if (result.state !== 'completed') throw new Error(`benchmark alloc+free order ${order} did not complete (${result.state})`);
  await kernel.dispose();
  // The median batch latency: steady-state throughput, robust to the GC pauses and scheduler
  // hiccups of a shared 2-core machine that drag the mean.
  return Math.round((batch * 1000) / result.latency.p50);
}

export const coreSuite: BenchSuite = {
  name: 'core',
  description: 'memmap size, boot time, allocator throughput, default scenario time',
  async run(log): Promise<SuiteResult> {
    log('booting a 64 GiB machine');
    const rssBefore = process.memoryUsage().rss;
    const t0 = performance.now();
    const big = bootKernel({ machine: { nodes: [{ memory: '64GiB' }] }, seed: 1 });
    const firstBootMs = performance.now() - t0;
    const rssDelta = process.memoryUsage().rss - rssBefore;
    const frames = big.mem.frames;
    const bytesPerFrame = frames.byteLength / frames.nrFrames;
    await big.dispose();
    const boot64GiBMs = Math.min(firstBootMs, await medianMs(2, async () => (bootKernel({ machine: { nodes: [{ memory: '64GiB' }] }, seed: 1 })).dispose()));

    log('alloc+free order 0 on 16 GiB');
    const allocFreeOrder0PerSec = await allocFreePerSec(0);
    log('alloc+free order 9 on 16 GiB');
    const allocFreeOrder9PerSec = await allocFreePerSec(9);

    log('default scenario');
    const scenario = validateScenario(DEFAULT_SCENARIO, 'default scenario');
    const defaultScenarioMs = await medianMs(1, async () => void (await runScenario(scenario)));

    return {
      metrics: [
        { key: 'bytesPerFrame', value: bytesPerFrame, unit: 'B', description: `memmap typed-array bytes per frame (PageFrames.BYTES_PER_FRAME = ${PageFrames.BYTES_PER_FRAME})` },
        { key: 'rssDeltaBytesPerFrame', value: Math.round((rssDelta / frames.nrFrames) * 100) / 100, unit: 'B', description: 'process RSS growth across the 64 GiB boot, per frame' },
        { key: 'rssDelta64GiBBytes', value: rssDelta, unit: 'B', description: 'process RSS growth across the 64 GiB boot' },
        { key: 'boot64GiBMs', value: Math.round(boot64GiBMs * 10) / 10, unit: 'ms', description: 'boot of a 64 GiB single-node machine (best of first run and median of 2 more)' },
        { key: 'allocFreeOrder0PerSec', value: allocFreeOrder0PerSec, unit: 'pairs/s', description: 'order-0 GFP_KERNEL alloc+free pairs per second, 16 GiB, steady state (median batch)' },
        { key: 'allocFreeOrder9PerSec', value: allocFreeOrder9PerSec, unit: 'pairs/s', description: 'order-9 GFP_KERNEL alloc+free pairs per second, 16 GiB, steady state (median batch)' },
        { key: 'defaultScenarioMs', value: Math.round(defaultScenarioMs), unit: 'ms', description: 'one run of the default scenario without writing outputs' },
      ],
      targets: [
        { metric: 'bytesPerFrame', op: '<=', value: 40 },
        { metric: 'boot64GiBMs', op: '<=', value: 1500 },
        { metric: 'allocFreeOrder0PerSec', op: '>=', value: 5_000_000 },
      ],
    };
  },
};
