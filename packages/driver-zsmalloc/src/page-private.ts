import type { Zspage } from './zspage';

/** Pfns per chunk of the lookup array. */
const CHUNK_SHIFT = 10;
const CHUNK_MASK = (1 << CHUNK_SHIFT) - 1;

/**
 * page->private of the zsmalloc sub-pages (the zspage each belongs to), as a Map whose `get` and
 * `has` index an array by pfn instead of hashing (get_zspage() runs on every zs_free). The Map
 * itself still holds the entries, so iteration keeps Map order (insertion); the array is
 * allocated in chunks of 1024 pfns as pages of a region are first used and kept (8 bytes per
 * pfn of such a region at most).
 */
export class ZspageOfPfn extends Map<number, Zspage> {
  private readonly chunks: (Zspage | undefined)[][] = [];

  override get(pfn: number): Zspage | undefined {
    if (pfn >>> 0 !== pfn) return undefined;
    return this.chunks[pfn >>> CHUNK_SHIFT]?.[pfn & CHUNK_MASK];
  }

  override has(pfn: number): boolean {
    return this.get(pfn) !== undefined;
  }

  override set(pfn: number, zspage: Zspage): this {
    if (pfn >>> 0 !== pfn) throw new Error(`zsmalloc: page->private of pfn ${pfn}: not a page frame number`);
    const c = pfn >>> CHUNK_SHIFT;
    let chunk = this.chunks[c];
    if (!chunk) {
      chunk = new Array<Zspage | undefined>(CHUNK_MASK + 1).fill(undefined);
      this.chunks[c] = chunk;
    }
    chunk[pfn & CHUNK_MASK] = zspage;
    return super.set(pfn, zspage);
  }

  override delete(pfn: number): boolean {
    const chunk = pfn >>> 0 === pfn ? this.chunks[pfn >>> CHUNK_SHIFT] : undefined;
    if (chunk) chunk[pfn & CHUNK_MASK] = undefined;
    return super.delete(pfn);
  }

  override clear(): void {
    this.chunks.length = 0;
    super.clear();
  }
}
