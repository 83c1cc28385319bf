/**
 * Zone types of the simulated x86_64 machine (include/linux/mmzone.h: enum zone_type).
 * mmsim models no ZONE_DMA (the first 16 MiB) and no ZONE_HIGHMEM (32-bit only).
 */
export const enum ZoneType {
  DMA32 = 0,
  NORMAL = 1,
  MOVABLE = 2,
  DEVICE = 3,
}
export const MAX_NR_ZONES = 4;
/** Names as printed by /proc/zoneinfo and /proc/buddyinfo (mm/page_alloc.c: zone_names). */
export const ZONE_NAMES: readonly string[] = ['DMA32', 'Normal', 'Movable', 'Device'];

/** mm/page_alloc.c: sysctl_lowmem_reserve_ratio defaults (DMA32 256, Normal 32, Movable 0). */
export const DEFAULT_LOWMEM_RESERVE_RATIO: readonly number[] = [256, 32, 0, 0];
