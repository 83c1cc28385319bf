import { MADV_HUGEPAGE, MADV_NOHUGEPAGE, MAP_ANONYMOUS, MAP_LOCKED, MAP_PRIVATE, MAP_SHARED, PROT_READ, PROT_WRITE } from '@mmsim/core';
import type { StepOf } from '../../scenario/schema';
import { resolveSize, type StepContext, type StepOutcome } from './context';

/**
 * mmap(2) a named region: private anonymous memory, or MAP_SHARED over a fresh page-cache file
 * (thpscale's shared file mapping). MAP_LOCKED populates at mmap time (mm_populate), as
 * compaction_test relies on; MADV_HUGEPAGE follows the mapping, as in thpscale. Mapping a name
 * again (a repeated phase) moves the name to the new mapping; the old one stays mapped.
 */
export function mmapStep(step: StepOf<'mmap'>, ctx: StepContext): StepOutcome {
  const { vm } = ctx.kernel;
  const p = ctx.process();
  const length = resolveSize(step.size, ctx.kernel);
  const locked = step.locked ? MAP_LOCKED : 0;
  const addr = step.backing === 'file'
    ? vm.mmap(p, { length, prot: PROT_READ | PROT_WRITE, flags: MAP_SHARED | locked, file: vm.createFile(length) })
    : vm.mmap(p, { length, prot: PROT_READ | PROT_WRITE, flags: MAP_PRIVATE | MAP_ANONYMOUS | locked });
  if (step.thp !== 'default') vm.madvise(p, addr, length, step.thp === 'hugepage' ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
  ctx.regions.set(step.region, { addr, length, backing: step.backing });
  return { detail: { region: step.region, bytes: length } };
}
