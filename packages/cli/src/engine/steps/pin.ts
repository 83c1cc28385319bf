import { FOLL_LONGTERM, FOLL_WRITE, KernelError, PAGE_SIZE } from '@mmsim/core';
import type { StepOf } from '../../scenario/schema';
import { regionOf, type StepContext, type StepOutcome } from './context';

/**
 * pin_user_pages(FOLL_WRITE | FOLL_LONGTERM) of a scattered `fraction` of a region's pages: one
 * page at a seeded random offset in each stretch of 1/fraction pages, like the NIC ring buffers
 * and RDMA/VFIO pages Contiguitas describes. FOLL_LONGTERM migrates only pages out of ZONE_MOVABLE
 * and CMA (mm/gup.c: check_and_migrate_movable_pages), so in ZONE_NORMAL the pins stay where they
 * are and every 2 MiB region holding one can no longer be compacted. Held until the run ends.
 */
export function pinStep(step: StepOf<'pin'>, ctx: StepContext): StepOutcome {
  const region = regionOf(ctx, step.region, 'pin');
  const pages = region.length / PAGE_SIZE;
  const stride = Math.max(1, Math.round(1 / step.fraction));
  const gup = ctx.gup();
  const p = ctx.process();
  let pinned = 0;
  let failed = 0;
  for (let first = 0; first < pages; first += stride) {
    const i = first + ctx.rng.int(0, Math.min(stride, pages - first) - 1);
    try {
      const pfns = gup.pinUserPages(p, region.addr + i * PAGE_SIZE, 1, FOLL_WRITE | FOLL_LONGTERM);
      ctx.pins.push(...pfns);
      pinned += pfns.length;
    } catch (e) {
      if (!(e instanceof KernelError)) throw e;
      failed++;
    }
  }
  return { detail: { region: step.region, pinned, failed } };
}
