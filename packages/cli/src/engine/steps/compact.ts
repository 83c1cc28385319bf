import { PAGE_SIZE } from '@mmsim/core';
import type { StepContext, StepOutcome } from './context';
import { AttemptTimer } from './latency';

/** echo 1 > /proc/sys/vm/compact_memory (mm/compaction.c: sysctl_compaction_handler). */
export function compactStep(ctx: StepContext): StepOutcome {
  const timer = new AttemptTimer(ctx.kernel);
  timer.start();
  ctx.kernel.compaction.compactMemory(1);
  const elapsedNs = timer.stop();
  let free9 = 0;
  for (const z of ctx.kernel.mem.populatedZones) for (let o = 9; o < z.nrFree.length; o++) free9 += z.nrFree[o]! << (o - 9);
  return { detail: { elapsedNs, freeHugeBlocks: free9, pageSize: PAGE_SIZE } };
}
