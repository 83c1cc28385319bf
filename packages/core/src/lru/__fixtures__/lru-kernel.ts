import { bootMemory } from '../../__fixtures__/boot';
import { encodeMapping, PAGE_MAPPING_ANON, PAGE_MAPPING_MOVABLE } from '../../mem/mapping';
import { PG } from '../../mem/page-flags';
import { NodeStat, ZoneStat } from '../../stat/vmstat-items';
import { GFP_HIGHUSER_MOVABLE, __GFP_COMP } from '../../zone/gfp';
import type { MachineConfigInput } from '../../zone/machine-config';
import { NR_LRU_BASE, NR_LRU_LISTS, NR_ZONE_LRU_BASE, LruList } from '../lru-list';
import { Lru } from '../lru';

/** A booted memory with an Lru, plus helpers to make anon/file folios. */
export function bootLru(machine?: MachineConfigInput) {
  const k = bootMemory(machine);
  const lru = new Lru(k.mem, k.current, k.alloc, k.vmstat);
  const f = k.mem.frames;

  /** An allocated folio (refcount 1) that is anon (PG_swapbacked) or file-backed. */
  function folio(kind: 'anon' | 'file' = 'anon', order = 0, nid = -1): number {
    const pfn = k.alloc.allocPagesPfn(GFP_HIGHUSER_MOVABLE | (order ? __GFP_COMP : 0), order, nid);
    if (pfn < 0) throw new Error('allocation failed');
    if (kind === 'anon') {
      f.setFlag(pfn, PG.swapbacked);
      f.mapping[pfn] = encodeMapping(1, PAGE_MAPPING_ANON);
    }
    return pfn;
  }

  /** A non-LRU movable_ops page (mapping low bits 0x2). */
  function movable(): number {
    const pfn = k.alloc.allocPagesPfn(GFP_HIGHUSER_MOVABLE, 0);
    f.mapping[pfn] = encodeMapping(2, PAGE_MAPPING_MOVABLE);
    return pfn;
  }

  const node = (nid: number, item: NodeStat) => k.mem.nodes[nid]!.vmStat[item]!;
  const event = (name: string) => k.vmstat.snapshot(k.mem)[name]!;

  /**
   * The LRU invariant: for every node and list, the node counter equals the sum of its zones'
   * counters and (except LRU_UNEVICTABLE, which v6.x does not link) the pages on the list.
   */
  function checkCounters(): void {
    for (const pgdat of k.mem.nodes) {
      for (let l = 0; l < NR_LRU_LISTS; l++) {
        let zones = 0;
        for (const z of pgdat.zones) zones += z.vmStat[NR_ZONE_LRU_BASE + l]!;
        const nodeCount = pgdat.vmStat[NR_LRU_BASE + l]!;
        if (zones !== nodeCount) throw new Error(`node ${pgdat.nid} lru ${l}: zones ${zones} != node ${nodeCount}`);
        if (l === LruList.LRU_UNEVICTABLE) continue;
        let listed = 0;
        for (const pfn of lru.lruFolios(pgdat.nid, l as LruList)) listed += f.testFlag(pfn, PG.head) ? 1 << f.order[pfn]! : 1;
        if (listed !== nodeCount) throw new Error(`node ${pgdat.nid} lru ${l}: listed ${listed} != counter ${nodeCount}`);
      }
      if (pgdat.vmStat[NodeStat.NR_ISOLATED_ANON]! < 0 || pgdat.vmStat[NodeStat.NR_ISOLATED_FILE]! < 0) throw new Error('negative NR_ISOLATED');
    }
  }

  const zoneMlock = () => k.mem.zones.reduce((n, z) => n + (z ? z.vmStat[ZoneStat.NR_MLOCK]! : 0), 0);

  return { ...k, lru, f, folio, movable, node, event, checkCounters, zoneMlock };
}
