import { type Kernel, KernelError, type DriverContext } from '@mmsim/core';
import { ZS_INUSE_RATIO_0 } from './constants';
import { zsmallocDriver } from './driver';
import { ZsPool, type ZsPoolOptions } from './pool';
import { IZsmalloc, type ZsmallocService } from './service';
import { __freeZspage, trylockZspage } from './zspage-alloc';
import { removeZspage } from './fullness';

/** The zsmalloc service of a kernel or driver context; a kernel loads the driver on first use. */
export function zsmallocService(host: Kernel | DriverContext): ZsmallocService {
  if ('loadDriver' in host && !host.drivers.has(zsmallocDriver.meta.name)) host.loadDriver(zsmallocDriver);
  return host.resolve(IZsmalloc);
}

/**
 * mm/zsmalloc.c: zs_create_pool() — a pool named `name` (unique per kernel, like its debugfs
 * directory) with the size classes of `chainSize` (CONFIG_ZSMALLOC_CHAIN_SIZE, 4..16, default 8).
 */
export function zsCreatePool(host: Kernel | DriverContext, name: string, options: ZsPoolOptions = {}): ZsPool {
  const svc = zsmallocService(host);
  if (typeof name !== 'string' || name.length === 0) {
    throw new KernelError('EINVAL', 'zsCreatePool: the pool needs a non-empty name (it names the debugfs directory zsmalloc/<name>)');
  }
  if (svc.pools.has(name)) {
    throw new KernelError('EEXIST', `zsCreatePool: a zsmalloc pool named "${name}" exists; destroy it or pick another name`);
  }
  const pool = new ZsPool(svc, name, options);
  svc.pools.set(name, pool);
  return pool;
}

/**
 * mm/zsmalloc.c: zs_destroy_pool() — free every zspage (objects still allocated included; the
 * kernel warns "Freeing non-empty class" and leaks them) and forget the pool. All pages must be
 * lockable: EBUSY (and nothing freed) while anyone holds a page lock of the pool.
 */
export function zsDestroyPool(pool: ZsPool): void {
  pool.checkAlive('zsDestroyPool');
  const zspages = pool.allZspages();
  const locked: typeof zspages = [];
  for (const zspage of zspages) {
    if (!trylockZspage(pool, zspage)) {
      for (const z of locked) for (const pfn of z.pages) pool.svc.locks.unlockPage(pfn);
      throw new KernelError('EBUSY', `zsDestroyPool("${pool.name}"): a page of the pool is locked; unlock it (or run the scheduler so the deferred free finishes) first`);
    }
    locked.push(zspage);
  }
  for (const zspage of zspages) {
    const cls = zspage.sizeClass;
    if (pool.freeing.delete(zspage)) cls.stats[ZS_INUSE_RATIO_0]!--;
    else removeZspage(cls, zspage);
    __freeZspage(pool, cls, zspage);
  }
  pool.handles.clear();
  pool.mapped.clear();
  pool.destroyed = true;
  pool.svc.pools.delete(pool.name);
}
