import { PAGE_SIZE, parseGfp } from '@mmsim/core';
import { UsageError } from '../../cli-error';
import type { StepOf } from '../../scenario/schema';
import { resolveSize, type StepContext, type StepOutcome } from './context';
import { AttemptTimer, LatencyRecorder } from './latency';

/** alloc_pages(gfp, order) until `size` is held (or the first failure), into a named pool. */
export function allocStep(step: StepOf<'alloc'>, ctx: StepContext): StepOutcome {
  const { alloc } = ctx.kernel;
  const gfp = parseGfp(step.gfp);
  let pool = ctx.pools.get(step.pool);
  if (!pool) ctx.pools.set(step.pool, (pool = { order: step.order, pfns: [] }));
  if (pool.order !== step.order) throw new UsageError(`alloc step: pool "${step.pool}" holds order-${pool.order} blocks, not order ${step.order}`);
  const blocks = Math.max(1, Math.floor(resolveSize(step.size, ctx.kernel) / (PAGE_SIZE << step.order)));
  const timer = new AttemptTimer(ctx.kernel);
  const latency = new LatencyRecorder();
  let successes = 0;
  let failures = 0;
  for (let i = 0; i < blocks; i++) {
    timer.start();
    const pfn = alloc.allocPagesPfn(gfp, step.order, -1);
    latency.add(timer.stop());
    if (pfn < 0) {
      failures++;
      if (step.stopOnFailure) break;
      continue;
    }
    pool.pfns.push(pfn);
    successes++;
  }
  return { latencyNs: latency.summary(), detail: { pool: step.pool, order: step.order, requested: blocks, successes, failures } };
}
