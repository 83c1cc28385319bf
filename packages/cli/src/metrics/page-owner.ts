import { mappingIsMovable, PAGE_TYPE_MASK, PAGE_TYPE_SHIFT, PG, PageType, type EventBus, type MmPageAlloc, type PhysicalMemory } from '@mmsim/core';
import { PAGE_ABSENT, PAGE_FREE, PAGE_MOVABLE, PAGE_UNMOVABLE } from './page-class';

const UNKNOWN = 0xff;
const BUDDY = PageType.buddy << PAGE_TYPE_SHIFT;
const PCP = PageType.pcp << PAGE_TYPE_SHIFT;
const NOMAP = PageType.nomap << PAGE_TYPE_SHIFT;
const MOVABLE_STATE = (1 << PG.lru) | (1 << PG.swapbacked);
const TAIL = 1 << PG.tail;
const RESERVED = 1 << PG.reserved;

/**
 * The migratetype each page was allocated with, as page_owner records it (mm/page_owner.c keeps
 * the gfp mask per page): one byte per pfn, filled from mm_page_alloc. Pages allocated before it
 * started (boot reservations) stay unknown and count as unmovable.
 */
export class PageOwner {
  readonly allocMt: Uint8Array;
  private readonly listener = (e: MmPageAlloc): void => {
    this.allocMt.fill(e.migratetype, e.pfn, e.pfn + 2 ** e.order);
  };

  constructor(private readonly events: EventBus, maxPfn: number) {
    this.allocMt = new Uint8Array(maxPfn).fill(UNKNOWN);
    events.on('mm_page_alloc', this.listener);
  }

  stop(): void {
    this.events.off('mm_page_alloc', this.listener);
  }

  /**
   * Every frame's class (page-class.ts) from the memmap: free blocks from the buddy/pcp page type
   * on their head, absent frames from nomap, and for allocated pages the page_owner migratetype,
   * except that a page on the LRU or with movable_ops is movable whatever it was allocated as
   * (compaction destinations are taken from the free lists without mm_page_alloc, and
   * mm/page_owner.c: __folio_copy_owner gives them the source page's record).
   */
  classify(mem: PhysicalMemory): Uint8Array {
    const f = mem.frames;
    const flagsArr = f.flags;
    const orderArr = f.order;
    const mappingArr = f.mapping;
    const allocMt = this.allocMt;
    const n = Math.min(f.nrFrames, allocMt.length);
    const out = new Uint8Array(n);
    for (let pfn = 0; pfn < n; ) {
      const flags = flagsArr[pfn]!;
      const type = flags & PAGE_TYPE_MASK;
      if (type === BUDDY || type === PCP) {
        const end = Math.min(pfn + 2 ** orderArr[pfn]!, n);
        out.fill(PAGE_FREE, pfn, end);
        pfn = end;
        continue;
      }
      if (type === NOMAP) out[pfn] = PAGE_ABSENT;
      else {
        // compound_head(), inlined: this loop visits every frame of the machine.
        const head = flags & TAIL ? pfn & ~((1 << orderArr[pfn]!) - 1) : pfn;
        const headFlags = head === pfn ? flags : flagsArr[head]!;
        if (headFlags & MOVABLE_STATE || mappingIsMovable(mappingArr[head]!)) out[pfn] = PAGE_MOVABLE;
        else if (headFlags & RESERVED) out[pfn] = PAGE_UNMOVABLE;
        else {
          const mt = allocMt[pfn]!;
          out[pfn] = mt === UNKNOWN ? PAGE_UNMOVABLE : mt;
        }
      }
      pfn++;
    }
    return out;
  }
}
