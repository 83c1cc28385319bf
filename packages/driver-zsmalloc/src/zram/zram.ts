import { type Kernel, KernelError, PAGE_SHIFT, PAGE_SIZE, __GFP_HIGHMEM, __GFP_KSWAPD_RECLAIM, __GFP_MOVABLE, __GFP_NOWARN } from '@mmsim/core';
import { zsCompact } from '../compact';
import { zsFree, zsGetTotalPages, zsMalloc } from '../malloc';
import { zsReadObject, zsWriteObject } from '../map';
import type { ZsPool } from '../pool';
import { zsCreatePool, zsDestroyPool, zsmallocService } from '../pool-lifecycle';
import { type ZramCompressor, deflateCompressor } from './compressor';

/** The gfp zram_write_page() passes to zs_malloc(). */
export const ZRAM_GFP = __GFP_KSWAPD_RECLAIM | __GFP_NOWARN | __GFP_HIGHMEM | __GFP_MOVABLE;

/** struct zram_table_entry: a zsmalloc handle, or a same-filled word; the compressed size. */
interface ZramEntry {
  handle: number;
  /** ZRAM_SAME: the page is one 8-byte word repeated (`element`), nothing allocated. */
  same: boolean;
  element: bigint;
  /** ZRAM_HUGE: stored uncompressed (comp_len >= huge_class_size). */
  huge: boolean;
  compLen: number;
}

/** zramCreate() options: disksize in bytes (a multiple of 4 KiB), the compressor, mem_limit in bytes. */
export interface ZramOptions {
  disksize: number;
  algorithm?: ZramCompressor;
  memLimit?: number;
}

/** struct zram_stats, the fields mm_stat prints. */
export interface ZramStats {
  pagesStored: number;
  comprDataSize: number;
  samePages: number;
  hugePages: number;
  hugePagesSince: number;
}

/** A zram block device over a zsmalloc pool (drivers/block/zram/zram_drv.c). */
export class Zram {
  readonly pool: ZsPool;
  readonly nrPages: number;
  readonly stats: ZramStats = { pagesStored: 0, comprDataSize: 0, samePages: 0, hugePages: 0, hugePagesSince: 0 };
  /** zram->limit_pages (0 = no limit). */
  readonly limitPages: number;
  /** zram->stats.max_used_pages */
  maxUsedPages = 0;
  private readonly table = new Map<number, ZramEntry>();
  private readonly comp: ZramCompressor;

  constructor(kernel: Kernel, readonly name: string, options: ZramOptions) {
    const { disksize } = options;
    if (!Number.isInteger(disksize) || disksize <= 0 || disksize % PAGE_SIZE) {
      throw new KernelError('EINVAL', `zram ${name}: disksize ${String(disksize)} must be a positive multiple of ${PAGE_SIZE} bytes`);
    }
    this.nrPages = disksize >> PAGE_SHIFT;
    this.limitPages = Math.ceil((options.memLimit ?? 0) / PAGE_SIZE);
    this.comp = options.algorithm ?? deflateCompressor;
    this.pool = zsCreatePool(kernel, name);
  }

  private checkIndex(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.nrPages) {
      throw new KernelError('EINVAL', `zram ${this.name}: page index ${index} is outside the disk (0..${this.nrPages - 1}); size the disk with disksize`);
    }
  }

  /**
   * drivers/block/zram/zram_drv.c: zram_write_page() — a same-filled page is recorded without
   * memory; otherwise compress, store uncompressed when comp_len >= huge_class_size, zs_malloc()
   * the object, enforce mem_limit (ENOMEM) and update max_used_pages.
   */
  write(index: number, page: Uint8Array): void {
    this.checkIndex(index);
    if (page.length !== PAGE_SIZE) throw new KernelError('EINVAL', `zram ${this.name}: writes are whole ${PAGE_SIZE}-byte pages, got ${page.length} bytes`);
    const element = sameFilledElement(page);
    this.freePage(index);
    if (element !== undefined) {
      this.table.set(index, { handle: 0, same: true, element, huge: false, compLen: 0 });
      this.stats.samePages++;
      this.stats.pagesStored++;
      return;
    }
    let data = this.comp.compress(page);
    let huge = false;
    if (data.length >= this.pool.hugeClassSize) {
      data = page;
      huge = true;
    }
    const handle = zsMalloc(this.pool, data.length, ZRAM_GFP);
    const used = zsGetTotalPages(this.pool);
    this.maxUsedPages = Math.max(this.maxUsedPages, used);
    if (this.limitPages && used > this.limitPages) {
      zsFree(this.pool, handle);
      throw new KernelError('ENOMEM', `zram ${this.name}: mem_limit of ${this.limitPages} pages reached; raise mem_limit or free pages`);
    }
    zsWriteObject(this.pool, handle, data);
    this.table.set(index, { handle, same: false, element: 0n, huge, compLen: data.length });
    if (huge) {
      this.stats.hugePages++;
      this.stats.hugePagesSince++;
    }
    this.stats.comprDataSize += data.length;
    this.stats.pagesStored++;
  }

  /** drivers/block/zram/zram_drv.c: zram_read_page() — the page's bytes (zeros if never written). */
  read(index: number): Uint8Array {
    this.checkIndex(index);
    const e = this.table.get(index);
    const out = new Uint8Array(PAGE_SIZE);
    if (!e) return out;
    if (e.same) {
      new DataView(out.buffer).setBigUint64(0, e.element, true);
      for (let off = 8; off < PAGE_SIZE; off *= 2) out.copyWithin(off, 0, Math.min(off, PAGE_SIZE - off));
      return out;
    }
    const data = zsReadObject(this.pool, e.handle, e.compLen);
    return e.compLen === PAGE_SIZE ? data : this.comp.decompress(data, PAGE_SIZE);
  }

  /** drivers/block/zram/zram_drv.c: zram_free_page() (discard) — forget a page and its stats. */
  freePage(index: number): void {
    this.checkIndex(index);
    const e = this.table.get(index);
    if (!e) return;
    if (e.same) this.stats.samePages--;
    else {
      zsFree(this.pool, e.handle);
      this.stats.comprDataSize -= e.compLen;
      if (e.huge) this.stats.hugePages--;
    }
    this.stats.pagesStored--;
    this.table.delete(index);
  }

  /**
   * The core's SwapDevice face (`kernel.vm.swap.swapon(zram)`): zram used as swap, as on
   * phones and in W12. swap_writepage → zram_write_page (ENOMEM past mem_limit propagates, as the
   * bio error does), swap_read_folio → zram_read_page, swap_slot_free_notify → zram_free_page.
   */
  writePage(slot: number, bytes: Uint8Array): void {
    this.write(slot, bytes);
  }

  readPage(slot: number): Uint8Array {
    return this.read(slot);
  }

  discard(slot: number): void {
    this.freePage(slot);
  }

  /** /sys/block/zramX/compact: zs_compact() on the pool. */
  compact(): number {
    return zsCompact(this.pool);
  }

  /**
   * drivers/block/zram/zram_drv.c: mm_stat_show() — orig_data_size compr_data_size mem_used_total
   * mem_limit mem_used_max same_pages pages_compacted huge_pages huge_pages_since.
   */
  mmStat(): string {
    const s = this.stats;
    const memUsed = zsGetTotalPages(this.pool);
    const f = (v: number) => String(v).padStart(8);
    return `${f(s.pagesStored * PAGE_SIZE)} ${f(s.comprDataSize)} ${f(memUsed * PAGE_SIZE)} ${f(this.limitPages * PAGE_SIZE)} ${f(this.maxUsedPages * PAGE_SIZE)} ${f(s.samePages)} ${f(this.pool.stats.pagesCompacted)} ${f(s.hugePages)} ${f(s.hugePagesSince)}\n`;
  }

  /** zram_reset_device(): free every page and destroy the pool. */
  reset(): void {
    zsDestroyPool(this.pool);
    this.table.clear();
  }
}

/** drivers/block/zram/zram_drv.c: page_same_filled() — the 8-byte word every word of the page equals. */
export function sameFilledElement(page: Uint8Array): bigint | undefined {
  const v = new DataView(page.buffer, page.byteOffset, page.byteLength);
  const first = v.getBigUint64(0, true);
  for (let off = 8; off < PAGE_SIZE; off += 8) if (v.getBigUint64(off, true) !== first) return undefined;
  return first;
}

/** zram_add() + disksize_store(): a zram device named zramN (the first free N) over a new zsmalloc pool. */
export function zramCreate(kernel: Kernel, options: ZramOptions): Zram {
  const { pools } = zsmallocService(kernel);
  let n = 0;
  while (pools.has(`zram${n}`)) n++;
  return new Zram(kernel, `zram${n}`, options);
}
