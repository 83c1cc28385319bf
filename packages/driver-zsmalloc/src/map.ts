import { KernelError, PAGE_SIZE } from '@mmsim/core';
import { ZS_HANDLE_SIZE } from './constants';
import type { ZsMapMode, ZsMapping, ZsPool } from './pool';
import { objIndex, objPfn, objPosition, objToLocation } from './zspage';

/** PAGE_SIZE read once: core's re-exports are CommonJS getters (see zspage.ts). */
const PAGE = PAGE_SIZE;

/** Where an object's usable bytes are: its zspage, page index and offset, and how many. */
function objectSpan(pool: ZsPool, handle: number): { pages: number[]; page: number; offset: number; length: number } {
  const { pfn, objIdx } = objToLocation(pool.handleToObj(handle));
  const zspage = pool.zspageOfPfn(pfn);
  const { size } = zspage.sizeClass;
  const pos = objPosition(size, objIdx);
  if (zspage.pages[pos.page] !== pfn) throw new Error(`zsmalloc: handle ${handle} records page 0x${pfn.toString(16)}, but object ${objIdx} starts in 0x${zspage.pages[pos.page]!.toString(16)}`);
  const header = zspage.huge ? 0 : ZS_HANDLE_SIZE;
  const offset = pos.offset + header;
  // A header never spans pages (offsets are multiples of 16), so the data start stays in-page.
  return { pages: zspage.pages, page: pos.page, offset, length: size - header };
}

/** Reads `length` bytes of a zspage from (page, offset), crossing into the next page (__zs_map_object). */
function readSpan(pool: ZsPool, pages: number[], page: number, offset: number, length: number): Uint8Array {
  const { content } = pool.svc.mem;
  const first = Math.min(length, PAGE - offset);
  if (first === length) return content.read(pages[page]!, offset, length);
  const out = new Uint8Array(length);
  out.set(content.read(pages[page]!, offset, first), 0);
  out.set(content.read(pages[page + 1]!, 0, length - first), first);
  return out;
}

/** Writes bytes of a zspage at (page, offset), crossing into the next page (__zs_unmap_object). */
function writeSpan(pool: ZsPool, pages: number[], page: number, offset: number, bytes: Uint8Array): void {
  const { content } = pool.svc.mem;
  const first = Math.min(bytes.length, PAGE - offset);
  content.write(pages[page]!, offset, bytes.subarray(0, first));
  if (first < bytes.length) content.write(pages[page + 1]!, 0, bytes.subarray(first));
}

/**
 * mm/zsmalloc.c: zs_map_object() — the object's usable bytes (class size minus the handle word;
 * the whole page in the huge class), copied out as __zs_map_object does for objects spanning two
 * pages. Write through the returned `bytes` and call zsUnmapObject(); an object is mapped once
 * at a time (the kernel's per-CPU mapping area).
 */
export function zsMapObject(pool: ZsPool, handle: number, mode: ZsMapMode = 'rw'): ZsMapping {
  pool.checkAlive('zsMapObject');
  if (pool.mapped.has(handle)) {
    throw new KernelError('EBUSY', `zsMapObject(${handle}): the object is already mapped; zsUnmapObject() it before mapping it again`);
  }
  const span = objectSpan(pool, handle);
  const mapping: ZsMapping = { handle, mode, bytes: readSpan(pool, span.pages, span.page, span.offset, span.length) };
  pool.mapped.set(handle, mapping);
  return mapping;
}

/**
 * mm/zsmalloc.c: zs_unmap_object() — write the mapping's bytes back unless it was mapped
 * read-only. The handle is resolved again, so an object that moved meanwhile (migration or
 * compaction) is written where it lives now.
 */
export function zsUnmapObject(pool: ZsPool, handle: number): void {
  pool.checkAlive('zsUnmapObject');
  const mapping = pool.mapped.get(handle);
  if (!mapping) throw new KernelError('EINVAL', `zsUnmapObject(${handle}): the object is not mapped; call zsMapObject() first`);
  pool.mapped.delete(handle);
  if (mapping.mode === 'ro') return;
  const span = objectSpan(pool, handle);
  writeSpan(pool, span.pages, span.page, span.offset, mapping.bytes.subarray(0, span.length));
}

/** Copies `bytes` into the start of an object (zs_map_object(WO) + memcpy + zs_unmap_object). */
export function zsWriteObject(pool: ZsPool, handle: number, bytes: Uint8Array): void {
  const mapping = zsMapObject(pool, handle, 'wo');
  if (bytes.length > mapping.bytes.length) {
    pool.mapped.delete(handle);
    throw new KernelError('EINVAL', `zsWriteObject(${handle}): ${bytes.length} bytes do not fit the object's ${mapping.bytes.length}; allocate a larger object`);
  }
  mapping.bytes.set(bytes);
  zsUnmapObject(pool, handle);
}

/** Reads the first `length` bytes of an object (zs_map_object(RO) + memcpy + zs_unmap_object). */
export function zsReadObject(pool: ZsPool, handle: number, length?: number): Uint8Array {
  const mapping = zsMapObject(pool, handle, 'ro');
  zsUnmapObject(pool, handle);
  return length === undefined ? mapping.bytes : mapping.bytes.slice(0, length);
}

/**
 * mm/zsmalloc.c: zs_object_copy() — move an object's whole class-size bytes from one obj location
 * to another, piece by piece where either side crosses a page boundary (no intermediate copy).
 */
export function copyObject(pool: ZsPool, dstObj: number, srcObj: number): void {
  const { content } = pool.svc.mem;
  const sz = pool.zspageOfPfn(objPfn(srcObj));
  const dz = pool.zspageOfPfn(objPfn(dstObj));
  const { size } = sz.sizeClass;
  // Byte offsets in the zspage chains.
  let s = objIndex(srcObj) * size;
  let d = objIndex(dstObj) * size;
  for (let left = size; left > 0;) {
    const sIn = s % PAGE;
    const dIn = d % PAGE;
    const n = Math.min(left, PAGE - sIn, PAGE - dIn);
    content.copyRange(dz.pages[Math.floor(d / PAGE)]!, dIn, sz.pages[Math.floor(s / PAGE)]!, sIn, n);
    s += n;
    d += n;
    left -= n;
  }
}
