import type { PageFrames } from '../mem/page-frames';
import type { MappingRegistry } from '../mem/mapping-registry';
import type { AddressSpace } from '../vm/filemap';
import type { Hugetlb } from './hugetlb';

/**
 * fs/hugetlbfs/inode.c: the page cache of the hugetlbfs file behind a MAP_SHARED|MAP_HUGETLB
 * mapping (hugetlb_file_setup). The VMA's `file` is an ordinary AddressSpace (so VMA split,
 * i_mmap and rmap work unchanged); its huge folios are indexed here by page index (a multiple
 * of 512), each holding one page-cache reference and page->mapping = the file.
 */
export class HugetlbPageCache {
  private readonly files = new Map<AddressSpace, Map<number, number>>();

  constructor(private readonly frames: PageFrames, private readonly mappings: MappingRegistry, private readonly pool: Hugetlb) {}

  /** filemap_lock_hugetlb_folio(): the folio at `index`, or -1. */
  find(as: AddressSpace, index: number): number {
    return this.files.get(as)?.get(index) ?? -1;
  }

  /** hugetlb_add_to_page_cache(): the folio (its reference becomes the cache's) enters the file. */
  add(as: AddressSpace, index: number, head: number): void {
    let m = this.files.get(as);
    if (!m) this.files.set(as, (m = new Map()));
    m.set(index, head);
    this.frames.mapping[head] = as.word;
    this.frames.index[head] = index;
  }

  /** The file a shared hugetlb folio belongs to, or undefined for anonymous ones. */
  fileOf(head: number): AddressSpace | undefined {
    const w = this.frames.mapping[head]!;
    if (!w || w & 3) return undefined;
    const as = this.mappings.resolve<AddressSpace>(w);
    return as && this.files.get(as)?.get(this.frames.index[head]!) === head ? as : undefined;
  }

  /** migrate_huge_page_move_mapping(): the cache slot of `src` now holds `dst`. */
  replace(src: number, dst: number): void {
    const as = this.fileOf(src);
    if (!as) return;
    const index = this.frames.index[src]!;
    this.files.get(as)!.set(index, dst);
    this.frames.mapping[dst] = as.word;
    this.frames.index[dst] = index;
    this.frames.mapping[src] = 0;
  }

  /** remove_inode_hugepages(): the file goes away; each folio loses its cache reference. */
  removeInodeHugepages(as: AddressSpace): void {
    const m = this.files.get(as);
    if (!m) return;
    this.files.delete(as);
    for (const head of m.values()) {
      this.frames.mapping[head] = 0;
      this.pool.putFolio(head);
    }
  }

  /** Folios cached for `as` (for tests and /proc reporting). */
  size(as: AddressSpace): number {
    return this.files.get(as)?.size ?? 0;
  }
}
