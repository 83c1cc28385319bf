import { __GFP_DIRECT_RECLAIM, __GFP_HIGH, __GFP_KSWAPD_RECLAIM, __GFP_NOMEMALLOC, gfpMigratetype } from './gfp';
import { MigrateType } from './migratetype';

/**
 * Internal allocator flags (mm/internal.h, v6.6): the watermark to check in the low two bits,
 * then reserve-access and placement hints.
 */
export const ALLOC_WMARK_MIN = 0;
export const ALLOC_WMARK_LOW = 1;
export const ALLOC_WMARK_HIGH = 2;
export const ALLOC_NO_WATERMARKS = 0x04;
export const ALLOC_WMARK_MASK = ALLOC_NO_WATERMARKS - 1;
export const ALLOC_OOM = 0x08;
export const ALLOC_NON_BLOCK = 0x10;
export const ALLOC_MIN_RESERVE = 0x20;
export const ALLOC_CPUSET = 0x40;
export const ALLOC_CMA = 0x80;
export const ALLOC_NOFRAGMENT = 0x100;
export const ALLOC_HIGHATOMIC = 0x200;
/** Same bit as __GFP_KSWAPD_RECLAIM so the flag is copied without a branch. */
export const ALLOC_KSWAPD = 0x800;
export const ALLOC_RESERVES = ALLOC_NON_BLOCK | ALLOC_MIN_RESERVE | ALLOC_HIGHATOMIC | ALLOC_OOM;

/** mm/page_alloc.c: gfp_to_alloc_flags_cma(): movable allocations may use CMA pageblocks. */
export function gfpToAllocFlagsCma(gfp: number, allocFlags: number): number {
  return gfpMigratetype(gfp) === MigrateType.MOVABLE ? allocFlags | ALLOC_CMA : allocFlags;
}

/** mm/page_alloc.c: gfp_to_alloc_flags(), the slow path's flags (min watermark, reserves). */
export function gfpToAllocFlags(gfp: number, order: number): number {
  let flags = ALLOC_WMARK_MIN | ALLOC_CPUSET;
  // __GFP_HIGH is assumed to be the same as ALLOC_MIN_RESERVE and __GFP_KSWAPD_RECLAIM as ALLOC_KSWAPD.
  if (gfp & __GFP_HIGH) flags |= ALLOC_MIN_RESERVE;
  flags |= gfp & __GFP_KSWAPD_RECLAIM;
  if (!(gfp & __GFP_DIRECT_RECLAIM)) {
    // Not worth trying to allocate harder for __GFP_NOMEMALLOC even if it can't schedule.
    if (!(gfp & __GFP_NOMEMALLOC)) {
      flags |= ALLOC_NON_BLOCK;
      if (order > 0) flags |= ALLOC_HIGHATOMIC;
    }
    // Ignore cpuset mems for non-blocking __GFP_HIGH allocations.
    if (flags & ALLOC_MIN_RESERVE) flags &= ~ALLOC_CPUSET;
  }
  return gfpToAllocFlagsCma(gfp, flags);
}
