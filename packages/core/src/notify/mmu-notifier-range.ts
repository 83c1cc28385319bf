import { KernelError } from '../errors';
import { PAGE_SIZE } from '../mem/constants';

/**
 * include/linux/mmu_notifier.h: enum mmu_notifier_event. A const object plus a literal-union
 * type rather than a TS enum, so that any declaration with the same values (vm/deps.ts keeps a
 * structural copy) is assignable to it.
 */
export const MmuNotifyEvent = {
  UNMAP: 0,
  CLEAR: 1,
  PROTECTION_VMA: 2,
  PROTECTION_PAGE: 3,
  SOFT_DIRTY: 4,
  RELEASE: 5,
  MIGRATE: 6,
  EXCLUSIVE: 7,
} as const;
export type MmuNotifyEvent = (typeof MmuNotifyEvent)[keyof typeof MmuNotifyEvent];
export const MMU_NOTIFY_EVENT_NAMES: readonly string[] = [
  'MMU_NOTIFY_UNMAP', 'MMU_NOTIFY_CLEAR', 'MMU_NOTIFY_PROTECTION_VMA', 'MMU_NOTIFY_PROTECTION_PAGE',
  'MMU_NOTIFY_SOFT_DIRTY', 'MMU_NOTIFY_RELEASE', 'MMU_NOTIFY_MIGRATE', 'MMU_NOTIFY_EXCLUSIVE',
];

/** include/linux/mmu_notifier.h: MMU_NOTIFIER_RANGE_BLOCKABLE */
export const MMU_NOTIFIER_RANGE_BLOCKABLE = 1 << 0;

/**
 * The end of the whole-address-space range mn_itree_release() sends ([0, ULONG_MAX] in the
 * kernel). mmsim addresses are JavaScript numbers, so "everything" is Number.MAX_SAFE_INTEGER
 * (2^53 − 1): far above any simulated user address (x86_64 TASK_SIZE is 2^47) and still exact.
 */
export const MMU_NOTIFIER_RANGE_END_ALL = Number.MAX_SAFE_INTEGER;

/** include/linux/mmu_notifier.h: struct mmu_notifier_range — [start, end) in bytes. */
export interface MmuNotifierRange {
  start: number;
  end: number;
  event: MmuNotifyEvent;
  flags: number;
  /** mmu_notifier_range_init_owner(): the device that started a MIGRATE range (migrate_vma). */
  owner?: unknown;
}

/** include/linux/mmu_notifier.h: mmu_notifier_range_blockable() */
export function mmuNotifierRangeBlockable(range: MmuNotifierRange): boolean {
  return (range.flags & MMU_NOTIFIER_RANGE_BLOCKABLE) !== 0;
}

/**
 * include/linux/mmu_notifier.h: mmu_notifier_range_init() / mmu_notifier_range_init_owner().
 * Validates [start, end): non-negative safe integers with start < end.
 */
export function mmuNotifierRangeInit(event: MmuNotifyEvent, flags: number, start: number, end: number, owner?: unknown): MmuNotifierRange {
  checkRange(start, end);
  if (!Number.isInteger(event) || event < 0 || event >= MMU_NOTIFY_EVENT_NAMES.length) {
    throw new KernelError('EINVAL', `unknown mmu_notifier_event ${event}; use MmuNotifyEvent.UNMAP .. EXCLUSIVE`);
  }
  return owner === undefined ? { start, end, event, flags } : { start, end, event, flags, owner };
}

/**
 * The range covering one folio mapped at `addr`: [addr, addr + (PAGE_SIZE << order)), as
 * try_to_migrate_one()/try_to_unmap_one() build it (range.end = address + folio_size(folio)).
 */
export function rangeForFolio(addr: number, order: number, event: MmuNotifyEvent = MmuNotifyEvent.MIGRATE, flags = MMU_NOTIFIER_RANGE_BLOCKABLE, owner?: unknown): MmuNotifierRange {
  if (!Number.isInteger(order) || order < 0 || order > 20) throw new KernelError('EINVAL', `folio order ${order} is not an integer in [0, 20]`);
  if (!Number.isSafeInteger(addr) || addr < 0 || addr % PAGE_SIZE !== 0) {
    throw new KernelError('EINVAL', `folio address ${addr} must be a page-aligned (${PAGE_SIZE}) non-negative integer`);
  }
  return mmuNotifierRangeInit(event, flags, addr, addr + PAGE_SIZE * 2 ** order, owner);
}

/** Throws EINVAL unless [start, end) is a non-empty range of non-negative safe integers. */
export function checkRange(start: number, end: number): void {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end <= start) {
    throw new KernelError('EINVAL', `mmu notifier range [${start}, ${end}) must have integer bounds with 0 <= start < end <= Number.MAX_SAFE_INTEGER`);
  }
}
