import type { StepOf } from '../../scenario/schema';
import { UsageError } from '../../cli-error';
import type { Pool, StepContext, StepOutcome } from './context';

/**
 * Frees part of a pool. every-other: the 2nd, 4th, ... live block in allocation order (the
 * 5ceb9ce6fe94 micro-test); random: a seeded Fisher-Yates pick of `fraction` of the live blocks
 * (LLFree frag's shuffle); all: everything.
 */
export function freeStep(step: StepOf<'free'>, ctx: StepContext): StepOutcome {
  const pool = ctx.pools.get(step.pool);
  if (!pool) throw new UsageError(`free step: no pool "${step.pool}"; fill it with an earlier alloc step`);
  const live = pool.pfns;
  let victims: number[];
  if (step.pick === 'all') victims = live.map((_, i) => i);
  else if (step.pick === 'every-other') victims = live.map((_, i) => i).filter((i) => i % 2 === 1);
  else {
    const idx = live.map((_, i) => i);
    const n = Math.round(live.length * step.fraction!);
    for (let i = 0; i < n; i++) {
      const j = ctx.rng.int(i, idx.length - 1);
      [idx[i], idx[j]] = [idx[j]!, idx[i]!];
    }
    victims = idx.slice(0, n);
  }
  return { freed: freeIndices(pool, victims, ctx), detail: { pool: step.pool, remaining: pool.pfns.length } };
}

function freeIndices(pool: Pool, victims: readonly number[], ctx: StepContext): number {
  const drop = new Uint8Array(pool.pfns.length);
  for (const i of victims) {
    ctx.kernel.alloc.freePages(pool.pfns[i]!, pool.order);
    drop[i] = 1;
  }
  pool.pfns = pool.pfns.filter((_, i) => !drop[i]);
  return victims.length;
}

/** Frees every block of every pool (or the named ones); returns how many blocks. */
export function freePools(ctx: StepContext, names?: readonly string[]): number {
  let freed = 0;
  for (const [name, pool] of ctx.pools) {
    if (names && !names.includes(name)) continue;
    for (const pfn of pool.pfns) ctx.kernel.alloc.freePages(pfn, pool.order);
    freed += pool.pfns.length;
    pool.pfns = [];
  }
  return freed;
}
