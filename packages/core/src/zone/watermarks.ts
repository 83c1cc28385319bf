import { NR_PAGE_ORDERS, PAGE_SHIFT, SWAP_CLUSTER_MAX, pageblock_nr_pages } from '../mem/constants';
import { ZoneStat } from '../stat/vmstat-items';
import { MIGRATE_PCPTYPES, MigrateType } from './migratetype';
import type { PhysicalMemory } from './physical-memory';
import type { VmSysctl } from './machine-config';
import { Wmark, type Zone } from './zone';
import { MAX_NR_ZONES, ZoneType } from './zone-type';
import { ALLOC_CMA, ALLOC_HIGHATOMIC, ALLOC_MIN_RESERVE, ALLOC_NON_BLOCK, ALLOC_OOM, ALLOC_RESERVES, ALLOC_WMARK_MASK } from './alloc-flags';

/** include/linux/sqrt.h: int_sqrt() */
function intSqrt(x: number): number {
  return Math.floor(Math.sqrt(x));
}

/** mm/page_alloc.c: nr_free_buffer_pages() at boot: managed pages of zones up to ZONE_NORMAL. */
function lowmemKbytes(mem: PhysicalMemory): number {
  let pages = 0;
  for (const zone of mem.populatedZones) {
    if (zone.type <= ZoneType.NORMAL) pages += Math.max(0, zone.managedPages - zone.watermark[Wmark.HIGH]!);
  }
  return pages * (1 << (PAGE_SHIFT - 10));
}

/**
 * mm/page_alloc.c: calculate_min_free_kbytes(): sqrt(lowmem_kbytes * 16), clamped to
 * [128, 262144] KiB.
 */
export function calculateMinFreeKbytes(mem: PhysicalMemory): number {
  const newMin = intSqrt(lowmemKbytes(mem) * 16);
  return Math.min(Math.max(newMin, 128), 262144);
}

/**
 * mm/page_alloc.c: __setup_per_zone_wmarks(). min is min_free_kbytes spread over the lowmem zones
 * in proportion to their size (ZONE_MOVABLE gets a small fixed min); low and high are
 * min + max(min/4, managed * watermark_scale_factor / 10000) and twice that; promo three times.
 */
export function setupPerZoneWmarks(mem: PhysicalMemory, minFreeKbytes: number, sysctl: VmSysctl): void {
  const pagesMin = minFreeKbytes >> (PAGE_SHIFT - 10);
  let lowmemPages = 0;
  for (const zone of mem.zones) {
    // !is_highmem(zone) && zone_idx(zone) != ZONE_MOVABLE (ZONE_DEVICE has no managed pages).
    if (zone && zone.type !== ZoneType.MOVABLE) lowmemPages += zone.managedPages;
  }
  for (const zone of mem.zones) {
    if (!zone) continue;
    const managed = zone.managedPages;
    let tmp = lowmemPages > 0 ? Math.floor((pagesMin * managed) / lowmemPages) : 0;
    if (zone.type === ZoneType.MOVABLE) {
      // __GFP_HIGH and PF_MEMALLOC allocations usually don't need ZONE_MOVABLE pages, so cap
      // pages_min to a small value: clamp(managed / 1024, SWAP_CLUSTER_MAX, 128).
      const minPages = Math.floor(managed / 1024);
      zone.watermark[Wmark.MIN] = Math.min(Math.max(minPages, SWAP_CLUSTER_MAX), 128);
    } else {
      zone.watermark[Wmark.MIN] = tmp;
    }
    // Add the larger of 25% of min or watermark_scale_factor/10000 of the zone.
    tmp = Math.max(tmp >> 2, Math.floor((managed * sysctl.watermark_scale_factor) / 10000));
    zone.watermarkBoost = 0;
    zone.watermark[Wmark.LOW] = zone.watermark[Wmark.MIN]! + tmp;
    zone.watermark[Wmark.HIGH] = zone.watermark[Wmark.LOW]! + tmp;
    zone.watermark[Wmark.PROMO] = zone.watermark[Wmark.HIGH]! + tmp;
  }
}

/**
 * mm/page_alloc.c: setup_per_zone_lowmem_reserve(): lowmem_reserve[j] of zone i is the managed
 * pages of the zones i+1..j of the same node divided by lowmem_reserve_ratio[i] (0 if the ratio is
 * 0 or either zone is empty).
 */
export function setupPerZoneLowmemReserve(mem: PhysicalMemory, ratios: readonly number[]): void {
  for (const pgdat of mem.nodes) {
    for (let i = 0; i < MAX_NR_ZONES; i++) {
      const zone = pgdat.zones[i]!;
      const ratio = ratios[i]!;
      const clear = !ratio || !zone.managedPages;
      let managedPages = 0;
      for (let j = 0; j < MAX_NR_ZONES; j++) {
        if (j <= i) {
          zone.lowmemReserve[j] = 0;
          continue;
        }
        const upper = pgdat.zones[j]!;
        managedPages += upper.managedPages;
        zone.lowmemReserve[j] = clear || !upper.managedPages ? 0 : Math.floor(managedPages / ratio);
      }
    }
  }
}

/** mm/page_alloc.c: __zone_watermark_unusable_free() */
export function zoneWatermarkUnusableFree(z: Zone, order: number, allocFlags: number): number {
  let unusable = (1 << order) - 1;
  if (!(allocFlags & ALLOC_RESERVES)) unusable += z.nrReservedHighatomic;
  if (!(allocFlags & ALLOC_CMA)) unusable += z.vmStat[ZoneStat.NR_FREE_CMA_PAGES]!;
  return unusable;
}

/**
 * mm/page_alloc.c: __zone_watermark_ok(). The order-0 check (free pages above mark plus the
 * lowmem reserve for the highest usable zone), then for order > 0 a free block of at least that
 * order on a list the caller may use.
 */
export function zoneWatermarkOk(z: Zone, order: number, mark: number, highestZoneidx: number, allocFlags: number, freePages: number): boolean {
  let min = mark;
  freePages -= zoneWatermarkUnusableFree(z, order, allocFlags);
  if (allocFlags & ALLOC_RESERVES) {
    // __GFP_HIGH allows access to 50% of the min reserve as well as OOM.
    if (allocFlags & ALLOC_MIN_RESERVE) {
      min -= Math.floor(min / 2);
      // Non-blocking allocations (GFP_ATOMIC) can access more reserves.
      if (allocFlags & ALLOC_NON_BLOCK) min -= Math.floor(min / 4);
    }
    if (allocFlags & ALLOC_OOM) min -= Math.floor(min / 2);
  }
  if (freePages <= min + z.lowmemReserve[highestZoneidx]!) return false;
  if (!order) return true;
  for (let o = order; o < NR_PAGE_ORDERS; o++) {
    if (!z.nrFree[o]) continue;
    const base = o * 6;
    for (let mt = 0; mt < MIGRATE_PCPTYPES; mt++) if (z.nrFreeByType[base + mt]) return true;
    if (allocFlags & ALLOC_CMA && z.nrFreeByType[base + MigrateType.CMA]) return true;
    if (allocFlags & (ALLOC_HIGHATOMIC | ALLOC_OOM) && z.nrFreeByType[base + MigrateType.HIGHATOMIC]) return true;
  }
  return false;
}

/**
 * mm/page_alloc.c: zone_watermark_fast(): a cheap order-0 check first, then the full one, and for
 * __GFP_HIGH order-0 requests at the min watermark, a retry ignoring the boost.
 */
export function zoneWatermarkFast(z: Zone, order: number, mark: number, highestZoneidx: number, allocFlags: number): boolean {
  const freePages = z.vmStat[ZoneStat.NR_FREE_PAGES]!;
  if (!order) {
    const reserved = zoneWatermarkUnusableFree(z, 0, allocFlags);
    const usable = freePages - Math.min(freePages, reserved);
    if (usable > mark + z.lowmemReserve[highestZoneidx]!) return true;
  }
  if (zoneWatermarkOk(z, order, mark, highestZoneidx, allocFlags, freePages)) return true;
  if (!order && allocFlags & ALLOC_MIN_RESERVE && z.watermarkBoost && (allocFlags & ALLOC_WMARK_MASK) === Wmark.MIN) {
    return zoneWatermarkOk(z, order, z.watermark[Wmark.MIN]!, highestZoneidx, allocFlags, freePages);
  }
  return false;
}

/** zone_watermark_ok() as other subsystems call it, with NR_FREE_PAGES. */
export function zoneWatermarkOkSafe(z: Zone, order: number, mark: number, highestZoneidx: number, allocFlags = 0): boolean {
  return zoneWatermarkOk(z, order, mark, highestZoneidx, allocFlags, z.vmStat[ZoneStat.NR_FREE_PAGES]!);
}

/**
 * mm/page_alloc.c: boost_watermark(): after a fragmenting fallback, raise the watermarks by a
 * pageblock (up to watermark_boost_factor/10000 of the high watermark) so kswapd reclaims and
 * kcompactd compacts a little.
 */
export function boostWatermark(zone: Zone, boostFactor: number): boolean {
  if (!boostFactor) return false;
  // Don't bother in zones that are unlikely to produce results (small zones).
  if (pageblock_nr_pages * 4 > zone.managedPages) return false;
  let maxBoost = Math.floor((zone.watermark[Wmark.HIGH]! * boostFactor) / 10000);
  // high watermark may be uninitialised if fragmentation occurs very early in boot.
  maxBoost = Math.max(pageblock_nr_pages, maxBoost);
  zone.watermarkBoost = Math.min(zone.watermarkBoost + pageblock_nr_pages, maxBoost);
  return true;
}
