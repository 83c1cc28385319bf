import { KernelError } from '../errors';
import { PAGE_SIZE } from './constants';
import type { PageFrames } from './page-frames';

/** How many freed 4 KiB buffers are kept for reuse (4 MiB). */
const MAX_SPARE_BUFFERS = 1024;

/** 32-bit FNV-1a of a byte range: the fingerprint of a page that has real bytes. */
function fnv1a(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i]!;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * What a page holds (DESIGN.md "Page contents"). Every frame has a 32-bit content fingerprint in
 * `frames.content`, which migration copies, so loss of data is detectable on any run. Frames that
 * need real bytes (process memory written through the API, zsmalloc objects, device copies) get a
 * lazily allocated 4 KiB buffer here; their fingerprint is then the FNV-1a hash of the bytes.
 * A page without a buffer reads as its fingerprint repeated (or zeros when it is 0).
 */
export class PageContent {
  private readonly buffers = new Map<number, Uint8Array>();
  /** Buffers of freed pages, reused instead of allocating (and collecting) new ones. */
  private readonly spare: Uint8Array[] = [];
  /** Pages written since their fingerprint was last computed. */
  private readonly stale = new Set<number>();

  constructor(private readonly frames: PageFrames) {}

  /** Number of frames holding real bytes. */
  get bufferedPages(): number {
    return this.buffers.size;
  }

  fingerprint(pfn: number): number {
    if (this.stale.size && this.stale.delete(pfn)) this.frames.content[pfn] = fnv1a(this.buffers.get(pfn)!);
    return this.frames.content[pfn]!;
  }

  /** Sets a page's fingerprint and drops its bytes (the page now "holds" that value). */
  setFingerprint(pfn: number, value: number): void {
    this.buffers.delete(pfn);
    this.stale.delete(pfn);
    this.frames.content[pfn] = value >>> 0;
  }

  hasBytes(pfn: number): boolean {
    return this.buffers.has(pfn);
  }

  /** Reads `length` bytes at `offset` of the page into a new array. */
  read(pfn: number, offset = 0, length = PAGE_SIZE - offset): Uint8Array {
    checkRange(offset, length);
    const buf = this.buffers.get(pfn);
    if (buf) return buf.slice(offset, offset + length);
    return this.materialize(pfn).subarray(offset, offset + length).slice();
  }

  /**
   * Writes bytes at `offset` of the page, giving it a buffer if it had none. The fingerprint of a
   * page with bytes is recomputed lazily, when it is next read.
   */
  write(pfn: number, offset: number, bytes: Uint8Array): void {
    checkRange(offset, bytes.length);
    const buf = this.writableBuffer(pfn);
    buf.set(bytes, offset);
  }

  /**
   * write(dst, dstOffset, read(src, srcOffset, length)) without the intermediate array when the
   * source page has bytes (zsmalloc's compaction moves objects between pages this way).
   */
  copyRange(dst: number, dstOffset: number, src: number, srcOffset: number, length: number): void {
    checkRange(srcOffset, length);
    checkRange(dstOffset, length);
    const from = this.buffers.get(src);
    if (!from) {
      this.write(dst, dstOffset, this.read(src, srcOffset, length));
      return;
    }
    this.writableBuffer(dst).set(from.subarray(srcOffset, srcOffset + length), dstOffset);
  }

  /**
   * The little-endian 32-bit word at `offset`, read without allocating (drivers that keep
   * metadata in page bytes, like zsmalloc's handle and free-link words, read them per call).
   */
  readU32(pfn: number, offset: number): number {
    checkRange(offset, 4);
    const buf = this.buffers.get(pfn);
    if (buf) return (buf[offset]! | (buf[offset + 1]! << 8) | (buf[offset + 2]! << 16) | (buf[offset + 3]! << 24)) >>> 0;
    // A page without bytes repeats its fingerprint every 4 bytes: rotate it to the offset.
    const fp = this.frames.content[pfn]!;
    const shift = (offset & 3) * 8;
    return shift === 0 ? fp : ((fp >>> shift) | (fp << (32 - shift))) >>> 0;
  }

  /** Writes a little-endian 32-bit word at `offset` without allocating (see readU32). */
  writeU32(pfn: number, offset: number, value: number): void {
    checkRange(offset, 4);
    const buf = this.writableBuffer(pfn);
    buf[offset] = value;
    buf[offset + 1] = value >>> 8;
    buf[offset + 2] = value >>> 16;
    buf[offset + 3] = value >>> 24;
  }

  /**
   * Writes the little-endian 64-bit word `lo | hi << 32` at `offset` (each half taken modulo 2^32,
   * so -2 writes the bytes of 0xfffffffe): writeU32 of both halves with one buffer lookup and one
   * fingerprint invalidation (zsmalloc's handle and link words).
   */
  writeU64(pfn: number, offset: number, lo: number, hi: number): void {
    checkRange(offset, 8);
    const buf = this.writableBuffer(pfn);
    buf[offset] = lo;
    buf[offset + 1] = lo >>> 8;
    buf[offset + 2] = lo >>> 16;
    buf[offset + 3] = lo >>> 24;
    buf[offset + 4] = hi;
    buf[offset + 5] = hi >>> 8;
    buf[offset + 6] = hi >>> 16;
    buf[offset + 7] = hi >>> 24;
  }

  /** clear_page(): all zeros, no buffer. */
  zero(pfn: number): void {
    this.buffers.delete(pfn);
    this.stale.delete(pfn);
    this.frames.content[pfn] = 0;
  }

  /** copy_highpage() / folio_copy(): dst gets src's bytes and fingerprint. */
  copy(dst: number, src: number): void {
    if (this.buffers.size === 0) {
      this.frames.content[dst] = this.frames.content[src]!;
      return;
    }
    this.copyWithBuffers(dst, src);
  }

  /** copy() when some pages hold real bytes. */
  private copyWithBuffers(dst: number, src: number): void {
    const buf = this.buffers.get(src);
    if (buf) {
      const copy = this.buffers.get(dst) ?? this.spare.pop() ?? new Uint8Array(PAGE_SIZE);
      copy.set(buf);
      this.buffers.set(dst, copy);
    } else this.recycle(dst);
    this.frames.content[dst] = this.frames.content[src]!;
    if (this.stale.has(src)) this.stale.add(dst);
    else this.stale.delete(dst);
  }

  /** Forget the bytes of a freed page (its fingerprint word keeps whatever value it last had). */
  release(pfn: number): void {
    this.stale.delete(pfn);
    this.recycle(pfn);
  }

  /**
   * The page's buffer for a write (given one if it had none), its fingerprint marked for
   * recomputation on the next read.
   */
  private writableBuffer(pfn: number): Uint8Array {
    let buf = this.buffers.get(pfn);
    if (!buf) {
      buf = this.materialize(pfn);
      this.buffers.set(pfn, buf);
    }
    this.stale.add(pfn);
    return buf;
  }

  /** Drops a page's buffer, keeping it for reuse (a migration copies into a freed page's buffer). */
  private recycle(pfn: number): void {
    const buf = this.buffers.get(pfn);
    if (!buf) return;
    this.buffers.delete(pfn);
    if (this.spare.length < MAX_SPARE_BUFFERS) this.spare.push(buf);
  }

  /** The bytes a page without a buffer stands for: its fingerprint, little-endian, repeated. */
  private materialize(pfn: number): Uint8Array {
    const fp = this.frames.content[pfn]!;
    const out = this.spare.pop();
    if (out) {
      fillFingerprint(out, fp);
      return out;
    }
    const fresh = new Uint8Array(PAGE_SIZE);
    if (fp !== 0) fillFingerprint(fresh, fp);
    return fresh;
  }
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Fills a page buffer with the fingerprint, little-endian, repeated (one typed-array fill). */
function fillFingerprint(out: Uint8Array, fp: number): void {
  if (LITTLE_ENDIAN_HOST) {
    new Uint32Array(out.buffer, out.byteOffset, PAGE_SIZE / 4).fill(fp);
    return;
  }
  new DataView(out.buffer, out.byteOffset).setUint32(0, fp, true);
  for (let i = 4; i < PAGE_SIZE; i += 4) out.copyWithin(i, 0, 4);
}

function checkRange(offset: number, length: number): void {
  if (offset >>> 0 !== offset || length >>> 0 !== length || offset + length > PAGE_SIZE) {
    throw new KernelError('EINVAL', `byte range [${offset}, ${offset + length}) does not fit in a ${PAGE_SIZE}-byte page`);
  }
}
