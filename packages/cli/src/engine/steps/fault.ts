import { KernelError, PAGE_SIZE, PMD_SIZE } from '@mmsim/core';
import type { StepOf } from '../../scenario/schema';
import { regionOf, type StepContext, type StepOutcome } from './context';
import { AttemptTimer, LatencyRecorder } from './latency';

const PAGES_PER_PMD = PMD_SIZE / PAGE_SIZE;

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
    try {
      if (step.stridePages === 1) {
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
    const ns = timer.stop(region.backing === 'anon' ? (isHuge ? PAGES_PER_PMD : touched) : 0);
    (isHuge ? huge : base).add(ns);
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
