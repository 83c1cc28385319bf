import { KernelError } from '@mmsim/core';
import { NR_FULLNESS_GROUPS, ZS_DEFAULT_CHAIN_SIZE } from './constants';
import { HandleTable } from './handle-table';
import { type SizeClass, type SizeClassTable, buildSizeClasses } from './size-class';
import type { ZsmallocService } from './service';
import type { Zspage } from './zspage';

/** zs_create_pool() options. */
export interface ZsPoolOptions {
  /** CONFIG_ZSMALLOC_CHAIN_SIZE: the longest zspage chain, 4..16 pages (default 8). */
  chainSize?: number;
}

/** struct zs_pool_stats */
export interface ZsPoolStats {
  /** Pages freed by zs_compact() over the pool's life. */
  pagesCompacted: number;
}

/** One mapped object (zs_map_object): the bytes handed out, written back on unmap unless RO. */
export interface ZsMapping {
  readonly handle: number;
  readonly mode: ZsMapMode;
  /** The object's usable bytes (class size minus the handle word; a whole page in the huge class). */
  readonly bytes: Uint8Array;
}

/** enum zs_mapmode */
export type ZsMapMode = 'rw' | 'ro' | 'wo';

/**
 * struct zs_pool (mm/zsmalloc.c): the size classes, the handles (the kernel's zs_handle slab
 * cache: a handle is a stable word holding the object's current `obj`), the page count and the
 * compaction statistics.
 */
export class ZsPool {
  readonly classes: readonly SizeClass[];
  readonly distinct: readonly SizeClass[];
  readonly hugeClassSize: number;
  readonly chainSize: number;
  /** handle → obj (record_obj / handle_to_obj). */
  readonly handles = new HandleTable();
  /** Objects mapped right now (zs_map_object without zs_unmap_object yet). */
  readonly mapped = new Map<number, ZsMapping>();
  /** Zspages taken off their lists by the deferred free work and not yet freed. */
  readonly freeing = new Set<Zspage>();
  /** pool->pages_allocated */
  pagesAllocated = 0;
  readonly stats: ZsPoolStats = { pagesCompacted: 0 };
  /** pool->compaction_in_progress */
  compactionInProgress = false;
  /** The free_work item is queued and has not started (kick_deferred_free). */
  freeWorkQueued = false;
  destroyed = false;

  constructor(readonly svc: ZsmallocService, readonly name: string, options: ZsPoolOptions = {}) {
    this.chainSize = options.chainSize ?? ZS_DEFAULT_CHAIN_SIZE;
    const table: SizeClassTable = buildSizeClasses(this.chainSize);
    this.classes = table.classes;
    this.distinct = table.distinct;
    this.hugeClassSize = table.hugeClassSize;
  }

  /** cache_alloc_handle(): a fresh handle, 8-byte aligned like the slab object it models. */
  allocHandle(): number {
    return this.handles.alloc();
  }

  /** handle_to_obj(), for a handle the caller must own. */
  handleToObj(handle: number): number {
    const obj = this.handles.get(handle);
    if (obj === undefined) {
      throw new KernelError('EINVAL', `zsmalloc pool "${this.name}" has no object with handle ${handle}; pass a handle zsMalloc() returned and that was not freed`);
    }
    return obj;
  }

  /** The zspage a pool page belongs to (page->private). */
  zspageOfPfn(pfn: number): Zspage {
    const zspage = this.svc.zspageOf.get(pfn);
    if (!zspage || zspage.pool !== this) throw new Error(`zsmalloc: page 0x${pfn.toString(16)} is not a page of pool "${this.name}"`);
    return zspage;
  }

  /** Every zspage of the pool: on the fullness lists or waiting for the deferred free. */
  allZspages(): Zspage[] {
    const out: Zspage[] = [];
    for (const cls of this.distinct) for (let fg = 0; fg < NR_FULLNESS_GROUPS; fg++) out.push(...cls.zspagesIn(fg));
    out.push(...this.freeing);
    return out;
  }

  /** Fails with ENODEV once the pool was destroyed. */
  checkAlive(what: string): void {
    if (this.destroyed) throw new KernelError('ENODEV', `${what}: zsmalloc pool "${this.name}" was destroyed; create a new pool with zsCreatePool()`);
  }
}
