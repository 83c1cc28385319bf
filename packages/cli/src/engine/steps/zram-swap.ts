import { deflateCompressor, zramCreate } from '@mmsim/driver-zsmalloc';
import type { StepOf } from '../../scenario/schema';
import { resolveSize, type StepContext, type StepOutcome } from './context';

/**
 * zramctl + mkswap + swapon -p (W12): a zram device over a new zsmalloc pool
 * (drivers/block/zram/zram_drv.c: disksize_store) used as swap. mm/swapfile.c: get_swap_pages()
 * takes slots from the highest-priority area first, so with `priority` above the boot-time
 * in-memory area's -1 every anon page reclaim swaps out is compressed into zsmalloc until the
 * disk is full.
 */
export function zramSwapStep(step: StepOf<'zram-swap'>, ctx: StepContext): StepOutcome {
  const { kernel } = ctx;
  const disksize = resolveSize(step.disksize, kernel);
  const memLimit = step.memLimit && resolveSize(step.memLimit, kernel);
  const zram = zramCreate(kernel, { disksize, algorithm: deflateCompressor, ...(memLimit !== undefined && { memLimit }) });
  const type = kernel.vm.swap.swapon(zram, step.priority);
  ctx.zrams.push(zram);
  return { detail: { device: zram.name, swapType: type, disksize, memLimit: memLimit ?? 0, priority: step.priority, algorithm: step.algorithm } };
}
