import { pageblock_order } from '../mem/constants';
import type { MigrateType } from './migratetype';

/** include/linux/pageblock-flags.h: PB_migrate_skip, the bit above the 3 migratetype bits. */
export const PB_MIGRATE_SKIP = 1 << 3;
/** include/linux/pageblock-flags.h: the migratetype bits of a pageblock's flags byte. */
export const PB_MIGRATETYPE_MASK = 0x7;

/**
 * Per-pageblock flags over the whole pfn space (mm/page_alloc.c: get/set_pfnblock_flags_mask):
 * three migratetype bits and the compaction skip bit, one byte per 2 MiB pageblock.
 */
export class PageblockFlags {
  readonly bits: Uint8Array;

  constructor(maxPfn: number) {
    this.bits = new Uint8Array(Math.ceil(maxPfn / (1 << pageblock_order)));
  }

  get nrPageblocks(): number {
    return this.bits.length;
  }

  /** get_pageblock_migratetype / get_pfnblock_migratetype */
  migratetype(pfn: number): MigrateType {
    return (this.bits[pfn >>> pageblock_order]! & PB_MIGRATETYPE_MASK) as MigrateType;
  }

  /** set_pageblock_migratetype */
  setMigratetype(pfn: number, mt: MigrateType): void {
    const i = pfn >>> pageblock_order;
    this.bits[i] = (this.bits[i]! & ~PB_MIGRATETYPE_MASK) | mt;
  }

  /** get_pageblock_skip */
  skip(pfn: number): boolean {
    return (this.bits[pfn >>> pageblock_order]! & PB_MIGRATE_SKIP) !== 0;
  }

  /** set_pageblock_skip / clear_pageblock_skip */
  setSkip(pfn: number, skip: boolean): void {
    const i = pfn >>> pageblock_order;
    this.bits[i] = skip ? this.bits[i]! | PB_MIGRATE_SKIP : this.bits[i]! & ~PB_MIGRATE_SKIP;
  }
}

/** pageblock_start_pfn */
export function pageblockStartPfn(pfn: number): number {
  return pfn & ~((1 << pageblock_order) - 1);
}

/** pageblock_end_pfn (exclusive) */
export function pageblockEndPfn(pfn: number): number {
  return pageblockStartPfn(pfn) + (1 << pageblock_order);
}
