import type { StepOf } from '../../scenario/schema';
import { PMD_SIZE } from '@mmsim/core';
import { regionOf, resolveSize, type StepContext, type StepOutcome } from './context';
import { splitThpsAt } from './deferred-split';

/**
 * munmap(2) part of every `every`-th chunk of a region, chunks counted from the region start
 * (anonymous regions of 2 MiB or more are PMD aligned, so 2 MiB chunks are THP boundaries).
 * Unmapping part of a THP splits the PMD first (split_huge_pmd), as in the kernel.
 */
export function munmapStep(step: StepOf<'munmap'>, ctx: StepContext): StepOutcome {
  const region = regionOf(ctx, step.region, 'munmap');
  const chunk = step.chunk ? resolveSize(step.chunk, ctx.kernel) : region.length;
  const offset = step.offsetKiB * 1024;
  const end = region.addr + region.length;
  const ranges: [number, number][] = [];
  for (let c = region.addr + step.startAt * chunk; c < end; c += step.every * chunk) {
    const s = c + offset;
    const e = Math.min(end, c + chunk, step.lengthKiB === undefined ? Infinity : s + step.lengthKiB * 1024);
    if (e > s) ranges.push([s, e]);
  }
  // THPs the ranges cut into (not ones they cover whole): the deferred split would free their unmapped part.
  const partial = new Set<number>();
  if (step.deferredSplit) {
    for (const [s, e] of ranges) {
      if (s % PMD_SIZE) partial.add(s - (s % PMD_SIZE));
      if (e % PMD_SIZE) partial.add(e - (e % PMD_SIZE));
    }
  }
  const split = partial.size ? splitThpsAt(ctx, [...partial]) : 0;
  let bytes = 0;
  for (const [s, e] of ranges) {
    ctx.kernel.vm.munmap(ctx.process(), s, e - s);
    bytes += e - s;
  }
  return { detail: { region: step.region, calls: ranges.length, bytes, thpSplit: split } };
}
