import * as memConstants from '../mem/constants';
import type { AnonVma } from './anon-vma';
import type { AddressSpace } from './filemap';
import type { MmStruct } from './mm';
import * as vmConstants from './constants';

// Imported numeric constants as module-level consts, which V8 folds into the code; an imported
// binding is a load from the exporting module at every use (see page-flags.ts).
const { PAGE_SIZE } = memConstants;
const { VM_SHARED } = vmConstants;

/**
 * include/linux/mm_types.h: struct vm_area_struct. [start, end) is page aligned; `pgoff` is the
 * offset in pages of `start` within the file (or start >> PAGE_SHIFT for private anonymous
 * memory, as mm/mmap.c do_mmap sets it). `anonChain` is the anon_vma_chain list: every anon_vma
 * this VMA's pages may belong to, oldest first; `anonVma` is the one new pages use.
 */
export class VmArea {
  anonVma: AnonVma | null = null;
  readonly anonChain: AnonVma[] = [];

  constructor(
    public mm: MmStruct,
    public start: number,
    public end: number,
    public flags: number,
    public pgoff: number,
    public file: AddressSpace | null = null,
  ) {}

  get pages(): number {
    return (this.end - this.start) / PAGE_SIZE;
  }

  /** include/linux/mm.h: vma_is_anonymous() — no file (shared anon uses a shmem file). */
  get isAnonymous(): boolean {
    return this.file === null;
  }

  get isShared(): boolean {
    return (this.flags & VM_SHARED) !== 0;
  }

  /** mm/internal.h: vma_address() — where page `index` of the mapping sits, or -1. */
  address(index: number): number {
    const off = (index - this.pgoff) >>> 0;
    return off < (this.end - this.start) / PAGE_SIZE ? this.start + off * PAGE_SIZE : -1;
  }

  /**
   * Page offset from vm_start of a folio [index, index+nr) that overlaps this VMA (negative when
   * the folio starts before the VMA), or NaN when it does not overlap. Indexes are 32-bit and
   * compared modulo 2^32 (anonymous pgoff is the virtual page number, which can exceed 32 bits).
   */
  folioOffset(index: number, nr: number): number {
    const off = (index - this.pgoff) >>> 0;
    if (off < (this.end - this.start) / PAGE_SIZE) return off;
    const before = (this.pgoff - index) >>> 0;
    return before < nr ? -before : NaN;
  }

  /** linear_page_index(): the mapping index of the page at addr (modulo 2^32). */
  linearIndex(addr: number): number {
    return (this.pgoff + (addr - this.start) / PAGE_SIZE) >>> 0;
  }

  contains(addr: number): boolean {
    return addr >= this.start && addr < this.end;
  }
}
