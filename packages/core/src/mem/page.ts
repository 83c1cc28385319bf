import { ContractViolation } from '../errors';
import { HPAGE_PMD_ORDER } from './constants';
import { PG, PAGE_TYPE_NAMES, formatPageFlags } from './page-flags';
import type { PageFrames } from './page-frames';

/** What a Page handle needs from the kernel: the memmap and the way back to the allocator. */
export interface PageOwner {
  readonly frames: PageFrames;
  /** put_page(): drop a reference; the last one frees the page (or folio). */
  putPage(pfn: number): void;
}

/**
 * A handle on one page frame: a pfn plus accessors (DESIGN.md: handles, never storage). Cheap to
 * create; two handles on the same pfn see the same frame.
 */
export class Page {
  constructor(protected readonly owner: PageOwner, readonly pfn: number) {}

  get frames(): PageFrames {
    return this.owner.frames;
  }

  get flags(): number {
    return this.frames.flags[this.pfn]!;
  }

  get refcount(): number {
    return this.frames.refcount[this.pfn]!;
  }

  /** page_mapcount() */
  get mapcount(): number {
    return this.frames.mapcount[this.pfn]!;
  }

  get mapping(): number {
    return this.frames.mapping[this.pfn]!;
  }

  get index(): number {
    return this.frames.index[this.pfn]!;
  }

  get private(): number {
    return this.frames.private[this.pfn]!;
  }

  set private(value: number) {
    this.frames.private[this.pfn] = value;
  }

  test(bit: PG): boolean {
    return this.frames.testFlag(this.pfn, bit);
  }

  isLocked(): boolean { return this.test(PG.locked); }
  isDirty(): boolean { return this.test(PG.dirty); }
  isLru(): boolean { return this.test(PG.lru); }
  isActive(): boolean { return this.test(PG.active); }
  isReserved(): boolean { return this.test(PG.reserved); }
  isWriteback(): boolean { return this.test(PG.writeback); }
  isHead(): boolean { return this.test(PG.head); }
  isTail(): boolean { return this.test(PG.tail); }
  isHWPoison(): boolean { return this.test(PG.hwpoison); }
  /** PageCompound() */
  isCompound(): boolean { return this.isHead() || this.isTail(); }

  /** get_page(): take a reference. The page must already be referenced (VM_BUG_ON_PAGE). */
  get(): this {
    if (this.refcount <= 0) {
      throw new ContractViolation('PG5', 'get_page() on a page with no references (use-after-free)', this.describe());
    }
    this.frames.refcount[this.pfn]! += 1;
    return this;
  }

  /** put_page() */
  put(): void {
    this.owner.putPage(this.pfn);
  }

  /**
   * page_ref_freeze() / folio_ref_freeze(): if the refcount equals `count`, set it to 0 and
   * return true (nobody can take a new reference); else leave it and return false.
   */
  refFreeze(count: number): boolean {
    if (this.frames.refcount[this.pfn] !== count) return false;
    this.frames.refcount[this.pfn] = 0;
    return true;
  }

  /** page_ref_unfreeze(): give a frozen page its references back. */
  refUnfreeze(count: number): void {
    if (this.refcount !== 0) {
      throw new ContractViolation('PG5', `page_ref_unfreeze() on a page that is not frozen (refcount ${this.refcount})`, this.describe());
    }
    this.frames.refcount[this.pfn] = count;
  }

  /** The compound head of this page (itself if not a tail). */
  head(): Page {
    const head = this.frames.compoundHead(this.pfn);
    return head === this.pfn ? this : new Page(this.owner, head);
  }

  /** folio_order(): compound order of the head, 0 for a base page. */
  get folioOrder(): number {
    const head = this.frames.compoundHead(this.pfn);
    return this.frames.testFlag(head, PG.head) ? this.frames.order[head]! : 0;
  }

  /** folio_nr_pages() */
  get nrPages(): number {
    return 1 << this.folioOrder;
  }

  /** Whether this is the head of a PMD-sized (THP) folio. */
  isTransHuge(): boolean {
    return this.isHead() && this.frames.order[this.pfn] === HPAGE_PMD_ORDER;
  }

  /** The fields ContractViolation reports. */
  describe(): { pfn: number; flags: number; refcount: number; mapcount: number; mapping: number } {
    return { pfn: this.pfn, flags: this.flags, refcount: this.refcount, mapcount: this.mapcount, mapping: this.mapping };
  }

  /** mm/debug.c: dump_page() in one line. */
  dump(): string {
    return dumpPage(this.frames, this.pfn);
  }
}

/** mm/debug.c: __dump_page(), as one line. */
export function dumpPage(frames: PageFrames, pfn: number): string {
  const flags = frames.flags[pfn]!;
  const type = PAGE_TYPE_NAMES[frames.pageType(pfn)];
  const head = frames.compoundHead(pfn);
  const parts = [
    `page:pfn:0x${pfn.toString(16)}`,
    `refcount:${frames.refcount[pfn]}`,
    `mapcount:${frames.mapcount[pfn]}`,
    `mapping:0x${frames.mapping[pfn]!.toString(16)}`,
    `index:0x${frames.index[pfn]!.toString(16)}`,
  ];
  if (head !== pfn || frames.testFlag(pfn, PG.head)) parts.push(`head:0x${head.toString(16)} order:${frames.order[head]}`);
  parts.push(`flags:0x${(flags & 0xffffff).toString(16)}(${formatPageFlags(flags)})`);
  if (type) parts.push(`page_type:${type}`);
  return parts.join(' ');
}
