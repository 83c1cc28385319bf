import { ContractViolation, KernelError } from '../errors';
import * as mappingModule from '../mem/mapping';
import type { MappingRegistry } from '../mem/mapping-registry';
import { PG } from '../mem/page-flags';
import * as pageFlagsModule from '../mem/page-flags';
import type { Page } from '../mem/page';
import type { PageFrames } from '../mem/page-frames';
import type { MigrateMode } from './migrate-mode';

// Imported numeric constants as module-level consts, which V8 folds into the code; an imported
// binding is a load from the exporting module at every use (see page-flags.ts).
const { PAGE_MAPPING_FLAGS, PAGE_MAPPING_MOVABLE } = mappingModule;
const { PG_isolated } = pageFlagsModule;

/**
 * include/linux/migrate.h: struct movable_operations, what a driver provides to make its
 * non-LRU pages movable (kernel.md §4.2, contract D1–D7).
 */
export interface MovableOperations {
  /**
   * Called with the page locked. Return true if the page can be moved now, after taking it off
   * the driver's own lists (the core reuses page->lru) and counting it isolated. Must not unlock
   * the page or set PG_isolated.
   */
  isolatePage(page: Page, mode: number): boolean;
  /**
   * Called with src and dst locked. Copy data and driver metadata to dst, make dst movable,
   * move the driver's reference and list membership to dst, `clearPageMovable(src)` and return 0;
   * or return -EAGAIN (retried) or another negative errno (permanent failure, then putback).
   */
  migratePage(dst: Page, src: Page, mode: MigrateMode): number;
  /** Called with the page locked: take an isolated page back into the driver's structures. */
  putbackPage(page: Page): void;
}

/** A driver's registered movable_operations: the object page->mapping points at. */
export interface MovableOpsEntry {
  readonly id: number;
  readonly driver: string;
  readonly ops: MovableOperations;
  /** The mapping word of a movable page of this driver: id << 2 | PAGE_MAPPING_MOVABLE. */
  readonly mapping: number;
}

/**
 * __SetPageMovable / __ClearPageMovable / PageMovable / __PageMovable (mm/compaction.c,
 * include/linux/page-flags.h, v6.6–v6.10): movability lives in the low bits of page->mapping,
 * the ops pointer in the rest. The core checks rules M1–M3 here.
 */
export class MovableOpsRegistry {
  private readonly byDriver = new Map<string, MovableOpsEntry>();

  constructor(private readonly frames: PageFrames, private readonly mappings: MappingRegistry) {}

  /** Registers a driver's movable_operations (one set per driver). */
  register(driver: string, ops: MovableOperations): MovableOpsEntry {
    if (this.byDriver.has(driver)) {
      throw new KernelError('EEXIST', `driver "${driver}" already registered movable_operations; register them once and reuse the entry`);
    }
    for (const fn of ['isolatePage', 'migratePage', 'putbackPage'] as const) {
      if (typeof ops?.[fn] !== 'function') {
        throw new KernelError('EINVAL', `movable_operations of driver "${driver}" lack ${fn}(); provide isolatePage, migratePage and putbackPage`);
      }
    }
    const holder = { driver, ops } as { driver: string; ops: MovableOperations; id: number; mapping: number };
    holder.id = this.mappings.register(holder);
    holder.mapping = ((holder.id << 2) | PAGE_MAPPING_MOVABLE) >>> 0;
    this.byDriver.set(driver, holder);
    return holder;
  }

  /** Forgets a driver's ops. Pages still pointing at them must have been released first. */
  unregister(entry: MovableOpsEntry): void {
    this.byDriver.delete(entry.driver);
    this.mappings.unregister(entry.id);
  }

  entry(driver: string): MovableOpsEntry | undefined {
    return this.byDriver.get(driver);
  }

  /** __PageMovable(): (mapping & FLAGS) == MOVABLE — also true once released (mapping 0x2). */
  isMovableMapping(pfn: number): boolean {
    return (this.frames.mapping[pfn]! & PAGE_MAPPING_FLAGS) === PAGE_MAPPING_MOVABLE;
  }

  /** page_movable_ops(): the ops a movable page points at, or undefined (released or none). */
  opsOf(pfn: number): MovableOpsEntry | undefined {
    const mapping = this.frames.mapping[pfn]!;
    if ((mapping & PAGE_MAPPING_FLAGS) !== PAGE_MAPPING_MOVABLE || mapping >>> 2 === 0) return undefined;
    return this.mappings.get<MovableOpsEntry>(mapping >>> 2);
  }

  /** PageMovable(): called with the page locked; movable and still owned by a driver. */
  pageMovable(pfn: number): boolean {
    return this.opsOf(pfn) !== undefined;
  }

  /** __SetPageMovable(page, mops): only under the page lock (M2); the page must not be mapped (M9). */
  setPageMovable(pfn: number, entry: MovableOpsEntry): void {
    const f = this.frames;
    if (!f.testFlag(pfn, PG.locked)) this.violation('M2', '__SetPageMovable() on a page that is not locked; lock the page first', pfn, entry.driver);
    if (f.testFlag(pfn, PG.tail)) this.violation('M2', '__SetPageMovable() on a tail page; movable_ops pages are not compound', pfn, entry.driver);
    if (f.mapcount[pfn] !== 0) this.violation('M9', '__SetPageMovable() on a page mapped in a page table; movable_ops pages are never mapped to user space', pfn, entry.driver);
    const mapping = f.mapping[pfn]!;
    if (mapping !== 0 && mapping !== PAGE_MAPPING_MOVABLE && mapping !== entry.mapping) {
      this.violation('M1', '__SetPageMovable() on a page that already belongs to another mapping (anon, file or another driver)', pfn, entry.driver);
    }
    f.mapping[pfn] = entry.mapping;
  }

  /**
   * __ClearPageMovable(): only on a locked PageMovable page (M3). The mapping keeps
   * PAGE_MAPPING_MOVABLE without ops: "still the type of a movable page, but not movable any more".
   */
  clearPageMovable(pfn: number): void {
    const f = this.frames;
    const entry = this.opsOf(pfn);
    if (!entry) this.violation('M3', '__ClearPageMovable() on a page that is not PageMovable', pfn);
    if (!f.testFlag(pfn, PG.locked)) this.violation('M3', '__ClearPageMovable() on a page that is not locked; lock the page first', pfn, entry.driver);
    f.mapping[pfn] = PAGE_MAPPING_MOVABLE;
  }

  /** PageIsolated() */
  isIsolated(pfn: number): boolean {
    return this.frames.testFlag(pfn, PG_isolated);
  }

  violation(rule: string, reason: string, pfn: number, driver?: string): never {
    const f = this.frames;
    throw new ContractViolation(rule, reason, { pfn, flags: f.flags[pfn]!, refcount: f.refcount[pfn]!, mapcount: f.mapcount[pfn]!, mapping: f.mapping[pfn]! }, driver);
  }
}
