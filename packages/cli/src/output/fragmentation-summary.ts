import { fragmentationIndex, NR_PAGE_ORDERS, zoneUnusableIndex, ZONE_NAMES, type PhysicalMemory } from '@mmsim/core';

export interface ZoneIndices {
  node: number;
  zone: string;
  /** Per order 0..MAX_PAGE_ORDER, ×1000 as the kernel computes them (truncating division). */
  orders: number[];
}

export interface FragmentationSummary {
  /** debugfs extfrag/unusable_index (M2). */
  unusableIndex: ZoneIndices[];
  /** debugfs extfrag/extfrag_index (M3); -1000 where the request would succeed. */
  extfragIndex: ZoneIndices[];
}

/** The two debugfs fragmentation tables as integers, for every populated zone. */
export function fragmentationSummary(mem: PhysicalMemory): FragmentationSummary {
  const unusableIndex: ZoneIndices[] = [];
  const extfragIndex: ZoneIndices[] = [];
  for (const zone of mem.populatedZones) {
    const base = { node: zone.nid, zone: ZONE_NAMES[zone.type]! };
    const orders = Array.from({ length: NR_PAGE_ORDERS }, (_, o) => o);
    unusableIndex.push({ ...base, orders: orders.map((o) => zoneUnusableIndex(zone, o)) });
    extfragIndex.push({ ...base, orders: orders.map((o) => fragmentationIndex(zone, o)) });
  }
  return { unusableIndex, extfragIndex };
}
