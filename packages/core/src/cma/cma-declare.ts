import { KernelError } from '../errors';
import { PAGE_SHIFT, PAGE_SIZE, pageblock_nr_pages } from '../mem/constants';
import { PG } from '../mem/page-flags';
import { parseSize } from '../mem/size';
import type { CmaAreaConfig } from '../zone/machine-config';
import type { PhysicalMemory } from '../zone/physical-memory';
import { ZoneType } from '../zone/zone-type';

/** Where one configured area goes. */
export interface CmaPlacement {
  name: string;
  basePfn: number;
  count: number;
  orderPerBit: number;
  nid: number;
}

/**
 * mm/cma.c: cma_declare_contiguous_nid() + cma_init_reserved_mem(): check each configured area
 * and place it. Sizes and bases must be multiples of CMA_MIN_ALIGNMENT_BYTES (a pageblock; the
 * kernel would round the size up, mmsim asks for an exact one); an area lies in one zone (other
 * than ZONE_DEVICE) on memory that is neither reserved nor taken by another area. Without a base
 * the area is placed top-down (memblock's default), on `node` if given. Every problem is a
 * KernelError EINVAL naming the area.
 */
export function placeCmaAreas(mem: PhysicalMemory, areas: readonly CmaAreaConfig[]): CmaPlacement[] {
  const placed: CmaPlacement[] = [];
  for (const a of areas) {
    const what = `CMA area "${a.name}"`;
    const bytes = parseSize(a.size, `${what} size`);
    const minAlign = pageblock_nr_pages * PAGE_SIZE;
    if (bytes === 0 || bytes % minAlign) {
      throw new KernelError('EINVAL', `${what}: size ${bytes} bytes is not a positive multiple of the pageblock size (${minAlign >> 20} MiB, CMA_MIN_ALIGNMENT_BYTES)`);
    }
    const count = bytes >> PAGE_SHIFT;
    // The base is aligned to a pageblock and to one bitmap bit.
    const align = Math.max(pageblock_nr_pages, 1 << a.orderPerBit);
    if (count % (1 << a.orderPerBit)) {
      throw new KernelError('EINVAL', `${what}: ${count} pages is not a multiple of 2^orderPerBit (${1 << a.orderPerBit}) pages`);
    }
    let basePfn: number;
    if (a.base !== undefined) {
      const base = parseSize(a.base, `${what} base`);
      if (base % (align * PAGE_SIZE)) throw new KernelError('EINVAL', `${what}: base 0x${base.toString(16)} is not aligned to ${(align * PAGE_SIZE) >> 10} KiB`);
      basePfn = base >> PAGE_SHIFT;
      const why = unusable(mem, basePfn, count, placed);
      if (why) throw new KernelError('EINVAL', `${what}: [mem 0x${base.toString(16)}-0x${(base + bytes - 1).toString(16)}] ${why}`);
      if (a.node !== undefined && mem.pageZone(basePfn).nid !== a.node) {
        throw new KernelError('EINVAL', `${what}: base 0x${base.toString(16)} is on node ${mem.pageZone(basePfn).nid}, not node ${a.node}`);
      }
    } else {
      if (a.node !== undefined) mem.checkNid(a.node);
      basePfn = findTopDown(mem, count, align, a.node, placed);
      if (basePfn < 0) {
        throw new KernelError('EINVAL', `${what}: no free, ${count}-page range inside one zone${a.node === undefined ? '' : ` of node ${a.node}`} for ${bytes >> 20} MiB; make the area smaller or the machine larger`);
      }
    }
    placed.push({ name: a.name, basePfn, count, orderPerBit: a.orderPerBit, nid: mem.pageZone(basePfn).nid });
  }
  return placed;
}

/** Why [basePfn, basePfn+count) cannot hold a CMA area, or undefined if it can. */
function unusable(mem: PhysicalMemory, basePfn: number, count: number, placed: readonly CmaPlacement[]): string | undefined {
  if (basePfn + count > mem.maxPfn) return 'ends beyond the last pfn';
  for (const p of placed) {
    if (basePfn < p.basePfn + p.count && p.basePfn < basePfn + count) return `overlaps CMA area "${p.name}"`;
  }
  if (!mem.pfnValid(basePfn)) return 'starts in a memory hole';
  const zone = mem.pageZone(basePfn);
  if (zone.type === ZoneType.DEVICE) return 'is device memory';
  for (let pfn = basePfn; pfn < basePfn + count; pfn++) {
    if (!mem.pfnValid(pfn)) return `contains a memory hole at pfn 0x${pfn.toString(16)}`;
    if (mem.pageZone(pfn) !== zone) return `spans more than one zone (${zone.name} and ${mem.pageZone(pfn).name}); a CMA area must lie in one zone`;
    if (mem.frames.testFlag(pfn, PG.reserved)) return `overlaps reserved memory at pfn 0x${pfn.toString(16)}`;
  }
  return undefined;
}

/** memblock top-down placement: the highest aligned range that is usable. */
function findTopDown(mem: PhysicalMemory, count: number, align: number, node: number | undefined, placed: readonly CmaPlacement[]): number {
  const zones = mem.populatedZones.filter((z) => z.type !== ZoneType.DEVICE && (node === undefined || z.nid === node)).sort((x, y) => y.zoneStartPfn - x.zoneStartPfn);
  for (const zone of zones) {
    for (let pfn = Math.floor((zone.zoneEndPfn - count) / align) * align; pfn >= zone.zoneStartPfn; pfn -= align) {
      if (!unusable(mem, pfn, count, placed)) return pfn;
    }
  }
  return -1;
}
