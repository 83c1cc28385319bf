import { KernelError } from '../errors';
import { PG, PageType } from '../mem/page-flags';
import * as pageFlagsModule from '../mem/page-flags';
import { PageFrames } from '../mem/page-frames';
import { MappingRegistry } from '../mem/mapping-registry';
import { PageContent } from '../mem/page-content';
import { PageLists } from '../mem/page-list';
import type { MachineConfig } from './machine-config';
import { computeMemoryLayout, type MemoryLayout } from './memory-layout';
import { MigrateType } from './migratetype';
import { PageblockFlags } from './pageblock';
import { PgData } from './pgdat';
import { Zone } from './zone';
import { ZoneType } from './zone-type';
import * as zoneTypeModule from './zone-type';

// Imported numeric constants as module-level consts, which V8 folds into the code; an imported
// binding is a load from the exporting module at every use (see page-flags.ts).
const { PAGE_TYPE_MASK, PAGE_TYPE_SHIFT, ZONEID_SHIFT } = pageFlagsModule;
const { MAX_NR_ZONES } = zoneTypeModule;

const NOMAP_TYPE = PageType.nomap << PAGE_TYPE_SHIFT;

/**
 * The simulated machine's physical memory: the memmap (page frames), pageblock flags, NUMA nodes
 * with their zones and zonelists, and the CPUs. Built once at boot from a MachineConfig
 * (mm/mm_init.c: free_area_init, memmap_init, build_all_zonelists). The buddy allocator fills the
 * free lists afterwards (memblock_free_all); see page-alloc.ts.
 */
export class PhysicalMemory {
  readonly layout: MemoryLayout;
  readonly frames: PageFrames;
  readonly lists: PageLists;
  readonly pageblocks: PageblockFlags;
  /** Page data: fingerprints and the real bytes of pages that have them. */
  readonly content: PageContent;
  /** The objects page->mapping words point at. */
  readonly mappings = new MappingRegistry();
  readonly nodes: PgData[];
  /** Zones by global id (nid * MAX_NR_ZONES + type); every node has all MAX_NR_ZONES entries. */
  readonly zones: Zone[];
  /** One past the highest pfn with a frame. */
  readonly maxPfn: number;
  /** Node of each global CPU id (cpu_to_node). */
  readonly cpuToNode: number[] = [];
  /** node_distance(a, b) */
  readonly distance: number[][];

  constructor(config: MachineConfig) {
    this.layout = computeMemoryLayout(config);
    this.maxPfn = this.layout.maxPfn;
    this.frames = new PageFrames(this.layout.maxPfn);
    this.lists = new PageLists(this.frames);
    this.content = new PageContent(this.frames);
    this.pageblocks = new PageblockFlags(this.layout.maxPfn);
    this.distance = buildDistance(config);
    this.nodes = [];
    this.zones = [];

    // Every pfn starts as "no memmap" until a zone claims it (holes stay that way).
    this.frames.flags.fill(NOMAP_TYPE);

    for (const nodeLayout of this.layout.nodes) {
      const pgdat = new PgData(nodeLayout.nid);
      pgdat.nodeStartPfn = nodeLayout.startPfn;
      pgdat.nodeSpannedPages = nodeLayout.endPfn - nodeLayout.startPfn;
      for (let c = 0; c < nodeLayout.cpus; c++) {
        pgdat.cpus.push(this.cpuToNode.length);
        this.cpuToNode.push(nodeLayout.nid);
      }
      for (const zl of nodeLayout.zones) {
        const zone = new Zone(nodeLayout.nid, zl.type, this.lists);
        zone.zoneStartPfn = zl.startPfn;
        zone.spannedPages = zl.endPfn - zl.startPfn;
        let present = 0;
        for (const r of zl.ram) present += r.end - r.start;
        let reserved = 0;
        for (const r of zl.reserved) reserved += r.end - r.start;
        zone.presentPages = present;
        zone.managedPages = present - reserved;
        pgdat.nodePresentPages += present;
        pgdat.zones.push(zone);
        this.zones[zone.id] = zone;
        this.initZoneFrames(zone, zl.ram, zl.reserved);
      }
      this.nodes.push(pgdat);
    }
    // ZONE_DEVICE spans: frames exist (zone id set) but are not present until memremap_pages.
    for (const d of this.layout.device) {
      const zone = this.zones[d.nid * MAX_NR_ZONES + ZoneType.DEVICE]!;
      this.frames.flags.fill(((zone.id << ZONEID_SHIFT) | (NOMAP_TYPE)) >>> 0, d.start, d.end);
    }
    // CPUs get per-cpu pagesets in every zone (setup_zone_pageset); all zones share one cpu set.
    for (const zone of this.zones) {
      if (!zone) continue;
      for (let cpu = 0; cpu < this.cpuToNode.length; cpu++) zone.addPcp(this.lists, cpu);
    }
    this.buildZonelists();
  }

  /** memmap_init_range(): zone id in every frame of the span, PG_reserved on reserved pages. */
  private initZoneFrames(zone: Zone, ram: { start: number; end: number }[], reserved: { start: number; end: number }[]): void {
    const f = this.frames;
    const zoneBits = (zone.id << ZONEID_SHIFT) >>> 0;
    if (zone.spannedPages > 0) {
      f.flags.fill((zoneBits | (NOMAP_TYPE)) >>> 0, zone.zoneStartPfn, zone.zoneEndPfn);
    }
    for (const r of ram) {
      f.flags.fill(zoneBits, r.start, r.end);
      // memmap_init sets every pageblock MIGRATE_MOVABLE at boot.
      for (let pfn = r.start; pfn < r.end; pfn += 512) this.pageblocks.setMigratetype(pfn, MigrateType.MOVABLE);
    }
    for (const r of reserved) {
      f.flags.fill((zoneBits | (1 << PG.reserved)) >>> 0, r.start, r.end);
      f.refcount.fill(1, r.start, r.end);
    }
  }

  /** mm/page_alloc.c: build_zonelists(): by node distance, then highest zone first. */
  private buildZonelists(): void {
    for (const pgdat of this.nodes) {
      const order = this.nodes
        .map((n) => n.nid)
        .sort((a, b) => this.distance[pgdat.nid]![a]! - this.distance[pgdat.nid]![b]! || (a === pgdat.nid ? -1 : b === pgdat.nid ? 1 : a - b));
      const byNode = (nid: number): Zone[] =>
        this.nodes[nid]!.zones.filter((z) => z.type !== ZoneType.DEVICE && z.populated).reverse();
      pgdat.zonelistFallback = order.flatMap(byNode);
      pgdat.zonelistNoFallback = byNode(pgdat.nid);
    }
  }

  /** page_zone(): the zone of a frame. */
  pageZone(pfn: number): Zone {
    return this.zones[this.frames.zoneId(pfn)]!;
  }

  /** The populated zones of every node, in node then zone order (for_each_populated_zone). */
  get populatedZones(): Zone[] {
    return this.zones.filter((z) => z && z.populated);
  }

  /** numa_node_id() of a cpu. */
  cpuNode(cpu: number): number {
    return this.cpuToNode[cpu]!;
  }

  get nrCpus(): number {
    return this.cpuToNode.length;
  }

  /** Total managed pages (totalram_pages). */
  get totalramPages(): number {
    let n = 0;
    for (const z of this.zones) if (z) n += z.managedPages;
    return n;
  }

  /**
   * mm/page_alloc.c: adjust_managed_page_count(): a driver takes `-count` pages of pfn's zone out
   * of (or gives `count` back to) the memory the kernel manages, as the balloon does. Watermarks
   * are not recomputed, as in the kernel.
   */
  adjustManagedPageCount(pfn: number, count: number): void {
    this.checkPfn(pfn);
    const zone = this.pageZone(pfn);
    if (!Number.isInteger(count) || zone.managedPages + count < 0) {
      throw new KernelError('EINVAL', `adjust_managed_page_count(${count}) would take zone ${zone.name} of node ${zone.nid} below zero managed pages`);
    }
    zone.managedPages += count;
    zone.managedAdjusted -= count;
  }

  /** pfn_valid() for a frame that has a memmap and RAM behind it. */
  pfnValid(pfn: number): boolean {
    return pfn >>> 0 === pfn && pfn < this.maxPfn && (this.frames.flags[pfn]! & PAGE_TYPE_MASK) !== NOMAP_TYPE;
  }

  /** Throws EINVAL unless pfn names a frame with memory behind it. */
  checkPfn(pfn: number, what = 'pfn'): void {
    if (!this.pfnValid(pfn)) this.badPfn(pfn, what);
  }

  /** The cold half of checkPfn(), kept apart so the check itself stays small enough to inline. */
  private badPfn(pfn: number, what: string): never {
    const shown = typeof pfn === 'number' && Number.isFinite(pfn) ? '0x' + pfn.toString(16) : String(pfn);
    throw new KernelError('EINVAL', `${what} ${shown} has no page frame (valid RAM pfns lie in [0x0, 0x${this.layout.maxPfn.toString(16)}) outside holes)`);
  }

  /** Throws EINVAL unless nid names a node. */
  checkNid(nid: number): void {
    if (!Number.isInteger(nid) || nid < 0 || nid >= this.nodes.length) {
      throw new KernelError('EINVAL', `node ${nid} does not exist; this machine has nodes 0..${this.nodes.length - 1}`);
    }
  }
}

function buildDistance(config: MachineConfig): number[][] {
  const n = config.nodes.length;
  if (config.distance) {
    const d = config.distance;
    if (d.length !== n || d.some((row) => row.length !== n)) {
      throw new KernelError('EINVAL', `distance must be a ${n}x${n} matrix (one row and column per node)`);
    }
    for (let i = 0; i < n; i++) {
      if (d[i]![i] !== 10) throw new KernelError('EINVAL', `distance[${i}][${i}] must be 10 (LOCAL_DISTANCE)`);
    }
    return d.map((row) => [...row]);
  }
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 10 : 20)));
}
