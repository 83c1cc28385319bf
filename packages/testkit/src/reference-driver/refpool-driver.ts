import {
  GFP_HIGHUSER_MOVABLE, IMigration, IPageAllocator, IPageLocks, IPhysicalMemory, type InjectionToken,
  type MovableOperations, defineDriver,
} from '@mmsim/core';
import { z } from 'zod';
import { Refpool } from './refpool';
import { RefpoolMovableOps } from './refpool-movable-ops';

/** The refpool service a loaded driver provides (`kernel.resolve(IRefpool)`). */
export interface RefpoolService {
  /** Stores an object of 1..slotSize bytes; returns its handle. */
  alloc(bytes: Uint8Array): number;
  /** The object's bytes. */
  read(handle: number): Uint8Array;
  /** Frees the object (and its page when that becomes empty). */
  free(handle: number): void;
  /** The pool itself, for tests, benchmarks and integrity checks (`pool.verify()`). */
  readonly pool: Refpool;
}

export const IRefpool: InjectionToken<RefpoolService> = Symbol('IRefpool');

export const RefpoolOptionsSchema = z.strictObject({
  /** Bytes per object slot (a 4 KiB page holds PAGE_SIZE / slotSize objects). */
  slotSize: z.number().int().min(16).max(4096).default(256),
  /** Preferred node of new pool pages (the current CPU's node by default). */
  nid: z.number().int().min(0).optional(),
});
export type RefpoolOptions = z.output<typeof RefpoolOptionsSchema>;

/** How to build a pool variant: fixtures swap in a pool or ops class with one bug. */
export interface RefpoolVariant {
  name: string;
  makePool?: (...args: ConstructorParameters<typeof Refpool>) => Refpool;
  makeOps?: (pool: Refpool) => MovableOperations;
}

/**
 * Builds a refpool driver definition. `refpoolDriver` is the correct one; the testkit's broken
 * fixtures are variants (one bug each) that DriverTester.runInvalid must reject.
 */
export function makeRefpoolDriver(variant: RefpoolVariant) {
  return defineDriver({
    meta: { name: variant.name, version: '1.0.0', kernelRef: 'mm/zsmalloc.c (movable_operations), include/linux/migrate.h' },
    optionsSchema: RefpoolOptionsSchema,
    register(ctx) {
      const deps = {
        mem: ctx.resolve(IPhysicalMemory),
        alloc: ctx.resolve(IPageAllocator),
        locks: ctx.resolve(IPageLocks),
        movable: ctx.resolve(IMigration).movable,
        allocPage: (nid?: number) => ctx.allocPages(GFP_HIGHUSER_MOVABLE, 0, nid === undefined ? undefined : { nid }),
      };
      const pool = variant.makePool ? variant.makePool(deps, ctx.options.slotSize, ctx.options.nid) : new Refpool(deps, ctx.options.slotSize, ctx.options.nid);
      pool.entry = ctx.registerMovableOps(variant.makeOps ? variant.makeOps(pool) : new RefpoolMovableOps(pool));
      ctx.provide(IRefpool, {
        alloc: (bytes) => pool.alloc(bytes),
        read: (handle) => pool.read(handle),
        free: (handle) => pool.free(handle),
        pool,
      });
    },
  });
}

/** The reference movable_operations driver shipped with the testkit. */
export const refpoolDriver = makeRefpoolDriver({ name: 'refpool' });
