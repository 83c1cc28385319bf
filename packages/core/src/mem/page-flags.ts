/**
 * Page flag bits and page types, named as in include/linux/page-flags.h (v6.6–v6.10).
 *
 * The 32-bit flags word of a frame holds, like the kernel's page->flags, the PG_* bits in its
 * low bits, the page type (the kernel keeps it in page->page_type; mmsim keeps it beside the
 * flags to save a word per frame) and, in the top bits, the global zone id the frame belongs to
 * (the kernel stores node and zone in the top bits of page->flags: page_zonenum/page_to_nid).
 *
 * Hot-path files declare their own masks (`const LRU = 1 << PG.lru`): `tsc -b` inlines const
 * enum members such as PG.lru (whole-program emit, tsconfig.base.json), but an imported `const` is
 * still a property load of the exporting module at run time, while a module-local const is folded.
 */
export const enum PG {
  locked = 0,
  writeback = 1,
  referenced = 2,
  uptodate = 3,
  dirty = 4,
  lru = 5,
  head = 6,
  waiters = 7,
  active = 8,
  workingset = 9,
  error = 10,
  slab = 11,
  owner_priv_1 = 12,
  arch_1 = 13,
  reserved = 14,
  private = 15,
  private_2 = 16,
  mappedtodisk = 17,
  reclaim = 18,
  swapbacked = 19,
  unevictable = 20,
  mlocked = 21,
  hwpoison = 22,
  /** Simulator bookkeeping, not a kernel flag: the page is a tail page of a compound page. */
  tail = 23,
}

/** PG_isolated aliases PG_reclaim for non-LRU movable pages (include/linux/page-flags.h, v6.x). */
export const PG_isolated = PG.reclaim;
/** PG_checked aliases PG_owner_priv_1 (filesystems). */
export const PG_checked = PG.owner_priv_1;
/** PG_swapcache aliases PG_owner_priv_1 for swap-backed pages. */
export const PG_swapcache = PG.owner_priv_1;
/** PG_anon_exclusive aliases PG_mappedtodisk on anonymous pages (v5.19+). */
export const PG_anon_exclusive = PG.mappedtodisk;

/** Names printed by dump_page / %pGp (include/trace/events/mmflags.h order). */
export const PG_NAMES: readonly string[] = [
  'locked', 'writeback', 'referenced', 'uptodate', 'dirty', 'lru', 'head', 'waiters', 'active',
  'workingset', 'error', 'slab', 'owner_priv_1', 'arch_1', 'reserved', 'private', 'private_2',
  'mappedtodisk', 'reclaim', 'swapbacked', 'unevictable', 'mlocked', 'hwpoison', 'tail',
];

export const PG_FLAG_BITS = 24;
export const PG_FLAG_MASK = (1 << PG_FLAG_BITS) - 1;

/**
 * Page types (include/linux/page-flags.h: PG_buddy, PG_offline, PG_table, PG_guard, PG_slab…
 * in page->page_type). Stored in bits 24..26 of the flags word.
 */
export const enum PageType {
  none = 0,
  buddy = 1,
  offline = 2,
  table = 3,
  guard = 4,
  zsmalloc = 5,
  /** Simulator bookkeeping: the page sits on a per-cpu free list (kernel: on pcp->lists). */
  pcp = 6,
  /** Simulator bookkeeping: pfn lies in a hole or an unpopulated range (no memmap). */
  nomap = 7,
}
export const PAGE_TYPE_SHIFT = 24;
export const PAGE_TYPE_MASK = 0x7 << PAGE_TYPE_SHIFT;
export const PAGE_TYPE_NAMES: readonly string[] = ['', 'buddy', 'offline', 'table', 'guard', 'zsmalloc', 'pcp', 'nomap'];

/** Bits 27..31: global zone id (node * MAX_NR_ZONES + zone index): up to 32 zones, 8 nodes. */
export const ZONEID_SHIFT = 27;
export const ZONEID_MASK = 0x1f << ZONEID_SHIFT;
export const MAX_NUMNODES = 8;

/**
 * Flags that must be clear when a page is freed (include/linux/page-flags.h:
 * PAGE_FLAGS_CHECK_AT_FREE). Freeing a page with any of them set is a bad_page().
 */
export const PAGE_FLAGS_CHECK_AT_FREE =
  (1 << PG.lru) | (1 << PG.locked) | (1 << PG.private) | (1 << PG.private_2) |
  (1 << PG.writeback) | (1 << PG.reserved) | (1 << PG.slab) | (1 << PG.active) |
  (1 << PG.unevictable) | (1 << PG.mlocked);

/** Flags cleared when a page is prepared for the allocator (PAGE_FLAGS_CHECK_AT_PREP). */
export const PAGE_FLAGS_CHECK_AT_PREP = PG_FLAG_MASK & ~(1 << PG.hwpoison);

/** Renders the PG_* bits of a flags word as the kernel's %pGp does: `locked|dirty|lru`. */
export function formatPageFlags(flags: number): string {
  const out: string[] = [];
  for (let bit = 0; bit < PG_FLAG_BITS; bit++) {
    if (flags & (1 << bit)) out.push(PG_NAMES[bit]!);
  }
  return out.join('|');
}
