/** Handles per chunk of the table (8 KiB of obj values). */
const CHUNK_SHIFT = 10;
const CHUNK = 1 << CHUNK_SHIFT;
/** Handles are 8-byte aligned like the slab objects they model; handle / 8 is its slot. */
const HANDLE_ALIGN = 8;
const HANDLE_SHIFT = 3;
/** An empty slot (obj values are pfn * 2^OBJ_INDEX_BITS + obj_idx, never negative). */
const NO_OBJ = -1;

/**
 * The pool's handles (mm/zsmalloc.c: the zs_handle kmem_cache): `alloc()` gives cache_alloc_handle()'s
 * fresh handle, `set` is record_obj(), `get` is handle_to_obj(). Handles count up from 8 in steps
 * of 8 and are never reused, so a handle's slot is its sequence number: the table keeps the obj
 * values in chunks of 1024 slots (a Float64Array each, no boxing, no hashing) and drops a chunk
 * once none of its handles is live and allocation has moved past it. Iteration is in handle
 * order, which is also the order the handles were recorded in (as a Map would iterate).
 */
export class HandleTable implements Iterable<[number, number]> {
  private readonly chunks: (Float64Array | undefined)[] = [];
  /** Live handles per chunk. */
  private readonly live: number[] = [];
  /** The slot of the next handle alloc() returns. */
  private nextSlot = 1;
  private count = 0;

  /** Live handles (recorded and not deleted). */
  get size(): number {
    return this.count;
  }

  /** cache_alloc_handle(): a fresh handle, 8-byte aligned. */
  alloc(): number {
    const slot = this.nextSlot++;
    if ((slot & (CHUNK - 1)) === 0) this.dropIfEmpty((slot >>> CHUNK_SHIFT) - 1);
    return slot * HANDLE_ALIGN;
  }

  /** handle_to_obj(): the obj recorded for a live handle, undefined for anything else. */
  get(handle: number): number | undefined {
    const slot = this.slotOf(handle);
    if (slot === 0) return undefined;
    const chunk = this.chunks[slot >>> CHUNK_SHIFT];
    if (!chunk) return undefined;
    const obj = chunk[slot & (CHUNK - 1)]!;
    return obj === NO_OBJ ? undefined : obj;
  }

  has(handle: number): boolean {
    return this.get(handle) !== undefined;
  }

  /** record_obj(): store the obj a handle (one alloc() returned) now stands for. */
  set(handle: number, obj: number): this {
    const slot = this.slotOf(handle);
    if (slot === 0) throw new Error(`zsmalloc: handle ${handle} was never allocated from this pool`);
    if (!(obj >= 0)) throw new Error(`zsmalloc: handle ${handle} cannot record obj ${obj}`);
    const c = slot >>> CHUNK_SHIFT;
    let chunk = this.chunks[c];
    if (!chunk) {
      chunk = new Float64Array(CHUNK).fill(NO_OBJ);
      this.chunks[c] = chunk;
      this.live[c] = 0;
    }
    const i = slot & (CHUNK - 1);
    if (chunk[i] === NO_OBJ) {
      this.live[c]!++;
      this.count++;
    }
    chunk[i] = obj;
    return this;
  }

  /** cache_free_handle(): forget a handle; false if it was not live. */
  delete(handle: number): boolean {
    if (this.get(handle) === undefined) return false;
    const slot = this.slotOf(handle);
    const c = slot >>> CHUNK_SHIFT;
    this.chunks[c]![slot & (CHUNK - 1)] = NO_OBJ;
    this.count--;
    if (--this.live[c]! === 0) this.dropIfEmpty(c);
    return true;
  }

  /** Forget every handle (zs_destroy_pool); handles already given out are still not reused. */
  clear(): void {
    this.chunks.length = 0;
    this.live.length = 0;
    this.count = 0;
  }

  /** [handle, obj] of every live handle, in handle order. */
  *entries(): IterableIterator<[number, number]> {
    for (let c = 0; c < this.chunks.length; c++) {
      const chunk = this.chunks[c];
      if (!chunk) continue;
      for (let i = 0; i < CHUNK; i++) if (chunk[i] !== NO_OBJ) yield [((c << CHUNK_SHIFT) + i) * HANDLE_ALIGN, chunk[i]!];
    }
  }

  *keys(): IterableIterator<number> {
    for (const [handle] of this.entries()) yield handle;
  }

  *values(): IterableIterator<number> {
    for (const [, obj] of this.entries()) yield obj;
  }

  [Symbol.iterator](): IterableIterator<[number, number]> {
    return this.entries();
  }

  /**
   * The slot of a handle alloc() gave out, or 0 for anything else (not a multiple of 8, not an
   * integer, negative, out of range): only a real handle maps back onto itself. Below 2^31 the
   * shift is the integer fast path; above it the division keeps large handles exact.
   */
  private slotOf(handle: number): number {
    const slot = handle < 0x80000000 ? handle >>> HANDLE_SHIFT : Math.floor(handle / HANDLE_ALIGN);
    return slot * HANDLE_ALIGN === handle && slot < this.nextSlot ? slot : 0;
  }

  /** Frees chunk c's memory once it holds no live handle and alloc() has moved past it. */
  private dropIfEmpty(c: number): void {
    if (c < 0 || !this.chunks[c] || this.live[c] !== 0 || c === this.nextSlot >>> CHUNK_SHIFT) return;
    this.chunks[c] = undefined;
  }
}
