import { NODE_STAT_NAMES } from '../stat/vmstat-items';
import type { Zone } from './zone';

/**
 * include/linux/mmzone.h: pg_data_t (struct pglist_data), one per NUMA node.
 */
export class PgData {
  nodeStartPfn = 0;
  nodeSpannedPages = 0;
  nodePresentPages = 0;
  /** node_zones[MAX_NR_ZONES] (populated or not). */
  readonly zones: Zone[] = [];
  /** ZONELIST_FALLBACK: this node's zones, then other nodes' by distance, highest zone first. */
  zonelistFallback: Zone[] = [];
  /** ZONELIST_NOFALLBACK: this node's zones only (__GFP_THISNODE). */
  zonelistNoFallback: Zone[] = [];
  /** vm_stat[] (node_stat_item) */
  readonly vmStat = new Float64Array(NODE_STAT_NAMES.length);
  /** Global ids of the CPUs on this node. */
  readonly cpus: number[] = [];

  constructor(readonly nid: number) {}
}
