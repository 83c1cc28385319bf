import { ContractViolation, KernelError } from '../errors';
import { PAGE_SIZE } from '../mem/constants';
import type { PageContent } from '../mem/page-content';
import type { SwapDevice } from './swap-device';

/** include/linux/swap.h: MAX_SWAPFILES (without the device/migration/hwpoison reservations). */
export const MAX_SWAPFILES = 32;
/** Bits of a swap entry's offset (the rest is the type): 2^24 pages = 64 GiB per area. */
export const SWP_OFFSET_BITS = 24;
const OFFSET_MASK = (1 << SWP_OFFSET_BITS) - 1;
/** include/linux/swap.h: SWAP_MAP_MAX — the largest swap count one slot may hold here. */
export const SWAP_MAP_MAX = 0x3e;

/** include/linux/swapops.h: swp_entry() — the value a swap PTE stores. */
export function swpEntry(type: number, offset: number): number {
  return ((type << SWP_OFFSET_BITS) | offset) >>> 0;
}
/** include/linux/swapops.h: swp_type() */
export function swpType(entry: number): number {
  return entry >>> SWP_OFFSET_BITS;
}
/** include/linux/swapops.h: swp_offset() */
export function swpOffset(entry: number): number {
  return entry & OFFSET_MASK;
}

/** struct swap_info_struct, reduced: the device, its swap_map and the cluster-free hint. */
class SwapInfo {
  /** swap_map[]: references (swap PTEs) per slot; 0 = free. */
  readonly map: Uint8Array;
  /** Fingerprints of pages swapped out without real bytes (see {@link SwapSpace.swapWritepage}). */
  readonly fingerprints = new Map<number, number>();
  inuse = 0;
  /** si->cluster_next: where the next slot search starts. */
  next = 0;
  constructor(readonly type: number, readonly device: SwapDevice, readonly prio: number) {
    this.map = new Uint8Array(device.nrPages);
  }
}

/** A row of /proc/swaps. */
export interface SwapAreaInfo {
  type: number;
  name: string;
  sizePages: number;
  usedPages: number;
  priority: number;
}

/**
 * Swap areas (mm/swapfile.c): swapon of a {@link SwapDevice}, slot allocation in priority order
 * (get_swap_pages / scan_swap_map_slots), per-slot use counts (swap_duplicate / swap_free /
 * free_swap_and_cache) and the page I/O (mm/page_io.c). pswpin/pswpout are counted by the
 * callers (vmscan pageout, do_swap_page).
 *
 * Page contents: a page with real bytes is written as its bytes; a page that only has a content
 * fingerprint (DESIGN.md "Page contents") is written as the bytes that fingerprint stands for,
 * and its fingerprint is remembered so swap-in restores the same fingerprint, not a hash of the
 * bytes; the bytes the device returns are still checked against it.
 */
export class SwapSpace {
  private readonly areas: (SwapInfo | null)[] = [];
  /** swap_avail_head: areas in priority order. */
  private order: SwapInfo[] = [];

  constructor(private readonly content: PageContent) {}

  /** sys_swapon(): add a swap area; returns its type. Higher priority is used first. */
  swapon(device: SwapDevice, priority = -1 - this.order.length): number {
    if (!device || typeof device.writePage !== 'function' || typeof device.readPage !== 'function' || typeof device.discard !== 'function') {
      throw new KernelError('EINVAL', 'swapon: the device must implement SwapDevice (name, nrPages, writePage, readPage, discard)');
    }
    if (!Number.isSafeInteger(device.nrPages) || device.nrPages <= 0 || device.nrPages > OFFSET_MASK + 1) {
      throw new KernelError('EINVAL', `swapon: ${device.name} has ${device.nrPages} pages; a swap area holds 1..${OFFSET_MASK + 1}`);
    }
    if (!Number.isInteger(priority)) throw new KernelError('EINVAL', `swapon: priority ${priority} must be an integer`);
    if (this.areas.some((a) => a?.device === device)) throw new KernelError('EBUSY', `swapon: ${device.name} is already a swap area`);
    let type = this.areas.indexOf(null);
    if (type < 0) type = this.areas.length;
    if (type >= MAX_SWAPFILES) throw new KernelError('EPERM', `swapon: at most ${MAX_SWAPFILES} swap areas`);
    const si = new SwapInfo(type, device, priority);
    this.areas[type] = si;
    this.order = [...this.order, si].sort((a, b) => b.prio - a.prio || a.type - b.type);
    return type;
  }

  /** sys_swapoff(), only for an unused area (mmsim has no try_to_unuse): EBUSY while slots are in use. */
  swapoff(type: number): void {
    const si = this.info(type);
    if (si.inuse > 0) throw new KernelError('EBUSY', `swapoff: ${si.device.name} still holds ${si.inuse} swapped-out pages; fault them back in first`);
    this.areas[type] = null;
    this.order = this.order.filter((a) => a !== si);
  }

  /** /proc/swaps */
  swaps(): SwapAreaInfo[] {
    return this.order.map((si) => ({ type: si.type, name: si.device.name, sizePages: si.device.nrPages, usedPages: si.inuse, priority: si.prio }));
  }

  /** total_swap_pages */
  get totalSwapPages(): number {
    let n = 0;
    for (const si of this.order) n += si.device.nrPages;
    return n;
  }

  /** nr_swap_pages: free slots. */
  get nrSwapPages(): number {
    let n = 0;
    for (const si of this.order) n += si.device.nrPages - si.inuse;
    return n;
  }

  /**
   * mm/swapfile.c: folio_alloc_swap() → get_swap_pages(): a free slot in the highest-priority
   * area with room, with count 1; -1 when swap is full or absent.
   */
  getSwapPage(): number {
    for (const si of this.order) {
      const n = si.map.length;
      if (si.inuse === n) continue;
      for (let i = 0; i < n; i++) {
        const off = (si.next + i) % n;
        if (si.map[off] === 0) {
          si.map[off] = 1;
          si.inuse++;
          si.next = off + 1;
          return swpEntry(si.type, off);
        }
      }
    }
    return -1;
  }

  /** __swap_count(): references to the slot (0 = free). */
  swapCount(entry: number): number {
    return this.slot(entry)[0].map[swpOffset(entry)]!;
  }

  /** mm/swapfile.c: swap_duplicate() — one more swap PTE (fork). */
  swapDuplicate(entry: number): void {
    const [si, off] = this.slot(entry);
    const c = si.map[off]!;
    if (c === 0) this.bad(entry, 'swap_duplicate() of a free swap slot');
    if (c >= SWAP_MAP_MAX) throw new KernelError('ENOMEM', `swap slot ${entry} already has ${SWAP_MAP_MAX} references (mmsim has no swap count continuation)`);
    si.map[off] = c + 1;
  }

  /**
   * mm/swapfile.c: swap_free() / free_swap_and_cache(): drop one reference; the last one frees
   * the slot and discards the device's copy. Returns the remaining count.
   */
  swapFree(entry: number): number {
    const [si, off] = this.slot(entry);
    const c = si.map[off]!;
    if (c === 0) this.bad(entry, 'swap_free() of a free swap slot (double free)');
    si.map[off] = c - 1;
    if (c === 1) {
      si.inuse--;
      si.fingerprints.delete(off);
      si.device.discard(off);
    }
    return c - 1;
  }

  /** mm/page_io.c: swap_writepage(): the page's contents go to the slot. */
  swapWritepage(entry: number, pfn: number): void {
    const [si, off] = this.slot(entry);
    if (si.map[off] === 0) this.bad(entry, 'swap_writepage() to a free swap slot');
    if (this.content.hasBytes(pfn)) si.fingerprints.delete(off);
    else si.fingerprints.set(off, this.content.fingerprint(pfn));
    si.device.writePage(off, this.content.read(pfn));
  }

  /** mm/page_io.c: swap_read_folio(): the slot's contents into the page. */
  swapReadpage(entry: number, pfn: number): void {
    const [si, off] = this.slot(entry);
    if (si.map[off] === 0) this.bad(entry, 'swap_read_folio() of a free swap slot');
    const bytes = si.device.readPage(off);
    if (bytes.length !== PAGE_SIZE) this.bad(entry, `${si.device.name} returned ${bytes.length} bytes for slot ${off}, not ${PAGE_SIZE}`);
    const fp = si.fingerprints.get(off);
    if (fp === undefined) {
      this.content.write(pfn, 0, bytes);
      return;
    }
    // A fingerprint-only page reads as its fingerprint repeated (little-endian words).
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < PAGE_SIZE; i += 4) {
      if (view.getUint32(i, true) !== fp) this.bad(entry, `${si.device.name} returned different bytes for slot ${off} than were written (word at ${i})`);
    }
    this.content.setFingerprint(pfn, fp);
  }

  private slot(entry: number): [SwapInfo, number] {
    const si = this.areas[swpType(entry)];
    const off = swpOffset(entry);
    if (!si || off >= si.map.length) throw new KernelError('EINVAL', `swap entry 0x${(entry >>> 0).toString(16)} names no slot of an active swap area`);
    return [si, off];
  }

  private info(type: number): SwapInfo {
    const si = this.areas[type];
    if (!si) throw new KernelError('EINVAL', `swap area ${type} does not exist`);
    return si;
  }

  private bad(entry: number, reason: string): never {
    throw new ContractViolation('SWAP', `${reason} (entry type ${swpType(entry)} offset ${swpOffset(entry)})`, undefined);
  }
}
