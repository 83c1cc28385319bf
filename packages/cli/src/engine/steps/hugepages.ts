import { PAGE_SIZE, PMD_SIZE } from '@mmsim/core';
import type { StepOf } from '../../scenario/schema';
import { memFreePages, type StepContext, type StepOutcome } from './context';
import { AttemptTimer } from './latency';

/**
 * tools/testing/selftests/mm/compaction_test.c: check_compaction(): `mem_free = mem_free * 0.8`
 * (MemFree in KiB, read before the test maps anything), then the int
 * `compaction_index = mem_free / (nr_hugepages * hugepage_size)` and failure when it is above 3.
 * The division is C integer division, so the test passes while the exact ratio is below 4: the
 * comment beside the check says "at least 1/3rd", the file's header says "1/4 of RAM", and the
 * truncation makes the header right. We report both the exact ratio and the test's index.
 */
export const COMPACTION_TEST_MAX_INDEX = 3;

export interface CompactionTestVerdict {
  memFreeKiB: number;
  hugepageKiB: number;
  nrHugepages: number;
  /** 0.8·MemFree / (nr_hugepages·hugepage_size), unrounded; null when no huge page was obtained. */
  ratio: number | null;
  /** The test's int compaction_index (the ratio truncated); null when none was obtained (the C code would divide by zero). */
  compactionIndex: number | null;
  limit: number;
  pass: boolean;
}

export function compactionTestVerdict(memFreePagesAtStart: number, nrHugepages: number): CompactionTestVerdict {
  const memFreeKiB = (memFreePagesAtStart * PAGE_SIZE) / 1024;
  const hugepageKiB = PMD_SIZE / 1024;
  // unsigned long mem_free = mem_free * 0.8 truncates too.
  const fragmentableKiB = Math.floor(memFreeKiB * 0.8);
  const ratio = nrHugepages > 0 ? fragmentableKiB / (nrHugepages * hugepageKiB) : null;
  const index = ratio === null ? null : Math.floor(ratio);
  return {
    memFreeKiB,
    hugepageKiB,
    nrHugepages,
    ratio: ratio === null ? null : Math.round(ratio * 1000) / 1000,
    compactionIndex: index,
    limit: COMPACTION_TEST_MAX_INDEX,
    pass: index !== null && index <= COMPACTION_TEST_MAX_INDEX,
  };
}

/** echo N > /proc/sys/vm/nr_hugepages, then read back how many the pool holds. */
export function hugepagesStep(step: StepOf<'hugepages'>, ctx: StepContext): StepOutcome {
  const { hugetlb } = ctx.kernel;
  const before = hugetlb.nrHugepages;
  const timer = new AttemptTimer(ctx.kernel);
  timer.start();
  const obtained = hugetlb.setNrHugepages(step.count);
  const ns = timer.stop();
  const detail: Record<string, unknown> = { requested: step.count, before, obtained, memFreeKiB: (memFreePages(ctx.kernel) * PAGE_SIZE) / 1024, elapsedNs: ns };
  if (step.passRule === 'compaction_test') detail['compactionTest'] = compactionTestVerdict(ctx.memFreeAtStartPages, obtained);
  return { detail };
}
