import type { Kernel } from '@mmsim/core';
import type { DriverHarness } from '@mmsim/testkit';
import { IBalloon, balloonDriver } from '../balloon-driver';
import { settleBalloon } from '../balloon-settle';

/** The pfns in the guest's balloon (list and isolated). */
export function balloonPfns(kernel: Kernel): Set<number> {
  const { devInfo } = kernel.resolve(IBalloon);
  return new Set([...devInfo.listPfns(), ...devInfo.isolated]);
}

/** Inflates the balloon by `n` pages (host target + n, clock run until idle); returns the new pfns. */
export function inflateBy(kernel: Kernel, n: number): number[] {
  const balloon = kernel.resolve(IBalloon);
  const before = balloonPfns(kernel);
  balloon.setTarget(balloon.target + n);
  if (!settleBalloon(kernel)) throw new Error(`balloon did not reach target ${balloon.target}`);
  return [...balloonPfns(kernel)].filter((pfn) => !before.has(pfn));
}

/**
 * DriverTester hooks for the balloon (testkit DriverHarness): pages are made by inflating;
 * contention holds vb->balloon_lock (virtballoon_migratepage's mutex_trylock fails → -EAGAIN);
 * MIGRATE_SYNC_NO_COPY is refused with -EINVAL. There is no `release`: the balloon never frees
 * an isolated page (balloon_page_dequeue skips isolated pages).
 *
 * Without DEFLATE_ON_OOM by default, so inflation lowers zones' managed pages
 * (adjust_managed_page_count) as a real virtio-balloon does; core's checkBuddy() accounts for it.
 */
export function balloonHarness(options: Record<string, unknown> = { hostLatencyNs: 0 }): DriverHarness {
  return {
    driver: balloonDriver,
    options,
    populate: inflateBy,
    verify: (kernel) => kernel.resolve(IBalloon).verify(),
    contend: (kernel) => {
      const lock = kernel.resolve(IBalloon).vb.balloonLock;
      if (!lock.trylock()) throw new Error('balloon_lock is already held');
      return () => lock.unlock();
    },
    noCopy: 'einval',
  };
}
