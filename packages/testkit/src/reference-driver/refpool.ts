import {
  type MovableOpsEntry, type PageAllocator, type PageLocks, type PhysicalMemory,
  type MovableOpsRegistry, PAGE_SIZE, PG_isolated, type Page,
} from '@mmsim/core';

/** What the pool needs from the kernel (resolved by the driver from its context). */
export interface RefpoolDeps {
  readonly mem: PhysicalMemory;
  readonly locks: PageLocks;
  readonly movable: MovableOpsRegistry;
  /** alloc_pages() on behalf of the driver (ctx.allocPages). */
  allocPage(nid?: number): Page | null;
  readonly alloc: PageAllocator;
}

/** One pool page: which handle lives in each slot (0 = free). */
export interface RefpoolPage {
  readonly slots: number[];
  used: number;
}

/** Where an object lives and what it must read back as. */
interface ObjectLocation {
  pfn: number;
  slot: number;
  length: number;
  checksum: number;
}

/** FNV-1a over a byte range: what `verify()` compares an object's bytes against. */
function fnv1a(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h;
}

/**
 * "refpool": a tiny object pool in the style of zsmalloc (mm/zsmalloc.c), reduced to its
 * migration-relevant core. Objects of up to `slotSize` bytes live in fixed slots of movable
 * pages; callers hold opaque handles, resolved through a handle table so pages can move under
 * them. Pages the pool owns are either on its page list (`pages`) or isolated by the core
 * (`isolated`), never both — the bookkeeping movable_operations must keep (kernel.md §4.2 D2–D4).
 */
export class Refpool {
  /** Pages on the pool's own list: can take new objects and be isolated. */
  readonly pages = new Map<number, RefpoolPage>();
  /** Pages taken away by isolate_page() (the core owns their page->lru). */
  readonly isolated = new Map<number, RefpoolPage>();
  /** Counter the driver keeps like balloon's isolated_pages (D2). */
  isolatedCount = 0;
  /** The pool mutex as seen by migrate_page: held means "-EAGAIN, try again later" (D7). */
  mutexHeld = false;
  private readonly handles = new Map<number, ObjectLocation>();
  /** Pages (on the list or isolated) with a free slot, so alloc() needs no scan. */
  private readonly partial = new Set<number>();
  private nextHandle = 1;
  entry!: MovableOpsEntry;

  constructor(readonly deps: RefpoolDeps, readonly slotSize: number, private readonly nid?: number) {}

  get slotsPerPage(): number {
    return Math.floor(PAGE_SIZE / this.slotSize);
  }

  /** Stores `bytes` and returns a handle (never 0). */
  alloc(bytes: Uint8Array): number {
    if (bytes.length === 0 || bytes.length > this.slotSize) {
      throw new RangeError(`refpool: objects are 1..${this.slotSize} bytes, got ${bytes.length}`);
    }
    let pfn = -1;
    for (const p of this.partial) {
      if (this.pages.has(p)) {
        pfn = p;
        break;
      }
    }
    if (pfn < 0) pfn = this.addPage();
    const meta = this.pages.get(pfn)!;
    const slot = meta.slots.indexOf(0);
    const handle = this.nextHandle++;
    meta.slots[slot] = handle;
    meta.used++;
    if (meta.used === this.slotsPerPage) this.partial.delete(pfn);
    this.deps.mem.content.write(pfn, slot * this.slotSize, bytes);
    this.handles.set(handle, { pfn, slot, length: bytes.length, checksum: fnv1a(bytes) });
    return handle;
  }

  /** The bytes of an object, wherever its page lives now. */
  read(handle: number): Uint8Array {
    const loc = this.location(handle);
    return this.deps.mem.content.read(loc.pfn, loc.slot * this.slotSize, loc.length);
  }

  /** Frees an object; a page left empty goes back to the allocator (releasePage). */
  free(handle: number): void {
    const loc = this.location(handle);
    const meta = this.metaOf(loc.pfn)!;
    meta.slots[loc.slot] = 0;
    meta.used--;
    this.partial.add(loc.pfn);
    this.handles.delete(handle);
    if (meta.used === 0) this.releasePage(loc.pfn);
  }

  /** The pfn an object lives in now. */
  pfnOf(handle: number): number {
    return this.location(handle).pfn;
  }

  /** The handles stored in a pool page. */
  handlesIn(pfn: number): number[] {
    return (this.metaOf(pfn)?.slots ?? []).filter((h) => h !== 0);
  }

  /** Every page the pool owns, on its list or isolated. */
  allPfns(): number[] {
    return [...this.pages.keys(), ...this.isolated.keys()];
  }

  metaOf(pfn: number): RefpoolPage | undefined {
    return this.pages.get(pfn) ?? this.isolated.get(pfn);
  }

  /** Re-points the handles of a page that moved from `src` to `dst` (zsmalloc's replace_sub_page). */
  rehome(src: number, dst: number): void {
    if (this.partial.delete(src)) this.partial.add(dst);
    const slots = this.metaOf(src)?.slots ?? [];
    for (let i = 0; i < slots.length; i++) if (slots[i]) this.handles.get(slots[i]!)!.pfn = dst;
  }

  /** Holds the pool mutex until the returned function is called (migrate_page sees -EAGAIN). */
  lock(): () => void {
    if (this.mutexHeld) throw new Error('refpool: the pool mutex is already held');
    this.mutexHeld = true;
    return () => {
      this.mutexHeld = false;
    };
  }

  /**
   * The pool's integrity check: every owned page is movable with the pool's ops and referenced,
   * is PG_isolated exactly when the pool counts it isolated, and every handle resolves to a slot
   * that points back at it and reads back the bytes it was given.
   */
  verify(): void {
    const { frames } = this.deps.mem;
    const fail = (what: string): never => {
      throw new Error(`refpool: ${what}`);
    };
    if (this.isolatedCount !== this.isolated.size) fail(`isolated counter ${this.isolatedCount} but ${this.isolated.size} pages isolated`);
    for (const [pfn, meta] of [...this.pages, ...this.isolated]) {
      const isolated = this.isolated.has(pfn);
      if (isolated && this.pages.has(pfn)) fail(`page 0x${pfn.toString(16)} is both on the list and isolated`);
      if (this.deps.movable.opsOf(pfn) !== this.entry) fail(`page 0x${pfn.toString(16)} is not movable with the pool's ops`);
      if (frames.refcount[pfn]! < (isolated ? 2 : 1)) fail(`page 0x${pfn.toString(16)} has refcount ${frames.refcount[pfn]}`);
      if (frames.testFlag(pfn, PG_isolated) !== isolated) fail(`page 0x${pfn.toString(16)} PG_isolated does not match the pool's view`);
      if (meta.used !== meta.slots.filter((h) => h !== 0).length) fail(`page 0x${pfn.toString(16)} used count is wrong`);
      if (meta.used === 0) fail(`page 0x${pfn.toString(16)} is empty but still owned`);
    }
    for (const [handle, loc] of this.handles) {
      if (this.metaOf(loc.pfn)?.slots[loc.slot] !== handle) fail(`handle ${handle} does not resolve to its slot`);
      if (fnv1a(this.read(handle)) !== loc.checksum) fail(`handle ${handle} reads back different bytes`);
    }
  }

  /** Allocates a page and makes it movable under the page lock (D1, M2). */
  protected addPage(): number {
    const page = this.deps.allocPage(this.nid);
    if (!page) throw new RangeError('refpool: out of memory');
    const pfn = page.pfn;
    this.setMovable(pfn);
    this.pages.set(pfn, { slots: new Array<number>(this.slotsPerPage).fill(0), used: 0 });
    this.partial.add(pfn);
    return pfn;
  }

  /** __SetPageMovable() under the page lock. */
  protected setMovable(pfn: number): void {
    this.withPageLock(pfn, () => this.deps.movable.setPageMovable(pfn, this.entry));
  }

  /**
   * Gives an empty page back: __ClearPageMovable() under the page lock, then put_page() (D5). An
   * isolated page stays alive through the core's reference; migration then treats it as freed
   * (M3) and putback skips the driver.
   */
  protected releasePage(pfn: number): void {
    if (this.isolated.delete(pfn)) this.isolatedCount--;
    this.pages.delete(pfn);
    this.partial.delete(pfn);
    this.withPageLock(pfn, () => this.deps.movable.clearPageMovable(pfn));
    this.deps.alloc.putPage(pfn);
  }

  protected withPageLock(pfn: number, fn: () => void): void {
    if (!this.deps.locks.trylockPage(pfn)) throw new Error(`refpool: page 0x${pfn.toString(16)} is locked by someone else`);
    try {
      fn();
    } finally {
      this.deps.locks.unlockPage(pfn);
    }
  }

  private location(handle: number): ObjectLocation {
    const loc = this.handles.get(handle);
    if (!loc) throw new RangeError(`refpool: no object with handle ${handle}`);
    return loc;
  }
}
