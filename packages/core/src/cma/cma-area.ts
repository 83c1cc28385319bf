/**
 * mm/cma.h: struct cma. One contiguous pfn range of MIGRATE_CMA pageblocks and the bitmap of what
 * cma_alloc() has handed out, one bit per 2^orderPerBit pages.
 */
export class CmaArea {
  readonly bitmap: Uint8Array;

  constructor(readonly name: string, readonly basePfn: number, readonly count: number, readonly orderPerBit: number, readonly nid: number) {
    this.bitmap = new Uint8Array(this.bitmapMaxno);
  }

  /** cma_bitmap_maxno() */
  get bitmapMaxno(): number {
    return this.count >> this.orderPerBit;
  }

  /** Pages whose bits are set (cma_get_size() minus the free part). */
  get usedPages(): number {
    let n = 0;
    for (let i = 0; i < this.bitmap.length; i++) n += this.bitmap[i]!;
    return n << this.orderPerBit;
  }

  /** cma_bitmap_aligned_mask() */
  alignedMask(alignOrder: number): number {
    return alignOrder <= this.orderPerBit ? 0 : (1 << (alignOrder - this.orderPerBit)) - 1;
  }

  /** cma_bitmap_aligned_offset(): bits from the bitmap start to the first aligned pfn. */
  alignedOffset(alignOrder: number): number {
    return (this.basePfn & ((1 << alignOrder) - 1)) >> this.orderPerBit;
  }

  /** cma_bitmap_pages_to_bits() */
  pagesToBits(pages: number): number {
    const unit = 1 << this.orderPerBit;
    return Math.ceil(pages / unit);
  }

  /**
   * lib/bitmap.c: bitmap_find_next_zero_area_off(): the first run of `nr` clear bits at or after
   * `start` whose index plus `alignOffset` is a multiple of alignMask + 1; a value beyond the
   * bitmap when there is none.
   */
  findZeroArea(start: number, nr: number, alignMask: number, alignOffset: number): number {
    const size = this.bitmapMaxno;
    for (;;) {
      let index = start;
      while (index < size && this.bitmap[index]) index++;
      // __ALIGN_MASK(index + align_offset, align_mask) - align_offset
      index = ((index + alignOffset + alignMask) & ~alignMask) - alignOffset;
      const end = index + nr;
      if (end > size) return end;
      let i = index;
      while (i < end && !this.bitmap[i]) i++;
      if (i === end) return index;
      start = i + 1;
    }
  }

  setBits(bitmapNo: number, nr: number, value: 0 | 1): void {
    this.bitmap.fill(value, bitmapNo, bitmapNo + nr);
  }

  /** cma_clear_bitmap() for a pfn range of this area. */
  clearPfns(pfn: number, count: number): void {
    const bitmapNo = (pfn - this.basePfn) >> this.orderPerBit;
    this.setBits(bitmapNo, this.pagesToBits(count), 0);
  }

  /** cma_pages_valid(): the pages lie inside the area. */
  contains(pfn: number, count: number): boolean {
    return pfn >= this.basePfn && pfn + count <= this.basePfn + this.count;
  }
}
