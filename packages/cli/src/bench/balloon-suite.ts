import { createKernel } from '@mmsim/core';
import { IBalloon, balloonDriver, settleBalloon } from '@mmsim/driver-balloon';
import { performance } from 'node:perf_hooks';
import type { BenchSuite, SuiteResult } from './suite';

/** A 16 GiB guest inflated to half its memory, host latency 0 (the measurement). */
const GUEST_PAGES = (16 * 1024 * 1024 * 1024) / 4096;
const BALLOON_PAGES = GUEST_PAGES / 2;

export const balloonSuite: BenchSuite = {
  name: 'balloon',
  description: 'virtio-balloon inflate and deflate of half of a 16 GiB guest, host latency 0',
  async run(log): Promise<SuiteResult> {
    const kernel = createKernel({ machine: { nodes: [{ memory: '16GiB' }], layout: 'flat' }, seed: 1 });
    kernel.loadDriver(balloonDriver, { hostLatencyNs: 0, configLatencyNs: 0 });
    const balloon = kernel.resolve(IBalloon);
    log(`inflate to ${BALLOON_PAGES.toLocaleString('en-US')} pages`);
    let t0 = performance.now();
    balloon.setTarget(BALLOON_PAGES);
    settleBalloon(kernel);
    const inflateMs = performance.now() - t0;
    if (balloon.numPages !== BALLOON_PAGES) throw new Error(`balloon inflated to ${balloon.numPages}, not ${BALLOON_PAGES}`);
    balloon.verify();
    log('deflate to 0');
    t0 = performance.now();
    balloon.setTarget(0);
    settleBalloon(kernel);
    const deflateMs = performance.now() - t0;
    if (balloon.numPages !== 0) throw new Error(`balloon deflated to ${balloon.numPages}, not 0`);
    balloon.verify();
    await kernel.dispose();
    return {
      metrics: [
        { key: 'inflatePagesPerSec', value: Math.round((BALLOON_PAGES * 1000) / inflateMs), unit: 'pages/s', description: `inflate of ${BALLOON_PAGES} pages on a 16 GiB guest, host latency 0` },
        { key: 'deflatePagesPerSec', value: Math.round((BALLOON_PAGES * 1000) / deflateMs), unit: 'pages/s', description: `deflate of ${BALLOON_PAGES} pages on a 16 GiB guest, host latency 0` },
      ],
      targets: [
        { metric: 'inflatePagesPerSec', op: '>=', value: 1_000_000 },
        { metric: 'deflatePagesPerSec', op: '>=', value: 1_000_000 },
      ],
    };
  },
};
