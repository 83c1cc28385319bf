import type { CaptureControl } from '../zone/buddy';
import type { Zone } from '../zone/zone';
import type { CompactControl } from './compact-control';

/**
 * mm/internal.h: struct capture_control: the compaction run (cc) whose order the free path may
 * hand a freed block to, and the block captured (-1 while none). compact_zone_order() arms it in
 * current->capture_control (Buddy.capture here) for the duration of compact_zone().
 */
export class CompactCapture implements CaptureControl {
  page = -1;

  constructor(readonly cc: CompactControl) {}

  get zone(): Zone {
    return this.cc.zone;
  }

  get order(): number {
    return this.cc.order;
  }

  get migratetype(): number {
    return this.cc.migratetype;
  }
}
