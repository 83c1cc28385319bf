import {
  IEventBus, IMigration, IPageAllocator, IPageLocks, IPhysicalMemory, IScheduler, defineDriver,
} from '@mmsim/core';
import { z } from 'zod';
import { ZsMovableOps } from './movable-ops';
import { ZspageOfPfn } from './page-private';
import { zsDestroyPool } from './pool-lifecycle';
import { IZsmalloc, type ZsmallocService } from './service';

/** zsmalloc takes no load options: pools are created with zsCreatePool(). */
export const ZsmallocOptionsSchema = z.strictObject({});

/**
 * The zsmalloc driver plugin (mm/zsmalloc.c): registers zsmalloc_mops once and publishes the
 * ZsmallocService under IZsmalloc. Unloading destroys the pools that are still alive.
 */
export const zsmallocDriver = defineDriver({
  meta: { name: 'zsmalloc', version: '1.0.0', kernelRef: 'mm/zsmalloc.c, Documentation/mm/zsmalloc.rst (v6.6)' },
  optionsSchema: ZsmallocOptionsSchema,
  register(ctx) {
    const svc = {
      mem: ctx.resolve(IPhysicalMemory),
      alloc: ctx.resolve(IPageAllocator),
      locks: ctx.resolve(IPageLocks),
      movable: ctx.resolve(IMigration).movable,
      sched: ctx.resolve(IScheduler),
      events: ctx.resolve(IEventBus),
      zspageOf: new ZspageOfPfn(),
      pools: new Map(),
    } as Omit<ZsmallocService, 'entry'> as ZsmallocService;
    (svc as { entry: ZsmallocService['entry'] }).entry = ctx.registerMovableOps(new ZsMovableOps(svc));
    ctx.provide(IZsmalloc, svc);
    ctx.onDispose(() => {
      for (const pool of [...svc.pools.values()]) zsDestroyPool(pool);
    });
  },
});
