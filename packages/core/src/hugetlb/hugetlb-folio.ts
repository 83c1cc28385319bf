import { HPAGE_PMD_ORDER } from '../mem/constants';
import { PG } from '../mem/page-flags';
import type { PageFrames } from '../mem/page-frames';

/**
 * How a hugetlb folio is marked (v6.6 include/linux/mm.h: HUGETLB_PAGE_DTOR in
 * folio->_folio_dtor). The kernel keeps the compound destructor in the first tail page, in the
 * word that overlays page->lru.prev; mmsim stores it in the same place: `frames.prev[head + 1]`
 * (tail pages are never on a list, so the slot is otherwise unused). The value is larger than
 * any pfn, so a stale list link can never read as the marker. Page types are not used because
 * the three page-type bits are all taken (v6.9+ moved hugetlb to a page type).
 */
export const HUGETLB_PAGE_DTOR = 0x7ffffffe;

/**
 * mm/hugetlb.c: enum hugetlb_page_flags, kept in folio->private of the head page (v6.6:
 * HPG_restore_reserve … HPG_raw_hwp_unreliable).
 */
export const enum HPG {
  restore_reserve = 0,
  /** The folio is in use and on hugepage_activelist (not isolated for migration). */
  migratable = 1,
  /** A surplus/temporary folio (migration target) freed back to the buddy, not the pool. */
  temporary = 2,
  /** The folio sits on a hugepage_freelists[] list. */
  freed = 3,
  vmemmap_optimized = 4,
  raw_hwp_unreliable = 5,
}

/** include/linux/page-flags.h: folio_test_hugetlb() on a head page. */
export function folioTestHugetlb(f: PageFrames, head: number): boolean {
  return (f.flags[head]! & (1 << PG.head)) !== 0 && f.order[head] === HPAGE_PMD_ORDER && f.prev[head + 1] === HUGETLB_PAGE_DTOR;
}

/** include/linux/page-flags.h: PageHuge(): the page (head or tail) belongs to a hugetlb folio. */
export function pageHuge(f: PageFrames, pfn: number): boolean {
  return pfn >= 0 && pfn < f.nrFrames && folioTestHugetlb(f, f.compoundHead(pfn));
}

/** folio_set_hugetlb(): mark a freshly allocated order-9 compound folio as hugetlb. */
export function folioSetHugetlb(f: PageFrames, head: number): void {
  f.prev[head + 1] = HUGETLB_PAGE_DTOR;
  f.private[head] = 0;
}

/** folio_clear_hugetlb(): drop the marker before the folio goes back to the buddy. */
export function folioClearHugetlb(f: PageFrames, head: number): void {
  f.prev[head + 1] = 0;
  f.private[head] = 0;
}

/** folio_test_hugetlb_*() on the HPG_* bits. */
export function hpageTest(f: PageFrames, head: number, bit: HPG): boolean {
  return (f.private[head]! & (1 << bit)) !== 0;
}

/** folio_set_hugetlb_*() */
export function hpageSet(f: PageFrames, head: number, bit: HPG): void {
  f.private[head] = f.private[head]! | (1 << bit);
}

/** folio_clear_hugetlb_*() */
export function hpageClear(f: PageFrames, head: number, bit: HPG): void {
  f.private[head] = f.private[head]! & ~(1 << bit);
}
