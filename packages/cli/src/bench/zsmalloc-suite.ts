import { PAGE_SIZE, createKernel } from '@mmsim/core';
import { zramCreate, zsCompact, zsCreatePool, zsFree, zsGetTotalPages, zsMalloc } from '@mmsim/driver-zsmalloc';
import { performance } from 'node:perf_hooks';
import type { BenchSuite, SuiteResult } from './suite';

const MIB = 1024 * 1024;

/** xorshift32: a fixed, cheap sequence of object sizes (no wall clock, no host randomness). */
function sizes(n: number, seed = 2463534242): Uint16Array {
  const out = new Uint16Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = 32 + ((x >>> 0) % (3264 - 32 + 1));
  }
  return out;
}

function kernel(memory: string) {
  return createKernel({ machine: { nodes: [{ memory }], layout: 'flat' }, seed: 1 });
}

/** Pairs run before the clock starts: the pool's fullness groups and the JIT reach steady state. */
const MALLOC_FREE_WARMUP = 100_000;
const MALLOC_FREE_TIMED = 200_000;

/** Steady state: a ring of live objects, each step frees the oldest and allocates a new one. */
function mallocFreePerSec(): number {
  const k = kernel('1GiB');
  const pool = zsCreatePool(k, 'bench');
  const live = new Array<number>(20_000);
  const sz = sizes(MALLOC_FREE_WARMUP + MALLOC_FREE_TIMED);
  for (let i = 0; i < live.length; i++) live[i] = zsMalloc(pool, sz[i]!);
  const step = (i: number): void => {
    const slot = i % live.length;
    zsFree(pool, live[slot]!);
    live[slot] = zsMalloc(pool, sz[i]!);
  };
  for (let i = 0; i < MALLOC_FREE_WARMUP; i++) step(i);
  const t0 = performance.now();
  for (let i = MALLOC_FREE_WARMUP; i < sz.length; i++) step(i);
  return Math.round((MALLOC_FREE_TIMED * 1000) / (performance.now() - t0));
}

/** zs_compact of a pool filled to ~1 GiB of objects and then half emptied. */
function compactMBPerSec(): number {
  const k = kernel('4GiB');
  const pool = zsCreatePool(k, 'bench');
  const handles: number[] = [];
  const sz = sizes(600_000, 99);
  for (let i = 0; zsGetTotalPages(pool) * PAGE_SIZE < 1024 * MIB && i < sz.length; i++) handles.push(zsMalloc(pool, sz[i]!));
  for (let i = 0; i < handles.length; i += 2) zsFree(pool, handles[i]!);
  const before = zsGetTotalPages(pool);
  const t0 = performance.now();
  zsCompact(pool);
  const ms = performance.now() - t0;
  const freedMb = ((before - zsGetTotalPages(pool)) * PAGE_SIZE) / MIB;
  return Math.round((freedMb * 1000) / ms);
}

/** zram writes of compressible pages (text-like bytes). */
function zramWriteMBPerSec(): number {
  const k = kernel('1GiB');
  const pages = 16_384;
  const zram = zramCreate(k, { disksize: pages * PAGE_SIZE });
  // Page i is the text repeated from offset i: views into one buffer, built before the clock
  // starts, so only zram's work (compression, zs_malloc, copies) is timed.
  const text = Buffer.from('mmsim zram benchmark: compressible page contents with some repetition. ');
  const stream = new Uint8Array(PAGE_SIZE + text.length);
  for (let j = 0; j < stream.length; j++) stream[j] = text[j % text.length]!;
  const t0 = performance.now();
  for (let i = 0; i < pages; i++) {
    const at = i % text.length;
    zram.write(i, stream.subarray(at, at + PAGE_SIZE));
  }
  return Math.round(((pages * PAGE_SIZE) / MIB) * 1000 / (performance.now() - t0));
}

export const zsmallocSuite: BenchSuite = {
  name: 'zsmalloc',
  description: 'zs_malloc/zs_free, zs_compact of a half-empty 1 GiB pool, zram writes',
  async run(log): Promise<SuiteResult> {
    log('zs_malloc + zs_free, random sizes 32..3264, steady state');
    const mallocFree = mallocFreePerSec();
    log('zs_compact of a half-empty 1 GiB pool');
    const compact = compactMBPerSec();
    log('zram writes of compressible pages');
    const zram = zramWriteMBPerSec();
    return {
      metrics: [
        { key: 'mallocFreePerSec', value: mallocFree, unit: 'pairs/s', description: `zs_malloc + zs_free pairs per second, sizes 32..3264, 20,000 live objects, ${MALLOC_FREE_TIMED.toLocaleString('en-US')} pairs timed after ${MALLOC_FREE_WARMUP.toLocaleString('en-US')} untimed` },
        { key: 'compactMBPerSec', value: compact, unit: 'MB/s', description: 'memory freed per second by zs_compact of a half-empty 1 GiB pool' },
        { key: 'zramWriteMBPerSec', value: zram, unit: 'MB/s', description: 'zram writes of compressible 4 KiB pages (node:zlib deflateRaw)' },
      ],
      targets: [{ metric: 'mallocFreePerSec', op: '>=', value: 1_000_000 }],
    };
  },
};
