import { PAGE_TYPE_MASK, PAGE_TYPE_SHIFT, PageType, ZONEID_SHIFT, PG } from './page-flags';

/**
 * The memmap: every simulated page frame as a slot in parallel typed arrays indexed by pfn
 * (DESIGN.md "Page frames are struct-of-arrays"). The kernel's `struct page` is 64 bytes; a frame
 * here costs {@link PageFrames.BYTES_PER_FRAME} bytes and no JavaScript object.
 *
 * Field meanings follow include/linux/mm_types.h:
 * - `flags`: PG_* bits, page type, zone id (see page-flags.ts).
 * - `refcount`: page->_refcount.
 * - `mapcount`: number of page-table mappings (the kernel's _mapcount + 1). For a compound
 *   page, the slot of the first tail page holds the entire (PMD) mapcount, as
 *   folio->_entire_mapcount does.
 * - `mapping`: page->mapping with the low-bit encoding (mapping.ts).
 * - `index`: page->index (offset in the mapping; the migratetype while on a pcp list).
 * - `private`: page->private (buffer heads, swap entry, driver word).
 * - `order`: buddy order while free, compound order on every page of a compound page,
 *   allocation order otherwise.
 * - `next`/`prev`: intrusive list links (page->lru / buddy_list / pcp_list); see page-list.ts.
 * - `content`: a 32-bit fingerprint of the page's data that migration copies, so that loss of
 *   data is detectable on any run without storing 4 KiB per frame.
 */
export class PageFrames {
  /** Bytes of typed-array storage per frame. */
  static readonly BYTES_PER_FRAME = 4 + 4 + 4 + 4 + 4 + 4 + 1 + 4 + 4 + 4;

  readonly flags: Uint32Array;
  readonly refcount: Int32Array;
  readonly mapcount: Int32Array;
  readonly mapping: Uint32Array;
  readonly index: Uint32Array;
  readonly private: Uint32Array;
  readonly order: Uint8Array;
  readonly next: Int32Array;
  readonly prev: Int32Array;
  readonly content: Uint32Array;

  constructor(readonly nrFrames: number) {
    this.flags = new Uint32Array(nrFrames);
    this.refcount = new Int32Array(nrFrames);
    this.mapcount = new Int32Array(nrFrames);
    this.mapping = new Uint32Array(nrFrames);
    this.index = new Uint32Array(nrFrames);
    this.private = new Uint32Array(nrFrames);
    this.order = new Uint8Array(nrFrames);
    this.next = new Int32Array(nrFrames);
    this.prev = new Int32Array(nrFrames);
    this.content = new Uint32Array(nrFrames);
  }

  /** Bytes held by the typed arrays of this memmap. */
  get byteLength(): number {
    return this.nrFrames * PageFrames.BYTES_PER_FRAME;
  }

  testFlag(pfn: number, bit: PG): boolean {
    return (this.flags[pfn] & (1 << bit)) !== 0;
  }

  setFlag(pfn: number, bit: PG): void {
    this.flags[pfn] |= 1 << bit;
  }

  clearFlag(pfn: number, bit: PG): void {
    this.flags[pfn] &= ~(1 << bit);
  }

  /** Sets the bit and returns whether it was already set (TestSetPage*). */
  testSetFlag(pfn: number, bit: PG): boolean {
    const old = this.flags[pfn];
    this.flags[pfn] = old | (1 << bit);
    return (old & (1 << bit)) !== 0;
  }

  /** Clears the bit and returns whether it was set (TestClearPage*). */
  testClearFlag(pfn: number, bit: PG): boolean {
    const old = this.flags[pfn];
    this.flags[pfn] = old & ~(1 << bit);
    return (old & (1 << bit)) !== 0;
  }

  pageType(pfn: number): PageType {
    return ((this.flags[pfn] & PAGE_TYPE_MASK) >>> PAGE_TYPE_SHIFT) as PageType;
  }

  setPageType(pfn: number, type: PageType): void {
    this.flags[pfn] = (this.flags[pfn] & ~PAGE_TYPE_MASK) | (type << PAGE_TYPE_SHIFT);
  }

  /** Global zone id stored in the top bits of the flags word (page_zonenum + page_to_nid). */
  zoneId(pfn: number): number {
    return this.flags[pfn] >>> ZONEID_SHIFT;
  }

  /** include/linux/page-flags.h: compound_head(). Compound pages are naturally aligned. */
  compoundHead(pfn: number): number {
    if ((this.flags[pfn] & (1 << PG.tail)) === 0) return pfn;
    const order = this.order[pfn];
    return pfn & ~((1 << order) - 1);
  }
}
