import { COMPACT_MAX_DEFER_SHIFT, type ZoneCompactState } from './compact-control';
import type { CompactionTrace } from './compaction-tracepoints';

/**
 * Deferred compaction (mm/compaction.c): after a failed sync compaction the zone skips the next
 * 1 << compact_defer_shift attempts at that order or above; success resets the back-off.
 */
export class Deferral {
  constructor(private readonly trace: CompactionTrace) {}

  /**
   * mm/compaction.c: defer_compaction(): considered = 0, shift++ (capped at
   * COMPACT_MAX_DEFER_SHIFT), order_failed = min(order_failed, order).
   */
  deferCompaction(z: ZoneCompactState, order: number): void {
    z.considered = 0;
    z.deferShift++;
    if (order < z.orderFailed) z.orderFailed = order;
    if (z.deferShift > COMPACT_MAX_DEFER_SHIFT) z.deferShift = COMPACT_MAX_DEFER_SHIFT;
    this.trace.deferEvent('mm_compaction_defer_compaction', z, order);
  }

  /**
   * mm/compaction.c: compaction_deferred(): true when this attempt should be skipped. Orders below
   * order_failed are never deferred; otherwise every attempt counts and the 1 << shift-th passes.
   */
  compactionDeferred(z: ZoneCompactState, order: number): boolean {
    const deferLimit = 1 << z.deferShift;
    if (order < z.orderFailed) return false;
    // Avoid possible overflow
    if (++z.considered >= deferLimit) {
      z.considered = deferLimit;
      return false;
    }
    this.trace.deferEvent('mm_compaction_deferred', z, order);
    return true;
  }

  /**
   * mm/compaction.c: compaction_defer_reset(): an allocation succeeded (alloc_success) or is
   * expected to: reset the back-off on success and raise order_failed above `order`.
   */
  compactionDeferReset(z: ZoneCompactState, order: number, allocSuccess: boolean): void {
    if (allocSuccess) {
      z.considered = 0;
      z.deferShift = 0;
    }
    if (order >= z.orderFailed) z.orderFailed = order + 1;
    this.trace.deferEvent('mm_compaction_defer_reset', z, order);
  }

  /**
   * mm/compaction.c: compaction_restarting(): the zone reached the maximum deferral and the
   * deferral ran out, so the next compaction starts over (clearing skip hints).
   */
  compactionRestarting(z: ZoneCompactState, order: number): boolean {
    if (order < z.orderFailed) return false;
    return z.deferShift === COMPACT_MAX_DEFER_SHIFT && z.considered >= 1 << z.deferShift;
  }
}
