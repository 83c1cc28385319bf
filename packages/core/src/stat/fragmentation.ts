/**
 * External-fragmentation metrics, with the kernel's integer arithmetic (truncating division):
 * the free-block census and the indices of mm/vmstat.c, and the proactive-compaction score of
 * mm/compaction.c (Linux v6.6). Reference: ../shared/reference/kernel.md §2.1–§2.3.
 *
 * The pure functions take a zone's free_area[].nr_free counts (`Zone.nrFree`); the thin wrappers
 * take anything shaped like a Zone / PgData so they work on live zones and on test fixtures.
 */
import { KernelError } from '../errors';
import { HPAGE_PMD_ORDER, MAX_PAGE_ORDER, NR_PAGE_ORDERS } from '../mem/constants';

/** mm/compaction.c: COMPACTION_HPAGE_ORDER (HPAGE_PMD_ORDER on x86_64). */
export const COMPACTION_HPAGE_ORDER = HPAGE_PMD_ORDER;

/** mm/vmstat.c: struct contig_page_info */
export interface ContigPageInfo {
  /** Free base pages: Σ nr_free[k] << k. */
  freePages: number;
  /** Free blocks of any order: Σ nr_free[k]. */
  freeBlocksTotal: number;
  /** Order-`suitable_order` blocks obtainable from blocks of that order or larger. */
  freeBlocksSuitable: number;
}

/** What the fragmentation functions read from a zone (struct zone: free_area[], present_pages). */
export interface FreeAreaSource {
  readonly nrFree: ArrayLike<number>;
  readonly presentPages: number;
}

/** What fragmentation_score_node() reads from a node (pg_data_t). */
export interface NodeZonesSource {
  readonly nodePresentPages: number;
  readonly zones: readonly FreeAreaSource[];
}

/** Throws EINVAL unless `order` is a buddy order 0..MAX_PAGE_ORDER. */
function checkOrder(order: number, fn: string): void {
  if (!Number.isInteger(order) || order < 0 || order > MAX_PAGE_ORDER) {
    throw new KernelError('EINVAL', `${fn}: order ${order} is out of range; pass a buddy order 0..${MAX_PAGE_ORDER} (MAX_PAGE_ORDER)`);
  }
}

function checkNrFree(nrFree: ArrayLike<number>): void {
  if (nrFree.length !== NR_PAGE_ORDERS) {
    throw new KernelError('EINVAL', `fill_contig_page_info: nr_free must have ${NR_PAGE_ORDERS} entries (orders 0..${MAX_PAGE_ORDER}), got ${nrFree.length}`);
  }
  for (let k = 0; k < NR_PAGE_ORDERS; k++) {
    const n = nrFree[k]!;
    if (!Number.isInteger(n) || n < 0) {
      throw new KernelError('EINVAL', `fill_contig_page_info: nr_free[${k}] = ${n} is not a non-negative integer block count`);
    }
  }
}

/**
 * mm/vmstat.c: fill_contig_page_info(). Census of the free lists for a request of
 * `suitableOrder`: free pages, free blocks, and how many order-`suitableOrder` blocks the larger
 * free blocks could provide.
 */
export function fillContigPageInfo(nrFree: ArrayLike<number>, suitableOrder: number): ContigPageInfo {
  checkOrder(suitableOrder, 'fill_contig_page_info');
  checkNrFree(nrFree);
  let freePages = 0;
  let freeBlocksTotal = 0;
  let freeBlocksSuitable = 0;
  for (let order = 0; order < NR_PAGE_ORDERS; order++) {
    const blocks = nrFree[order]!;
    freeBlocksTotal += blocks;
    freePages += blocks * 2 ** order;
    if (order >= suitableOrder) freeBlocksSuitable += blocks * 2 ** (order - suitableOrder);
  }
  return { freePages, freeBlocksTotal, freeBlocksSuitable };
}

/**
 * mm/vmstat.c: unusable_free_index(). Share (×1000) of free memory that cannot serve an
 * order-`order` request; 1000 when there is no free memory at all.
 */
export function unusableFreeIndex(order: number, info: ContigPageInfo): number {
  checkOrder(order, 'unusable_free_index');
  // No free memory is interpreted as all free memory is unusable.
  if (info.freePages === 0) return 1000;
  return Math.trunc(((info.freePages - info.freeBlocksSuitable * 2 ** order) * 1000) / info.freePages);
}

/**
 * mm/vmstat.c: __fragmentation_index(). 0 if there are no free blocks, -1000 if the request
 * would succeed, else towards 0 = failure from lack of memory, towards 1000 = from fragmentation.
 * The kernel WARNs and returns 0 for order > MAX_ORDER; here that input throws EINVAL.
 */
export function __fragmentationIndex(order: number, info: ContigPageInfo): number {
  checkOrder(order, '__fragmentation_index');
  const requested = 2 ** order;
  if (!info.freeBlocksTotal) return 0;
  // Fragmentation index only makes sense when a request would fail.
  if (info.freeBlocksSuitable) return -1000;
  return 1000 - Math.trunc((1000 + Math.trunc((info.freePages * 1000) / requested)) / info.freeBlocksTotal);
}

/** mm/vmstat.c: fragmentation_index(zone, order), as compaction_suitable() calls it. */
export function fragmentationIndex(zone: Pick<FreeAreaSource, 'nrFree'>, order: number): number {
  return __fragmentationIndex(order, fillContigPageInfo(zone.nrFree, order));
}

/** mm/vmstat.c: unusable_free_index() of a zone (one column of debugfs extfrag/unusable_index). */
export function zoneUnusableIndex(zone: Pick<FreeAreaSource, 'nrFree'>, order: number): number {
  return unusableFreeIndex(order, fillContigPageInfo(zone.nrFree, order));
}

/**
 * mm/vmstat.c: extfrag_for_order(). Percentage (0..100) of free pages sitting in blocks smaller
 * than 2^order; 0 (not 100) when the zone has no free memory.
 */
export function extfragForOrder(zone: Pick<FreeAreaSource, 'nrFree'>, order: number): number {
  const info = fillContigPageInfo(zone.nrFree, order);
  if (info.freePages === 0) return 0;
  return Math.trunc(((info.freePages - info.freeBlocksSuitable * 2 ** order) * 100) / info.freePages);
}

/** mm/compaction.c: fragmentation_score_zone(): extfrag_for_order(zone, COMPACTION_HPAGE_ORDER). */
export function fragmentationScoreZone(zone: Pick<FreeAreaSource, 'nrFree'>): number {
  return extfragForOrder(zone, COMPACTION_HPAGE_ORDER);
}

/**
 * mm/compaction.c: fragmentation_score_zone_weighted(): the zone's score weighted by its share
 * of the node's present pages, `present * score / (node_present_pages + 1)`.
 */
export function fragmentationScoreZoneWeighted(zone: FreeAreaSource, pgdat: Pick<NodeZonesSource, 'nodePresentPages'>): number {
  if (!Number.isInteger(pgdat.nodePresentPages) || pgdat.nodePresentPages < 0) {
    throw new KernelError('EINVAL', `fragmentation_score_zone_weighted: node_present_pages ${pgdat.nodePresentPages} is not a non-negative integer`);
  }
  const score = zone.presentPages * fragmentationScoreZone(zone);
  return Math.trunc(score / (pgdat.nodePresentPages + 1));
}

/**
 * mm/compaction.c: fragmentation_score_node(): sum of the weighted scores of the node's
 * populated zones (0..100). Proactive compaction starts when it exceeds the high watermark.
 */
export function fragmentationScoreNode(pgdat: NodeZonesSource): number {
  let score = 0;
  for (const zone of pgdat.zones) {
    if (!(zone.presentPages > 0)) continue;
    score += fragmentationScoreZoneWeighted(zone, pgdat);
  }
  return score;
}

/**
 * mm/compaction.c: fragmentation_score_wmark(low). The low watermark is
 * max(100 - proactiveness, 5) (capped so proactiveness near 100 does not compact endlessly);
 * the high one is min(low + 10, 100). Defaults (proactiveness 20): 80 / 90.
 */
export function fragmentationScoreWmark(low: boolean, proactiveness: number): number {
  if (!Number.isInteger(proactiveness) || proactiveness < 0 || proactiveness > 100) {
    throw new KernelError('EINVAL', `fragmentation_score_wmark: compaction_proactiveness ${proactiveness} is out of range; use an integer 0..100`);
  }
  const wmarkLow = Math.max(100 - proactiveness, 5);
  return low ? wmarkLow : Math.min(wmarkLow + 10, 100);
}
