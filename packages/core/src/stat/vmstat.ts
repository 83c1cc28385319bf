import { NODE_STAT_NAMES, NUMA_STAT_NAMES, VM_EVENT_NAMES, ZONE_STAT_NAMES, VmEvent } from './vmstat-items';

/** Anything that keeps per-zone and per-node counters (PhysicalMemory). */
export interface CounterSource {
  readonly zones: readonly { vmStat: Float64Array; numaStat: Float64Array }[];
  readonly nodes: readonly { vmStat: Float64Array }[];
}

/**
 * Global vm event counters (mm/vmstat.c: vm_event_states) plus sums over the zone and node
 * counters, as /proc/vmstat shows them.
 */
export class VmStat {
  /** vm_event_states, indexed by VmEvent. */
  readonly events = new Float64Array(VM_EVENT_NAMES.length);

  /** count_vm_events() */
  count(event: VmEvent, n = 1): void {
    this.events[event] += n;
  }

  /** global_zone_page_state() */
  static globalZone(src: CounterSource, item: number): number {
    let n = 0;
    for (const z of src.zones) n += z.vmStat[item]!;
    return n;
  }

  /** global_node_page_state() */
  static globalNode(src: CounterSource, item: number): number {
    let n = 0;
    for (const p of src.nodes) n += p.vmStat[item]!;
    return n;
  }

  /** Every modelled counter by its /proc/vmstat name, in /proc/vmstat order. */
  snapshot(src: CounterSource): Record<string, number> {
    const out: Record<string, number> = {};
    ZONE_STAT_NAMES.forEach((name, i) => (out[name] = VmStat.globalZone(src, i)));
    NUMA_STAT_NAMES.forEach((name, i) => {
      let n = 0;
      for (const z of src.zones) n += z.numaStat[i]!;
      out[name] = n;
    });
    NODE_STAT_NAMES.forEach((name, i) => (out[name] = VmStat.globalNode(src, i)));
    VM_EVENT_NAMES.forEach((name, i) => (out[name] = this.events[i]!));
    return out;
  }
}
