import {
  IClock, IEventBus, IMigration, IOutOfMemory, IPageAllocator, IPageLocks, IPhysicalMemory, IVmStat, type InjectionToken,
  NSEC_PER_USEC, defineDriver,
} from '@mmsim/core';
import { z } from 'zod';
import type { BalloonDeps } from './balloon-deps';
import { BalloonDevInfo } from './balloon-dev-info';
import { BalloonHost } from './balloon-host';
import { BalloonMovableOps } from './balloon-mops';
import { verifyBalloon } from './balloon-verify';
import { VirtioBalloon, type VirtioBalloonStats } from './virtio-balloon';

/** The balloon service a loaded `balloonDriver` provides (`kernel.resolve(IBalloon)`). */
export interface BalloonService {
  /** The host asks for `pages` 4 KiB pages in the balloon (config num_pages); the guest follows. */
  setTarget(pages: number): void;
  /** The host's current target. */
  readonly target: number;
  /** vb->num_pages: pages in the balloon now (on the list or isolated by compaction). */
  readonly numPages: number;
  /** Whether no batch is queued, running or waiting for the host. */
  readonly idle: boolean;
  /** virtio_balloon_oom_notify() (DEFLATE_ON_OOM only): deflates up to 256 pages, returns them. */
  oomNotify(): number;
  /** The integrity check of the guest's balloon against the host (throws on corruption). */
  verify(): void;
  readonly stats: VirtioBalloonStats;
  /** The pieces, for tests and experiments. */
  readonly devInfo: BalloonDevInfo;
  readonly host: BalloonHost;
  readonly vb: VirtioBalloon;
}

export const IBalloon: InjectionToken<BalloonService> = Symbol('IBalloon');

export const BalloonOptionsSchema = z.strictObject({
  /** VIRTIO_BALLOON_F_DEFLATE_ON_OOM negotiated. */
  deflateOnOom: z.boolean().default(false),
  /** Simulated ns between a virtqueue kick and the host's acknowledgement. */
  hostLatencyNs: z.number().int().min(0).default(50 * NSEC_PER_USEC),
  /** Simulated ns between the host's config change and the guest's config interrupt. */
  configLatencyNs: z.number().int().min(0).default(0),
  /** Target the host sets at device probe, in 4 KiB pages. */
  initialTarget: z.number().int().min(0).max(0xffffffff).default(0),
});
export type BalloonOptions = z.output<typeof BalloonOptionsSchema>;

/**
 * The virtio-balloon driver plugin (drivers/virtio/virtio_balloon.c + mm/balloon_compaction.c,
 * v6.6–v6.10) with its simulated host. `register` builds balloon_dev_info, registers balloon_mops
 * as the driver's movable_operations and publishes the service under {@link IBalloon}.
 */
export const balloonDriver = defineDriver({
  meta: { name: 'virtio-balloon', version: '1.0.0', kernelRef: 'drivers/virtio/virtio_balloon.c, mm/balloon_compaction.c' },
  optionsSchema: BalloonOptionsSchema,
  register(ctx) {
    const opts = ctx.options;
    const deps: BalloonDeps = {
      mem: ctx.resolve(IPhysicalMemory),
      alloc: ctx.resolve(IPageAllocator),
      locks: ctx.resolve(IPageLocks),
      movable: ctx.resolve(IMigration).movable,
      vmstat: ctx.resolve(IVmStat),
      events: ctx.resolve(IEventBus),
      clock: ctx.resolve(IClock),
      allocPage: (gfp) => ctx.allocPages(gfp, 0),
    };
    const bDevInfo = new BalloonDevInfo(deps);
    deps.entry = ctx.registerMovableOps(new BalloonMovableOps(bDevInfo));
    const host = new BalloonHost(deps.clock, deps.mem.content, deps.events, opts.configLatencyNs);
    const vb = new VirtioBalloon(deps, bDevInfo, host, { deflateOnOom: opts.deflateOnOom }, opts.hostLatencyNs);
    // virtballoon_probe(): register_oom_notifier(&vb->oom_nb) only with DEFLATE_ON_OOM, so the
    // core's __alloc_pages_may_oom() deflates the balloon before an allocation fails.
    const unregisterOom = opts.deflateOnOom ? ctx.resolve(IOutOfMemory).registerOomNotifier('virtio_balloon_oom_notify', () => vb.oomNotify()) : undefined;
    ctx.onDispose(() => {
      // virtballoon_remove(): unregister_oom_notifier() before remove_common() deflates everything.
      unregisterOom?.();
      vb.dispose();
      if (deps.mem.lists.isEmpty(bDevInfo.pages)) bDevInfo.release();
    });
    if (opts.initialTarget) host.setTarget(opts.initialTarget);
    const service: BalloonService = {
      setTarget: (pages) => host.setTarget(pages),
      get target() { return host.target; },
      get numPages() { return vb.numPages; },
      get idle() { return vb.idle; },
      oomNotify: () => vb.oomNotify(),
      verify: () => verifyBalloon(deps, vb),
      stats: vb.stats,
      devInfo: bDevInfo,
      host,
      vb,
    };
    ctx.provide(IBalloon, service);
  },
});
