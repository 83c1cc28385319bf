import type { Kernel } from '@mmsim/core';
import type { DriverHarness } from '../driver-tester/types';
import { IRefpool, type RefpoolService, refpoolDriver } from './refpool-driver';

/** The refpool service of a kernel that loaded a refpool-style driver. */
function service(kernel: Kernel): RefpoolService {
  return kernel.resolve(IRefpool);
}

/**
 * Fills `n` fresh pool pages with objects whose bytes differ per object (so a lost copy or a
 * mixed-up page shows in verify()) and returns their pfns.
 */
export function populateRefpool(kernel: Kernel, n: number): number[] {
  const refpool = service(kernel);
  const { pool } = refpool;
  const before = new Set(pool.allPfns());
  let salt = before.size * 7919;
  // pool.pages grows by one entry per new page: no need to rebuild the pfn list per object.
  while (pool.pages.size - before.size < n) {
    const bytes = new Uint8Array(32 + (salt % (pool.slotSize - 32)));
    for (let i = 0; i < bytes.length; i++) bytes[i] = (salt * 31 + i * 7) & 0xff;
    refpool.alloc(bytes);
    salt++;
  }
  return pool.allPfns().filter((pfn) => !before.has(pfn));
}

/** DriverTester hooks for refpool (and its variants, with another `driver`). */
export function refpoolHarness(driver = refpoolDriver as DriverHarness['driver']): DriverHarness {
  return {
    driver,
    populate: populateRefpool,
    verify: (kernel) => service(kernel).pool.verify(),
    contend: (kernel) => service(kernel).pool.lock(),
    release: (kernel, pfn) => {
      const refpool = service(kernel);
      for (const handle of refpool.pool.handlesIn(pfn)) refpool.free(handle);
    },
  };
}
