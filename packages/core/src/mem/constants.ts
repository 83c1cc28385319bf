/**
 * Architecture constants of the simulated machine (x86_64, 4 KiB pages, Linux v6.6–v6.10).
 * include/asm-generic/page.h, include/linux/mmzone.h, include/linux/pageblock-flags.h
 */

/** include/asm-generic/page.h: PAGE_SHIFT */
export const PAGE_SHIFT = 12;
/** include/asm-generic/page.h: PAGE_SIZE */
export const PAGE_SIZE = 1 << PAGE_SHIFT;
/** include/linux/mmzone.h: MAX_PAGE_ORDER (v6.8 name; v6.4–v6.7 `MAX_ORDER`, inclusive). */
export const MAX_PAGE_ORDER = 10;
/** Kernel v6.4–v6.7 spelling of {@link MAX_PAGE_ORDER}: inclusive, buddy orders are 0..10. */
export const MAX_ORDER = MAX_PAGE_ORDER;
/** include/linux/mmzone.h: NR_PAGE_ORDERS = MAX_PAGE_ORDER + 1 */
export const NR_PAGE_ORDERS = MAX_PAGE_ORDER + 1;
/** include/linux/mmzone.h: MAX_ORDER_NR_PAGES */
export const MAX_ORDER_NR_PAGES = 1 << MAX_PAGE_ORDER;
/** include/linux/huge_mm.h: HPAGE_PMD_ORDER (2 MiB THP) */
export const HPAGE_PMD_ORDER = 9;
/** include/linux/huge_mm.h: HPAGE_PMD_NR */
export const HPAGE_PMD_NR = 1 << HPAGE_PMD_ORDER;
/** include/linux/pageblock-flags.h: pageblock_order = min(HPAGE_PMD_ORDER, MAX_PAGE_ORDER) */
export const pageblock_order = Math.min(HPAGE_PMD_ORDER, MAX_PAGE_ORDER);
/** include/linux/pageblock-flags.h: pageblock_nr_pages */
export const pageblock_nr_pages = 1 << pageblock_order;
/** include/linux/mmzone.h: PAGE_ALLOC_COSTLY_ORDER */
export const PAGE_ALLOC_COSTLY_ORDER = 3;
/** include/linux/swap.h: SWAP_CLUSTER_MAX (also COMPACT_CLUSTER_MAX) */
export const SWAP_CLUSTER_MAX = 32;
/** Size of the kernel's `struct page` on x86_64, used for the memmap reservation at boot. */
export const STRUCT_PAGE_SIZE = 64;
/** arch/x86/include/asm/pgtable_64_types.h: VMEMMAP_START (page pointers in trace output). */
export const VMEMMAP_START = 0xffffea0000000000n;
/** Highest pfn below 4 GiB: the end of ZONE_DMA32 on x86_64 (arch/x86/mm/init.c: MAX_DMA32_PFN). */
export const MAX_DMA32_PFN = (4 * 1024 * 1024 * 1024) / PAGE_SIZE;
