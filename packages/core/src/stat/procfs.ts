import { NR_PAGE_ORDERS, pageblock_nr_pages, pageblock_order } from '../mem/constants';
import { MIGRATE_TYPES, MIGRATETYPE_NAMES } from '../zone/migratetype';
import type { PageAllocator } from '../zone/page-alloc';
import type { PgData } from '../zone/pgdat';
import type { PhysicalMemory } from '../zone/physical-memory';
import type { Zone } from '../zone/zone';
import { MAX_NR_ZONES } from '../zone/zone-type';
import { __fragmentationIndex, fillContigPageInfo, unusableFreeIndex } from './fragmentation';
import { lpad, lu, rpad, zpad } from './seq-format';
import { NODE_STAT_NAMES, NUMA_STAT_NAMES, VM_EVENT_NAMES, VmEvent, ZONE_STAT_NAMES } from './vmstat-items';
import type { VmStat } from './vmstat';
import { nodeStatForPrint, zoneinfoShowPrint } from './zoneinfo';

/** mm/vmstat.c: pagetypeinfo_showfree_print() stops counting a free list at this length. */
const PAGETYPEINFO_FREE_CAP = 100000;

/**
 * The /proc and debugfs views of mm/vmstat.c (Linux v6.6), as the exact text the kernel prints,
 * so existing parsers and scripts work on simulator output. Each view walks the online nodes
 * (frag_start/frag_next) and their zones (walk_zones_in_node) in the kernel's order.
 */
export class ProcFs {
  /**
   * @param alloc the allocator whose zones are shown; kept so views that need allocator state
   *   (sysctls, min_free_kbytes) read the same instance as the kernel wiring.
   */
  constructor(
    readonly mem: PhysicalMemory,
    readonly alloc: PageAllocator,
    /** The global event counters (vm_event_states). */
    readonly vmEvents: VmStat,
  ) {}

  /** node_zones[0..MAX_NR_ZONES) of a node, populated or not. */
  private nodeZones(pgdat: PgData): Zone[] {
    const zones: Zone[] = [];
    for (let type = 0; type < MAX_NR_ZONES; type++) {
      const zone = this.mem.zones[pgdat.nid * MAX_NR_ZONES + type];
      if (zone) zones.push(zone);
    }
    return zones;
  }

  /** mm/vmstat.c: walk_zones_in_node() over every online node. */
  private walk(assertPopulated: boolean, print: (pgdat: PgData, zone: Zone) => string, skipMemoryless = false): string {
    let out = '';
    for (const pgdat of this.mem.nodes) {
      if (skipMemoryless && !this.nodeHasMemory(pgdat)) continue;
      for (const zone of this.nodeZones(pgdat)) {
        if (assertPopulated && !zone.populated) continue;
        out += print(pgdat, zone);
      }
    }
    return out;
  }

  /** node_state(nid, N_MEMORY) */
  private nodeHasMemory(pgdat: PgData): boolean {
    return this.nodeZones(pgdat).some((z) => z.populated);
  }

  /** /proc/buddyinfo (mm/vmstat.c: frag_show → frag_show_print): free blocks per order. */
  buddyinfo(): string {
    return this.walk(true, (pgdat, zone) => {
      let s = `Node ${pgdat.nid}, zone ${rpad(zone.name, 8)} `;
      for (let order = 0; order < NR_PAGE_ORDERS; order++) s += `${rpad(lu(zone.nrFree[order]!), 6)} `;
      return s + '\n';
    });
  }

  /**
   * /proc/pagetypeinfo (mm/vmstat.c: pagetypeinfo_show), once per node with memory: free blocks
   * per migratetype and order (a count of 100000 or more prints as `>100000`, as the kernel caps
   * its list walk), then the number of pageblocks of each migratetype. The "Number of mixed
   * blocks" table needs CONFIG_PAGE_OWNER and is not printed.
   */
  pagetypeinfo(): string {
    let out = '';
    for (const pgdat of this.mem.nodes) {
      if (!this.nodeHasMemory(pgdat)) continue;
      out += `Page block order: ${pageblock_order}\n`;
      out += `Pages per block:  ${pageblock_nr_pages}\n`;
      out += '\n';
      out += this.pagetypeinfoShowfree(pgdat);
      out += this.pagetypeinfoShowblockcount(pgdat);
    }
    return out;
  }

  /** mm/vmstat.c: pagetypeinfo_showfree() + pagetypeinfo_showfree_print() for one node. */
  private pagetypeinfoShowfree(pgdat: PgData): string {
    let s = `${lpad('Free pages count per migrate type at order', 43)} `;
    for (let order = 0; order < NR_PAGE_ORDERS; order++) s += `${rpad(order, 6)} `;
    s += '\n';
    for (const zone of this.nodeZones(pgdat)) {
      if (!zone.populated) continue;
      for (let mt = 0; mt < MIGRATE_TYPES; mt++) {
        s += `Node ${rpad(pgdat.nid, 4)}, zone ${rpad(zone.name, 8)}, type ${rpad(MIGRATETYPE_NAMES[mt]!, 12)} `;
        for (let order = 0; order < NR_PAGE_ORDERS; order++) {
          const count = zone.nrFreeByType[order * MIGRATE_TYPES + mt]!;
          const overflow = count >= PAGETYPEINFO_FREE_CAP;
          s += `${overflow ? '>' : ''}${rpad(lu(overflow ? PAGETYPEINFO_FREE_CAP : count), 6)} `;
        }
        s += '\n';
      }
    }
    return s;
  }

  /**
   * mm/vmstat.c: pagetypeinfo_showblockcount() + _print(): pageblocks by migratetype, stepping
   * from zone_start_pfn by pageblock_nr_pages and skipping pfns without a memmap and pfns that
   * belong to another zone.
   */
  private pagetypeinfoShowblockcount(pgdat: PgData): string {
    let s = `\n${lpad('Number of blocks type ', 23)}`;
    for (let mt = 0; mt < MIGRATE_TYPES; mt++) s += `${rpad(MIGRATETYPE_NAMES[mt]!, 12)} `;
    s += '\n';
    for (const zone of this.nodeZones(pgdat)) {
      if (!zone.populated) continue;
      const count = new Array<number>(MIGRATE_TYPES).fill(0);
      for (let pfn = zone.zoneStartPfn; pfn < zone.zoneEndPfn; pfn += pageblock_nr_pages) {
        if (!this.mem.pfnValid(pfn)) continue;
        if (this.mem.pageZone(pfn) !== zone) continue;
        const mt = this.mem.pageblocks.migratetype(pfn);
        if (mt < MIGRATE_TYPES) count[mt]!++;
      }
      s += `Node ${pgdat.nid}, zone ${rpad(zone.name, 8)} `;
      for (let mt = 0; mt < MIGRATE_TYPES; mt++) s += `${rpad(count[mt]!, 12)} `;
      s += '\n';
    }
    return s;
  }

  /**
   * /proc/vmstat (mm/vmstat.c: vmstat_start/vmstat_show): zone items, NUMA items, node items
   * (THP counters in huge pages), then the event counters (pgpgin/pgpgout counted in 512-byte
   * sectors and shown in KiB), and the deprecated `nr_unstable 0` line the kernel appends. The
   * dirty thresholds (enum vm_stat_item) are not modelled and not printed.
   */
  vmstat(): string {
    const mem = this.mem;
    let out = '';
    for (let i = 0; i < ZONE_STAT_NAMES.length; i++) {
      let v = 0;
      for (const z of mem.zones) if (z) v += z.vmStat[i]!;
      out += `${ZONE_STAT_NAMES[i]} ${lu(v)}\n`;
    }
    for (let i = 0; i < NUMA_STAT_NAMES.length; i++) {
      let v = 0;
      for (const z of mem.zones) if (z) v += z.numaStat[i]!;
      out += `${NUMA_STAT_NAMES[i]} ${lu(v)}\n`;
    }
    for (let i = 0; i < NODE_STAT_NAMES.length; i++) {
      let v = 0;
      for (const p of mem.nodes) v += nodeStatForPrint(p, i);
      out += `${NODE_STAT_NAMES[i]} ${lu(v)}\n`;
    }
    const ev = this.vmEvents.events;
    for (let i = 0; i < VM_EVENT_NAMES.length; i++) {
      const v = i === VmEvent.PGPGIN || i === VmEvent.PGPGOUT ? Math.trunc(ev[i]! / 2) : ev[i]!;
      out += `${VM_EVENT_NAMES[i]} ${lu(v)}\n`;
    }
    return out + 'nr_unstable 0\n';
  }

  /**
   * /proc/zoneinfo (mm/vmstat.c: zoneinfo_show → zoneinfo_show_print): every zone of every
   * online node, populated or not, since it shows the effect of lowmem_reserve_ratio.
   */
  zoneinfo(): string {
    let out = '';
    for (const pgdat of this.mem.nodes) {
      const zones = this.nodeZones(pgdat);
      for (const zone of zones) out += zoneinfoShowPrint(pgdat, zones, zone, this.mem.nrCpus);
    }
    return out;
  }

  /**
   * debugfs extfrag/unusable_index (mm/vmstat.c: unusable_show → unusable_show_print): the
   * unusable free space index per order as `%d.%03d `.
   */
  unusableIndex(): string {
    return this.walk(
      true,
      (pgdat, zone) => {
        let s = `Node ${pgdat.nid}, zone ${rpad(zone.name, 8)} `;
        for (let order = 0; order < NR_PAGE_ORDERS; order++) {
          const index = unusableFreeIndex(order, fillContigPageInfo(zone.nrFree, order));
          s += `${Math.trunc(index / 1000)}.${zpad(index % 1000, 3)} `;
        }
        return s + '\n';
      },
      true,
    );
  }

  /**
   * debugfs extfrag/extfrag_index (mm/vmstat.c: extfrag_show → extfrag_show_print): the
   * fragmentation index per order as `%2d.%03d ` (-1000, "would succeed", prints `-1.000`).
   */
  extfragIndex(): string {
    return this.walk(true, (pgdat, zone) => {
      let s = `Node ${pgdat.nid}, zone ${rpad(zone.name, 8)} `;
      for (let order = 0; order < NR_PAGE_ORDERS; order++) {
        const index = __fragmentationIndex(order, fillContigPageInfo(zone.nrFree, order));
        // C division truncates toward zero: -1000 / 1000 = -1, -1000 % 1000 = 0.
        s += `${rpad(Math.trunc(index / 1000), 2)}.${zpad(index % 1000, 3)} `;
      }
      return s + '\n';
    });
  }
}
