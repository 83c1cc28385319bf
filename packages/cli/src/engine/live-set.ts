/**
 * Frees one held block: the page allocator for plain allocations (its freePages fits), or the
 * workload's dispatcher when a class holds page-cache folios by file index instead of pfn.
 */
export interface BlockReleaser {
  freePages(id: number, order: number, cls: number): void;
}

/** payload = pfn * PFN_MUL + order * 256 + class: exact in a float64 for any pfn below 2^40. */
const PFN_MUL = 4096;

/**
 * The allocations a workload holds, ordered by expiry time. A 4-ary min-heap stored in one
 * Float64Array of (expiry, payload) pairs, with pfn, order and class packed into the payload: no
 * object per allocation, so a million live blocks cost 16 MiB and no GC. Four children of 16
 * bytes share a 64-byte cache line, and the heap is half as deep as a binary one; with a million
 * live blocks the sift-down is the engine's hottest loop. Allocations that never expire sit in a plain list outside the heap.
 */
export class LiveSet {
  private heap = new Float64Array(2048);
  private n = 0;
  private forever = new Float64Array(1024);
  private nForever = 0;
  /** Pages held, per class index. */
  readonly pagesByClass: number[] = [];

  get size(): number {
    return this.n + this.nForever;
  }

  add(pfn: number, order: number, cls: number, expiresAt: number): void {
    const payload = pfn * PFN_MUL + order * 256 + cls;
    this.pagesByClass[cls] = (this.pagesByClass[cls] ?? 0) + 2 ** order;
    if (expiresAt === Infinity) {
      if (this.nForever === this.forever.length) this.forever = grow(this.forever);
      this.forever[this.nForever++] = payload;
      return;
    }
    if (2 * this.n === this.heap.length) this.heap = grow(this.heap);
    const h = this.heap;
    let i = this.n++;
    while (i > 0) {
      const parent = (i - 1) >> 2;
      if (h[2 * parent]! <= expiresAt) break;
      h[2 * i] = h[2 * parent]!;
      h[2 * i + 1] = h[2 * parent + 1]!;
      i = parent;
    }
    h[2 * i] = expiresAt;
    h[2 * i + 1] = payload;
  }

  /** Frees every allocation whose expiry is at or before `now`; returns how many. */
  expire(now: number, alloc: BlockReleaser): number {
    let freed = 0;
    const h = this.heap;
    while (this.n > 0 && h[0]! <= now) {
      this.release(h[1]!, alloc);
      const last = --this.n;
      if (last > 0) this.siftDown(0, h[2 * last]!, h[2 * last + 1]!);
      freed++;
    }
    return freed;
  }

  /** Frees the allocations of the given classes (all when omitted). */
  freeAll(alloc: BlockReleaser, classes?: ReadonlySet<number>): number {
    const keep = (payload: number): boolean => classes !== undefined && !classes.has(payload % 256);
    let freed = 0;
    let kept = 0;
    for (let i = 0; i < this.nForever; i++) {
      const p = this.forever[i]!;
      if (keep(p)) this.forever[kept++] = p;
      else {
        this.release(p, alloc);
        freed++;
      }
    }
    this.nForever = kept;
    kept = 0;
    const h = this.heap;
    for (let i = 0; i < this.n; i++) {
      const p = h[2 * i + 1]!;
      if (keep(p)) {
        h[2 * kept] = h[2 * i]!;
        h[2 * kept++ + 1] = p;
      } else {
        this.release(p, alloc);
        freed++;
      }
    }
    this.n = kept;
    // Compaction keeps relative order but not the heap property: rebuild it bottom-up.
    for (let i = (this.n - 2) >> 2; i >= 0; i--) this.siftDown(i, h[2 * i]!, h[2 * i + 1]!);
    return freed;
  }

  private release(payload: number, alloc: BlockReleaser): void {
    const pfn = Math.floor(payload / PFN_MUL);
    const order = (payload % PFN_MUL) >> 8;
    alloc.freePages(pfn, order, payload % 256);
    this.pagesByClass[payload % 256]! -= 2 ** order;
  }

  /** Places (expiry, payload) at slot i or below, moving smaller children up. */
  private siftDown(i: number, expiry: number, payload: number): void {
    const h = this.heap;
    const n = this.n;
    for (;;) {
      const first = 4 * i + 1;
      if (first >= n) break;
      let child = first;
      const last = Math.min(first + 4, n);
      for (let c = first + 1; c < last; c++) if (h[2 * c]! < h[2 * child]!) child = c;
      if (h[2 * child]! >= expiry) break;
      h[2 * i] = h[2 * child]!;
      h[2 * i + 1] = h[2 * child + 1]!;
      i = child;
    }
    h[2 * i] = expiry;
    h[2 * i + 1] = payload;
  }
}

function grow(a: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> {
  const b = new Float64Array(a.length * 2);
  b.set(a);
  return b;
}
