import { KernelError, NSEC_PER_USEC, PAGE_SIZE, PMD_SIZE } from '@mmsim/core';
import type { StepOf } from '../../scenario/schema';
import { regionOf, type StepContext, type StepOutcome } from './context';
import { AttemptTimer, LatencyRecorder } from './latency';

const PAGES_PER_PMD = PMD_SIZE / PAGE_SIZE;

/** Incompressible bytes at the start of a text page. */
const NOISE = 512;

/** The compressible part of a text page: source-like lines (the last 3.5 KiB). */
const TEXT = new TextEncoder().encode(
  Array.from({ length: 128 }, (_, i) => `static int obj_${i % 17}(struct page *p) { return p->flags & ${i}; }\n`).join('').slice(0, PAGE_SIZE - NOISE),
);

/**
 * Page bytes that differ per address and compress about 4:1 with deflate (4.3:1 measured in zsmalloc), like a build's heap:
 * 512 bytes of xorshift noise seeded by the address (incompressible) and 3.5 KiB of repetitive text.
 */
export function textPage(addr: number): Uint8Array {
  const out = new Uint8Array(PAGE_SIZE);
  let x = (addr / PAGE_SIZE) ^ 0x9e3779b9 | 1;
  for (let i = 0; i < NOISE; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
    out[i + 1] = (x >>> 8) & 0xff;
    out[i + 2] = (x >>> 16) & 0xff;
    out[i + 3] = x >>> 24;
  }
  out.set(TEXT, NOISE);
  return out;
}

/**
 * Touches a region one 2 MiB-aligned stretch at a time, like thpscale's fault loop: after each
 * stretch the first page's entry says whether a THP (PMD mapping) backs it (thpscale checks with
 * mincore), and the stretch's latency goes to the huge or the base distribution.
 * A stretch that fails (ENOMEM, no memory even after reclaim) is counted and skipped.
 */
export function faultStep(step: StepOf<'fault'>, ctx: StepContext): StepOutcome {
  const { vm } = ctx.kernel;
  const p = ctx.process();
  const region = regionOf(ctx, step.region, 'fault');
  const timer = new AttemptTimer(ctx.kernel);
  const base = new LatencyRecorder();
  const huge = new LatencyRecorder();
  let failed = 0;
  const end = region.addr + region.length;
  for (let s = region.addr; s < end;) {
    const e = Math.min(end, (Math.floor(s / PMD_SIZE) + 1) * PMD_SIZE);
    timer.start();
    let touched = 0;
    const paceNs = Math.round(step.paceUs * NSEC_PER_USEC);
    let pacedNs = 0;
    try {
      if (paceNs > 0) {
        // One page at a time, with the program's compute time before each touch.
        for (let a = s; a < e; a += step.stridePages * PAGE_SIZE, touched++) {
          ctx.kernel.clock.advance(paceNs);
          pacedNs += paceNs;
          vm.touch(p, a, PAGE_SIZE, step.write);
        }
      } else if (step.stridePages === 1) {
        vm.touch(p, s, e - s, step.write);
        touched = (e - s) / PAGE_SIZE;
      } else {
        for (let a = s; a < e; a += step.stridePages * PAGE_SIZE, touched++) vm.touch(p, a, PAGE_SIZE, step.write);
      }
    } catch (err) {
      if (!(err instanceof KernelError)) throw err;
      failed++;
      s = e;
      continue;
    }
    const isHuge = vm.followPage(p, s).huge;
    // A THP fault clears all 512 subpages (clear_huge_page); base faults clear what they touched.
    const ns = timer.stop(region.backing === 'anon' ? (isHuge ? PAGES_PER_PMD : touched) : 0) - pacedNs;
    (isHuge ? huge : base).add(ns);
    if (step.data === 'text') {
      // Written after the timer: the latency is the fault's, not the program's stores.
      try {
        for (let a = s; a < e; a += step.stridePages * PAGE_SIZE) vm.write(p, a, textPage(a));
      } catch (err) {
        // A page reclaimed since its touch is swapped back in by the store, which can fail too.
        if (!(err instanceof KernelError)) throw err;
        failed++;
      }
    }
    s = e;
  }
  const b = base.summary();
  const h = huge.summary();
  const stretches = b.count + h.count;
  return {
    latencyNs: { base: b, huge: h },
    detail: { region: step.region, stretches, huge: h.count, base: b.count, failed, hugePct: stretches ? Math.round((1000 * h.count) / stretches) / 10 : 0 },
  };
}
