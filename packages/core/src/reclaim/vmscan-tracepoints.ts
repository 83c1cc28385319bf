import type { EventBus } from '../events/event-bus';
import { TP_PRINTK } from '../events/ftrace-format';
import { formatGfp } from '../zone/gfp';

/** include/trace/events/vmscan.h: mm_vmscan_kswapd_sleep */
export interface MmVmscanKswapdSleep {
  nid: number;
}
/** include/trace/events/vmscan.h: mm_vmscan_kswapd_wake */
export interface MmVmscanKswapdWake {
  nid: number;
  zid: number;
  order: number;
}
/** include/trace/events/vmscan.h: mm_vmscan_wakeup_kswapd */
export interface MmVmscanWakeupKswapd {
  nid: number;
  zid: number;
  order: number;
  gfp_flags: number;
}
/** include/trace/events/vmscan.h: mm_vmscan_direct_reclaim_begin_template */
export interface MmVmscanDirectReclaimBegin {
  order: number;
  gfp_flags: number;
}
/** include/trace/events/vmscan.h: mm_vmscan_direct_reclaim_end_template */
export interface MmVmscanDirectReclaimEnd {
  nr_reclaimed: number;
}

declare module '../events/tracepoints' {
  interface TracepointMap {
    mm_vmscan_kswapd_sleep: MmVmscanKswapdSleep;
    mm_vmscan_kswapd_wake: MmVmscanKswapdWake;
    mm_vmscan_wakeup_kswapd: MmVmscanWakeupKswapd;
    mm_vmscan_direct_reclaim_begin: MmVmscanDirectReclaimBegin;
    mm_vmscan_direct_reclaim_end: MmVmscanDirectReclaimEnd;
  }
}

/** The vmscan tracepoints, emitted only while someone listens (trace_*_enabled()). */
export class VmscanTrace {
  constructor(private readonly events: EventBus) {}

  kswapdSleep(nid: number): void {
    if (this.events.wants('mm_vmscan_kswapd_sleep')) this.events.emit('mm_vmscan_kswapd_sleep', { nid });
  }

  kswapdWake(nid: number, zid: number, order: number): void {
    if (this.events.wants('mm_vmscan_kswapd_wake')) this.events.emit('mm_vmscan_kswapd_wake', { nid, zid, order });
  }

  wakeupKswapd(nid: number, zid: number, order: number, gfp_flags: number): void {
    if (this.events.wants('mm_vmscan_wakeup_kswapd')) this.events.emit('mm_vmscan_wakeup_kswapd', { nid, zid, order, gfp_flags });
  }

  directReclaimBegin(order: number, gfp_flags: number): void {
    if (this.events.wants('mm_vmscan_direct_reclaim_begin')) this.events.emit('mm_vmscan_direct_reclaim_begin', { order, gfp_flags });
  }

  directReclaimEnd(nr_reclaimed: number): void {
    if (this.events.wants('mm_vmscan_direct_reclaim_end')) this.events.emit('mm_vmscan_direct_reclaim_end', { nr_reclaimed });
  }
}

TP_PRINTK.mm_vmscan_kswapd_sleep = (e) => `nid=${e.nid}`;
TP_PRINTK.mm_vmscan_kswapd_wake = (e) => `nid=${e.nid} order=${e.order}`;
TP_PRINTK.mm_vmscan_wakeup_kswapd = (e) => `nid=${e.nid} order=${e.order} gfp_flags=${formatGfp(e.gfp_flags)}`;
TP_PRINTK.mm_vmscan_direct_reclaim_begin = (e) => `order=${e.order} gfp_flags=${formatGfp(e.gfp_flags)}`;
TP_PRINTK.mm_vmscan_direct_reclaim_end = (e) => `nr_reclaimed=${e.nr_reclaimed}`;
