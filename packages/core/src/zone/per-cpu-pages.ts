import { PAGE_ALLOC_COSTLY_ORDER, pageblock_order } from '../mem/constants';
import type { PageLists } from '../mem/page-list';
import { MIGRATE_PCPTYPES } from './migratetype';

/** include/linux/mmzone.h: NR_LOWORDER_PCP_LISTS, NR_PCP_LISTS (one shared THP list). */
export const NR_LOWORDER_PCP_LISTS = MIGRATE_PCPTYPES * (PAGE_ALLOC_COSTLY_ORDER + 1);
export const NR_PCP_LISTS = NR_LOWORDER_PCP_LISTS + 1;

/** mm/page_alloc.c: pcp_allowed_order(): orders up to COSTLY, and the THP order, use pcp lists. */
export function pcpAllowedOrder(order: number): boolean {
  return order <= PAGE_ALLOC_COSTLY_ORDER || order === pageblock_order;
}

/** mm/page_alloc.c: order_to_pindex() */
export function orderToPindex(migratetype: number, order: number): number {
  if (order > PAGE_ALLOC_COSTLY_ORDER) return NR_LOWORDER_PCP_LISTS;
  return MIGRATE_PCPTYPES * order + migratetype;
}

/** mm/page_alloc.c: pindex_to_order() */
export function pindexToOrder(pindex: number): number {
  return pindex === NR_LOWORDER_PCP_LISTS ? pageblock_order : Math.floor(pindex / MIGRATE_PCPTYPES);
}

/**
 * include/linux/mmzone.h: struct per_cpu_pages. One per (zone, cpu): free pages cached away from
 * the buddy lists so order-0 (and small / THP order) alloc and free skip zone->lock and merging.
 */
export class PerCpuPages {
  /** Pages on all lists, in base pages. */
  count = 0;
  /** High watermark: above it, a batch is returned to the buddy. */
  high = 0;
  /** Chunk size for buddy add/remove. */
  batch = 1;
  /** Grows each time a batch is freed while freeing is heavy (nr_pcp_free). */
  freeFactor = 0;
  readonly lists: Int32Array;

  constructor(pageLists: PageLists, readonly cpu: number) {
    this.lists = new Int32Array(NR_PCP_LISTS);
    for (let i = 0; i < NR_PCP_LISTS; i++) this.lists[i] = pageLists.newHead();
  }
}
