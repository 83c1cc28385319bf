import { SWAP_CLUSTER_MAX } from '../mem/constants';

export { SWAP_CLUSTER_MAX };
/** mm/vmscan.c: DEF_PRIORITY — scan 1/4096th of the lists first. */
export const DEF_PRIORITY = 12;
/** mm/internal.h: MAX_RECLAIM_RETRIES — kswapd gives up a node after this many fruitless runs. */
export const MAX_RECLAIM_RETRIES = 16;

/** mm/vmscan.c: struct scan_control, the fields mmsim uses. */
export class ScanControl {
  /** How many pages shrink_list() should reclaim. */
  nrToReclaim = SWAP_CLUSTER_MAX;
  gfpMask = 0;
  order = 0;
  /** Scan (total_size >> priority) pages at once. */
  priority = DEF_PRIORITY;
  /** The highest zone index to reclaim from (folios in higher zones are skipped). */
  reclaimIdx = 0;
  /** Can dirty folios be written out? */
  mayWritepage = true;
  /** Can mapped folios be unmapped? */
  mayUnmap = true;
  /** Can anonymous folios be swapped? */
  maySwap = true;
  /** current_is_kswapd(): pgscan/pgsteal go to the kswapd counters. */
  kswapd = false;
  /** Incremented by the number of inactive pages that were scanned. */
  nrScanned = 0;
  /** Number of pages freed so far. */
  nrReclaimed = 0;
  /** Dirty folios written out (nr_vmscan_write). */
  nrWritten = 0;
  /** Swap writes the device refused (the folio stayed mapped and was activated). */
  nrWriteErrors = 0;

  constructor(init: Partial<ScanControl> = {}) {
    Object.assign(this, init);
  }
}
