import { NSEC_PER_MSEC } from '@mmsim/core';
import { balloonDriver, IBalloon, settleBalloon } from '@mmsim/driver-balloon';
import type { StepOf } from '../../scenario/schema';
import type { StepContext, StepOutcome } from './context';

/** The balloon's /proc/vmstat events (mm/vmstat.c: vmstat_text, CONFIG_MEMORY_BALLOON). */
const EVENTS = ['balloon_inflate', 'balloon_deflate', 'balloon_migrate'] as const;

/**
 * The host changes the virtio-balloon target (W14): loads the driver on first use (its probe),
 * sets the target and runs the simulated clock until the guest's update_balloon_size_func
 * worker has inflated or deflated to it (drivers/virtio/virtio_balloon.c). A fraction is of
 * MemTotal as it read when the workload started, since inflating lowers MemTotal
 * (adjust_managed_page_count) and a target is a share of the guest's configured RAM.
 */
export function balloonStep(step: StepOf<'balloon'>, ctx: StepContext): StepOutcome {
  const { kernel } = ctx;
  if (!kernel.drivers.has(balloonDriver.meta.name)) {
    kernel.loadDriver(balloonDriver, {
      ...(step.hostLatencyNs !== undefined && { hostLatencyNs: step.hostLatencyNs }),
      ...(step.deflateOnOom !== undefined && { deflateOnOom: step.deflateOnOom }),
    });
  }
  const balloon = kernel.resolve(IBalloon);
  const target = 'pages' in step.target ? step.target.pages : Math.floor(step.target.fraction * ctx.memTotalAtStartPages);
  const startNs = kernel.clock.now();
  balloon.setTarget(target);
  const settled = settleBalloon(kernel, Math.round(step.settleMs * NSEC_PER_MSEC));
  const vmstat = kernel.vmstat.snapshot(kernel.mem);
  const events = Object.fromEntries(EVENTS.map((e) => [e, vmstat[e] ?? 0]));
  return {
    detail: { target, numPages: balloon.numPages, settled, settleNs: kernel.clock.now() - startNs, memTotalPages: kernel.mem.totalramPages, ...events },
  };
}
