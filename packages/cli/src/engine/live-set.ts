import type { PageAllocator } from '@mmsim/core';

/**
 * The allocations a workload holds, ordered by expiry time: a binary min-heap over parallel typed
 * arrays (no object per allocation, so a million live blocks cost a few megabytes and no GC).
 * Allocations that live forever get an infinite expiry and never reach the top.
 */
export class LiveSet {
  private expiry = new Float64Array(1024);
  private pfn = new Int32Array(1024);
  private order = new Uint8Array(1024);
  private cls = new Uint8Array(1024);
  private n = 0;
  /** Pages held, per class index. */
  readonly pagesByClass: number[] = [];

  get size(): number {
    return this.n;
  }

  get pages(): number {
    let s = 0;
    for (const p of this.pagesByClass) s += p ?? 0;
    return s;
  }

  add(pfn: number, order: number, cls: number, expiresAt: number): void {
    if (this.n === this.pfn.length) this.grow();
    let i = this.n++;
    // Sift up.
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.expiry[parent]! <= expiresAt) break;
      this.move(parent, i);
      i = parent;
    }
    this.expiry[i] = expiresAt;
    this.pfn[i] = pfn;
    this.order[i] = order;
    this.cls[i] = cls;
    this.pagesByClass[cls] = (this.pagesByClass[cls] ?? 0) + (1 << order);
  }

  /** Frees every allocation whose expiry is at or before `now`; returns how many. */
  expire(now: number, alloc: PageAllocator): number {
    let freed = 0;
    while (this.n > 0 && this.expiry[0]! <= now) {
      alloc.freePages(this.pfn[0]!, this.order[0]!);
      this.pagesByClass[this.cls[0]!]! -= 1 << this.order[0]!;
      this.removeTop();
      freed++;
    }
    return freed;
  }

  /** Frees the allocations of the given classes (all when omitted), oldest slot first. */
  freeAll(alloc: PageAllocator, classes?: ReadonlySet<number>): number {
    let kept = 0;
    let freed = 0;
    for (let i = 0; i < this.n; i++) {
      const c = this.cls[i]!;
      if (classes && !classes.has(c)) {
        this.move(i, kept++);
        continue;
      }
      alloc.freePages(this.pfn[i]!, this.order[i]!);
      this.pagesByClass[c]! -= 1 << this.order[i]!;
      freed++;
    }
    this.n = kept;
    // Compacting the arrays keeps relative order but not the heap property: rebuild it.
    for (let i = (this.n >> 1) - 1; i >= 0; i--) this.siftDown(i);
    return freed;
  }

  private removeTop(): void {
    const last = --this.n;
    if (last === 0) return;
    this.move(last, 0);
    this.siftDown(0);
  }

  private siftDown(i: number): void {
    const e = this.expiry[i]!, p = this.pfn[i]!, o = this.order[i]!, c = this.cls[i]!;
    const n = this.n;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && this.expiry[child + 1]! < this.expiry[child]!) child++;
      if (this.expiry[child]! >= e) break;
      this.move(child, i);
      i = child;
    }
    this.expiry[i] = e;
    this.pfn[i] = p;
    this.order[i] = o;
    this.cls[i] = c;
  }

  private move(from: number, to: number): void {
    this.expiry[to] = this.expiry[from]!;
    this.pfn[to] = this.pfn[from]!;
    this.order[to] = this.order[from]!;
    this.cls[to] = this.cls[from]!;
  }

  private grow(): void {
    const cap = this.pfn.length * 2;
    const e = new Float64Array(cap); e.set(this.expiry); this.expiry = e;
    const p = new Int32Array(cap); p.set(this.pfn); this.pfn = p;
    const o = new Uint8Array(cap); o.set(this.order); this.order = o;
    const c = new Uint8Array(cap); c.set(this.cls); this.cls = c;
  }
}
