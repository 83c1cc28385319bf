import {
  __fragmentationIndex,
  COMPACTION_HPAGE_ORDER,
  fillContigPageInfo,
  fragmentationScoreNode,
  fragmentationScoreWmark,
  MAX_PAGE_ORDER,
  MIGRATE_TYPES,
  NR_PAGE_ORDERS,
  unusableFreeIndex,
} from '@mmsim/core';

/**
 * Free-memory shape (experiments.md §2 M1–M6) of one zone, from its free_area[] counts only, so a
 * sample costs a few typed-array reads. The indices reuse core's mm/vmstat.c functions, so the
 * numbers are the kernel's integers (×1000, truncating division).
 */
export interface FreeAreaInput {
  /** free_area[order].nr_free */
  readonly nrFree: ArrayLike<number>;
  /** free_area[order].free_list[mt] lengths, order-major (`order * MIGRATE_TYPES + mt`). */
  readonly nrFreeByType: ArrayLike<number>;
  readonly presentPages: number;
}

export interface ZoneFreeShape {
  /** M1: k_i per order, and per migratetype (pagetypeinfo layout: [mt][order]). */
  buddyinfo: number[];
  pagetypeinfo: number[][];
  /** M2: unusable_free_index ×1000 per order. */
  unusableIndex: number[];
  /** M3: __fragmentation_index ×1000 per order (-1000: the request would succeed). */
  extfragIndex: number[];
  /** M5: S_9 and S_10 (order-9 / order-10 blocks obtainable), and A_2M = S_9 / (present/512) ×1000. */
  s9: number;
  s10: number;
  hugeAvailabilityPermille: number;
  /** M6: highest order with a free block, -1 when the zone has none. */
  largestFreeOrder: number;
}

export function zoneFreeShape(z: FreeAreaInput): ZoneFreeShape {
  const buddyinfo = Array.from(z.nrFree);
  const pagetypeinfo = Array.from({ length: MIGRATE_TYPES }, (_, mt) =>
    Array.from({ length: NR_PAGE_ORDERS }, (_, o) => z.nrFreeByType[o * MIGRATE_TYPES + mt]!),
  );
  const unusableIndex: number[] = [];
  const extfragIndex: number[] = [];
  for (let o = 0; o < NR_PAGE_ORDERS; o++) {
    const info = fillContigPageInfo(z.nrFree, o);
    unusableIndex.push(unusableFreeIndex(o, info));
    extfragIndex.push(__fragmentationIndex(o, info));
  }
  const s9 = fillContigPageInfo(z.nrFree, COMPACTION_HPAGE_ORDER).freeBlocksSuitable;
  const s10 = fillContigPageInfo(z.nrFree, Math.min(COMPACTION_HPAGE_ORDER + 1, MAX_PAGE_ORDER)).freeBlocksSuitable;
  const hugeFrames = Math.trunc(z.presentPages / 2 ** COMPACTION_HPAGE_ORDER);
  let largestFreeOrder = -1;
  for (let o = MAX_PAGE_ORDER; o >= 0; o--) {
    if (z.nrFree[o]! > 0) {
      largestFreeOrder = o;
      break;
    }
  }
  return {
    buddyinfo,
    pagetypeinfo,
    unusableIndex,
    extfragIndex,
    s9,
    s10,
    hugeAvailabilityPermille: hugeFrames ? Math.trunc((s9 * 1000) / hugeFrames) : 0,
    largestFreeOrder,
  };
}

export interface NodeScore {
  node: number;
  /** M4: fragmentation_score_node() 0..100, and the kcompactd watermarks it is compared with. */
  score: number;
  wmarkLow: number;
  wmarkHigh: number;
  /** Whether proactive compaction would run (score > high watermark, mm/compaction.c: should_proactive_compact_node). */
  aboveHigh: boolean;
}

/** M4 for one node: mm/compaction.c fragmentation_score_node() against fragmentation_score_wmark(). */
export function nodeScore(node: number, nodePresentPages: number, zones: readonly FreeAreaInput[], proactiveness: number): NodeScore {
  const score = fragmentationScoreNode({ nodePresentPages, zones });
  const wmarkLow = fragmentationScoreWmark(true, proactiveness);
  const wmarkHigh = fragmentationScoreWmark(false, proactiveness);
  return { node, score, wmarkLow, wmarkHigh, aboveHigh: proactiveness > 0 && score > wmarkHigh };
}

/**
 * M6: histogram of maximal runs of free pages in PFN space, bucketed by floor(log2(length)).
 * Runs may cross buddy boundaries and exceed MAX_PAGE_ORDER, which is the point (contiguity above
 * the buddy's largest block). A frame is free when `classes[pfn] === free`.
 */
export function freeRunHistogram(classes: ArrayLike<number>, free: number): { buckets: number[]; longestRun: number } {
  const buckets: number[] = [];
  let longestRun = 0;
  let run = 0;
  const close = (): void => {
    if (run === 0) return;
    const b = Math.floor(Math.log2(run));
    while (buckets.length <= b) buckets.push(0);
    buckets[b]!++;
    if (run > longestRun) longestRun = run;
    run = 0;
  };
  for (let pfn = 0; pfn < classes.length; pfn++) {
    if (classes[pfn] === free) run++;
    else close();
  }
  close();
  return { buckets, longestRun };
}
