import type { EventBus, IClock, MovableOpsEntry, MovableOpsRegistry, Page, PageAllocator, PageLocks, PhysicalMemory, VmStat } from '@mmsim/core';

/**
 * What the balloon code needs from the kernel, resolved once by the driver from its context
 * (balloon_compaction.c and virtio_balloon.c reach the same things through globals).
 */
export interface BalloonDeps {
  readonly mem: PhysicalMemory;
  readonly alloc: PageAllocator;
  readonly locks: PageLocks;
  readonly movable: MovableOpsRegistry;
  readonly vmstat: VmStat;
  readonly events: EventBus;
  readonly clock: IClock;
  /** alloc_page() on behalf of the driver (ctx.allocPages). */
  allocPage(gfp: number): Page | null;
  /** The driver's registered movable_operations (&balloon_mops); set once registration ran. */
  entry?: MovableOpsEntry;
}
