import { KernelError } from '../errors';
import { PAGE_SIZE } from '../mem/constants';

/**
 * The block device behind a swap area (struct swap_info_struct->bdev and its I/O:
 * mm/page_io.c: swap_writepage / swap_read_folio). Slots are numbered 0..nrPages-1; the swap
 * layer (vm/swapfile.ts) allocates them and keeps their use counts (swap_map), the device only
 * stores and returns page bytes. A driver such as zram implements this to become a swap device
 * (`kernel.vm.swap.swapon(device)`); its `write` may compress, `discard` frees the slot's storage
 * (zram_slot_free_notify).
 */
export interface SwapDevice {
  /** Device name as /proc/swaps shows it. */
  readonly name: string;
  /** Capacity in pages. */
  readonly nrPages: number;
  /** swap_writepage(): store one page (PAGE_SIZE bytes) at slot. */
  writePage(slot: number, bytes: Uint8Array): void;
  /** swap_read_folio(): the PAGE_SIZE bytes last written at slot. */
  readPage(slot: number): Uint8Array;
  /** swap_slot_free_notify / discard: the slot no longer holds data. */
  discard(slot: number): void;
}

/** The default swap device: page copies kept in memory (a RAM-backed swap partition). */
export class MemorySwapDevice implements SwapDevice {
  private readonly slots = new Map<number, Uint8Array>();

  constructor(readonly nrPages: number, readonly name = 'memswap') {
    if (!Number.isSafeInteger(nrPages) || nrPages <= 0) throw new KernelError('EINVAL', `swap device size ${nrPages} must be a positive number of pages`);
  }

  /** Pages currently stored. */
  get storedPages(): number {
    return this.slots.size;
  }

  writePage(slot: number, bytes: Uint8Array): void {
    this.check(slot);
    if (bytes.length !== PAGE_SIZE) throw new KernelError('EINVAL', `swap write of ${bytes.length} bytes: a swap slot holds exactly ${PAGE_SIZE}`);
    this.slots.set(slot, bytes.slice());
  }

  readPage(slot: number): Uint8Array {
    this.check(slot);
    const b = this.slots.get(slot);
    if (!b) throw new KernelError('EIO', `${this.name}: swap slot ${slot} was never written`);
    return b.slice();
  }

  discard(slot: number): void {
    this.check(slot);
    this.slots.delete(slot);
  }

  private check(slot: number): void {
    if (!Number.isInteger(slot) || slot < 0 || slot >= this.nrPages) throw new KernelError('EINVAL', `${this.name}: swap slot ${slot} is outside 0..${this.nrPages - 1}`);
  }
}
