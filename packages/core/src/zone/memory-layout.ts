import { KernelError } from '../errors';
import { MAX_DMA32_PFN, MAX_ORDER_NR_PAGES, PAGE_SHIFT, PAGE_SIZE, STRUCT_PAGE_SIZE } from '../mem/constants';
import { formatSize, parseSize } from '../mem/size';
import type { MachineConfig } from './machine-config';
import { MAX_NR_ZONES, ZONE_NAMES, ZoneType } from './zone-type';

/** Half-open pfn range [start, end). */
export interface PfnRange {
  start: number;
  end: number;
}

export interface ZoneLayout {
  nid: number;
  type: ZoneType;
  /** zone_start_pfn .. zone_end_pfn: the span; may contain holes. */
  startPfn: number;
  endPfn: number;
  /** RAM inside the span (present pages). Empty for ZONE_DEVICE until memremap_pages. */
  ram: PfnRange[];
  /** Memblock-reserved ranges inside the span (memmap, firmware, kernel image). */
  reserved: PfnRange[];
}

export interface NodeLayout {
  nid: number;
  cpus: number;
  startPfn: number;
  endPfn: number;
  ram: PfnRange[];
  /** All MAX_NR_ZONES zones of the node, populated or not (as pglist_data.node_zones). */
  zones: ZoneLayout[];
}

export interface MemoryLayout {
  nodes: NodeLayout[];
  /** One past the highest pfn with a frame (RAM or ZONE_DEVICE). */
  maxPfn: number;
  /** ZONE_DEVICE pfn ranges, in config order. */
  device: (PfnRange & { nid: number })[];
}

/** PAGES_PER_SECTION on x86_64 (128 MiB sections): device ranges are section aligned. */
const PAGES_PER_SECTION = 1 << (27 - PAGE_SHIFT);
const ALIGN_BYTES = MAX_ORDER_NR_PAGES * PAGE_SIZE;
const GiB = 1024 ** 3;

function pages(bytes: number): number {
  return bytes / PAGE_SIZE;
}

function rangeLen(ranges: PfnRange[]): number {
  let n = 0;
  for (const r of ranges) n += r.end - r.start;
  return n;
}

function clip(ranges: PfnRange[], start: number, end: number): PfnRange[] {
  const out: PfnRange[] = [];
  for (const r of ranges) {
    const s = Math.max(r.start, start);
    const e = Math.min(r.end, end);
    if (s < e) out.push({ start: s, end: e });
  }
  return out;
}

function alignUp(value: number, align: number): number {
  return Math.ceil(value / align) * align;
}

function parseSizeOrPercent(value: string | number, totalPages: number, what: string): number {
  if (typeof value === 'string' && value.endsWith('%')) {
    const pct = Number(value.slice(0, -1));
    if (pct > 100) throw new KernelError('EINVAL', `${what}=${value} is more than 100% of memory`);
    return Math.floor((totalPages * pct) / 100);
  }
  return pages(parseSize(value, what));
}

/**
 * Places RAM, zones and reservations of the configured machine in the physical address space.
 * mm/mm_init.c: free_area_init, zone_spanned_pages_in_node, find_zone_movable_pfns_for_nodes;
 * arch/x86/kernel/e820.c for the x86_64 address map (RAM below 3 GiB, PCI hole to 4 GiB).
 */
export function computeMemoryLayout(config: MachineConfig): MemoryLayout {
  const x86 = config.layout === 'x86_64';
  const holes: PfnRange[] = x86 ? [{ start: pages(3 * GiB), end: pages(4 * GiB) }] : [];

  // 1. RAM of each node, consecutively, skipping holes.
  let cursor = 0;
  const nodeRam: PfnRange[][] = config.nodes.map((node, nid) => {
    const bytes = parseSize(node.memory, `nodes[${nid}].memory`);
    if (bytes === 0 || bytes % ALIGN_BYTES !== 0) {
      throw new KernelError('EINVAL', `nodes[${nid}].memory is ${formatSize(bytes)}; it must be a non-zero multiple of 4MiB (one MAX_ORDER block of 1024 pages)`);
    }
    let need = pages(bytes);
    const ram: PfnRange[] = [];
    while (need > 0) {
      const hole = holes.find((h) => cursor >= h.start && cursor < h.end);
      if (hole) {
        cursor = hole.end;
        continue;
      }
      const nextHole = holes.find((h) => h.start > cursor);
      const take = Math.min(need, (nextHole ? nextHole.start : Infinity) - cursor);
      ram.push({ start: cursor, end: cursor + take });
      cursor += take;
      need -= take;
    }
    return ram;
  });
  const ramEnd = cursor;
  const totalPages = nodeRam.reduce((n, r) => n + rangeLen(r), 0);

  // 2. The zone ranges of the architecture (arch_zone_lowest/highest_possible_pfn).
  const zoneLow = [0, x86 ? MAX_DMA32_PFN : 0];
  const zoneHigh = [x86 ? MAX_DMA32_PFN : 0, Infinity];

  // 3. ZONE_MOVABLE (find_zone_movable_pfns_for_nodes): spread evenly over nodes, from the top
  //    of the highest populated zone, start rounded up to MAX_ORDER_NR_PAGES.
  const movableZone = nodeRam.some((ram) => clip(ram, zoneLow[1]!, zoneHigh[1]!).length > 0) ? ZoneType.NORMAL : ZoneType.DMA32;
  let requiredMovable = 0;
  if (config.movablecore !== undefined) requiredMovable = parseSizeOrPercent(config.movablecore, totalPages, 'movablecore');
  if (config.kernelcore !== undefined) {
    const kernelcore = parseSizeOrPercent(config.kernelcore, totalPages, 'kernelcore');
    const fromKernelcore = Math.max(0, totalPages - kernelcore);
    requiredMovable = config.movablecore !== undefined ? Math.min(requiredMovable, fromKernelcore) : fromKernelcore;
  }
  const movableStart = nodeRam.map((ram) => {
    const last = ram[ram.length - 1]!;
    return last.end;
  });
  if (requiredMovable > 0) {
    const eligible = nodeRam.map((ram) => clip(ram, zoneLow[movableZone]!, zoneHigh[movableZone]!));
    let remaining = requiredMovable;
    let open = eligible.map((_, nid) => nid).filter((nid) => rangeLen(eligible[nid]!) > 0);
    const take = eligible.map(() => 0);
    while (remaining > 0 && open.length > 0) {
      const share = Math.ceil(remaining / open.length);
      const next: number[] = [];
      for (const nid of open) {
        const room = rangeLen(eligible[nid]!) - take[nid]!;
        const t = Math.min(share, room, remaining);
        take[nid] = take[nid]! + t;
        remaining -= t;
        if (take[nid]! < rangeLen(eligible[nid]!)) next.push(nid);
      }
      open = next;
    }
    eligible.forEach((ranges, nid) => {
      let want = take[nid]!;
      if (want === 0) return;
      // Walk down from the top of the eligible RAM.
      for (let i = ranges.length - 1; i >= 0 && want > 0; i--) {
        const r = ranges[i]!;
        const t = Math.min(want, r.end - r.start);
        movableStart[nid] = r.end - t;
        want -= t;
      }
      movableStart[nid] = alignUp(movableStart[nid]!, MAX_ORDER_NR_PAGES);
    });
  }

  // 4. Zones of each node (zone_spanned_pages_in_node + adjust_zone_range_for_zone_movable).
  const nodes: NodeLayout[] = nodeRam.map((ram, nid) => {
    const startPfn = ram[0]!.start;
    const endPfn = ram[ram.length - 1]!.end;
    const mStart = movableStart[nid]!;
    const zones: ZoneLayout[] = [];
    for (let type = 0; type < MAX_NR_ZONES; type++) {
      let s = startPfn;
      let e = startPfn;
      if (type === ZoneType.DMA32 || type === ZoneType.NORMAL) {
        s = Math.max(startPfn, zoneLow[type]!);
        e = Math.min(endPfn, zoneHigh[type]!);
        if (s < mStart && e > mStart) e = mStart;
        else if (s >= mStart) s = e;
      } else if (type === ZoneType.MOVABLE && mStart < endPfn) {
        s = mStart;
        e = Math.min(endPfn, zoneHigh[movableZone]!);
      }
      if (e < s) e = s;
      const zoneRam = clip(ram, s, e);
      zones.push({ nid, type: type as ZoneType, startPfn: zoneRam.length ? s : 0, endPfn: zoneRam.length ? e : 0, ram: zoneRam, reserved: [] });
    }
    return { nid, cpus: config.nodes[nid]!.cpus, startPfn, endPfn, ram, zones };
  });

  // 5. Memblock reservations: firmware + kernel image (x86_64, node 0), memmap top-down per node
  //    in memory outside ZONE_MOVABLE (falling back to node 0, as memblock does).
  const reserve = (range: PfnRange): void => {
    for (const node of nodes) {
      for (const zone of node.zones) {
        for (const part of clip(zone.ram, range.start, range.end)) zone.reserved.push(part);
      }
    }
  };
  const reservedSoFar: PfnRange[] = [];
  const reserveAndTrack = (r: PfnRange): void => {
    reserve(r);
    reservedSoFar.push(r);
  };
  if (x86) {
    reserveAndTrack({ start: 0, end: pages(1024 * 1024) });
    const image = pages(parseSize(config.kernelImage, 'kernelImage'));
    const imageStart = pages(16 * 1024 * 1024);
    if (image > 0) {
      const kernelRam = clip(nodes[0]!.ram, 0, movableStart[0]!);
      if (rangeLen(clip(kernelRam, imageStart, imageStart + image)) !== image) {
        throw new KernelError('EINVAL', `kernelImage (${formatSize(image * PAGE_SIZE)}) does not fit in node 0's kernel memory at 16MiB; give node 0 more memory or lower kernelImage`);
      }
      reserveAndTrack({ start: imageStart, end: imageStart + image });
    }
  }
  if (config.reserveMemmap) {
    for (const node of nodes) {
      const need = Math.ceil((rangeLen(node.ram) * STRUCT_PAGE_SIZE) / PAGE_SIZE);
      const placed = placeTopDown(nodes[node.nid]!, movableStart[node.nid]!, need, reservedSoFar) ??
        placeTopDown(nodes[0]!, movableStart[0]!, need, reservedSoFar);
      if (!placed) {
        throw new KernelError('ENOMEM', `no room outside ZONE_MOVABLE for node ${node.nid}'s memmap (${need} pages); lower movablecore or raise kernelcore`);
      }
      reserveAndTrack(placed);
    }
  }

  // 6. ZONE_DEVICE ranges above RAM, section aligned.
  let devCursor = alignUp(Math.max(ramEnd, x86 ? pages(4 * GiB) : 0), PAGES_PER_SECTION);
  const device = config.device.map((d, i) => {
    if (d.node >= nodes.length) {
      throw new KernelError('EINVAL', `device[${i}].node is ${d.node} but the machine has ${nodes.length} node(s)`);
    }
    const size = pages(parseSize(d.size, `device[${i}].size`));
    if (size === 0 || size % MAX_ORDER_NR_PAGES !== 0) {
      throw new KernelError('EINVAL', `device[${i}].size must be a non-zero multiple of 4MiB`);
    }
    const range = { nid: d.node, start: devCursor, end: devCursor + size };
    devCursor = alignUp(range.end, PAGES_PER_SECTION);
    const zone = nodes[d.node]!.zones[ZoneType.DEVICE]!;
    if (zone.endPfn === zone.startPfn) {
      zone.startPfn = range.start;
      zone.endPfn = range.end;
    } else {
      zone.endPfn = range.end;
    }
    return range;
  });
  const maxPfn = device.length ? device[device.length - 1]!.end : ramEnd;
  return { nodes, maxPfn, device };
}

/** Finds `need` pages at the top of a node's non-movable RAM that are not yet reserved. */
function placeTopDown(node: NodeLayout, movableStart: number, need: number, taken: PfnRange[]): PfnRange | undefined {
  const ram = clip(node.ram, node.startPfn, movableStart);
  for (let i = ram.length - 1; i >= 0; i--) {
    let end = ram[i]!.end;
    const start = ram[i]!.start;
    // Skip below anything already reserved at the top of this range.
    for (const t of taken) if (t.start < end && t.end > end - need && t.end <= end) end = Math.min(end, t.start);
    if (end - need >= start && !taken.some((t) => t.start < end && t.end > end - need)) {
      return { start: end - need, end };
    }
  }
  return undefined;
}

/** Human-readable zone name for messages: "Node 0 Normal". */
export function zoneLabel(nid: number, type: ZoneType): string {
  return `Node ${nid} ${ZONE_NAMES[type]}`;
}
