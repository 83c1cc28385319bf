import { MAX_PAGE_ORDER, NR_PAGE_ORDERS, pageblock_order } from '../mem/constants';
import { PG, PageType } from '../mem/page-flags';
import { ZoneStat } from '../stat/vmstat-items';
import { MIGRATE_TYPES, MigrateType, migratetypeIsMergeable } from './migratetype';
import { NR_PCP_LISTS, pindexToOrder } from './per-cpu-pages';
import type { PhysicalMemory } from './physical-memory';
import type { Zone } from './zone';

/** Page counts of one zone as found by walking its memmap and lists. */
export interface ZonePageCensus {
  zone: string;
  managed: number;
  /** Pages in buddy free blocks. */
  buddy: number;
  /** Pages on per-cpu lists. */
  pcp: number;
  /** Managed pages neither in the buddy nor on a pcp list: allocated (or poisoned and leaked). */
  inUse: number;
}

/**
 * A debug walk over the buddy allocator's data structures (the checks CONFIG_DEBUG_VM and
 * page_alloc debugging do piecemeal): every free-list entry is a PageBuddy block of the list's
 * order and migratetype, naturally aligned, inside its zone, with no references; list lengths
 * match nr_free; free blocks do not overlap; no two free buddies are left unmerged; pcp counts
 * match their lists; NR_FREE_PAGES equals the free buddy pages outside MIGRATE_ISOLATE.
 * Returns the problems found (empty when consistent) and a page census per zone.
 */
export function checkBuddy(mem: PhysicalMemory): { problems: string[]; census: ZonePageCensus[] } {
  const problems: string[] = [];
  const census: ZonePageCensus[] = [];
  const f = mem.frames;
  const lists = mem.lists;
  for (const zone of mem.populatedZones) {
    const covered = new Uint8Array(zone.spannedPages);
    const where = `Node ${zone.nid} ${zone.name}`;
    let buddyPages = 0;
    let countedFree = 0;
    for (let order = 0; order < NR_PAGE_ORDERS; order++) {
      let perOrder = 0;
      for (let mt = 0; mt < MIGRATE_TYPES; mt++) {
        const head = zone.freeList[order * MIGRATE_TYPES + mt]!;
        let n = 0;
        for (let pfn = lists.first(head); pfn !== head; pfn = lists.getNext(pfn)) {
          n++;
          const at = `${where} order ${order} mt ${mt} pfn 0x${pfn.toString(16)}`;
          if (f.pageType(pfn) !== PageType.buddy) problems.push(`${at}: on a free list but not PageBuddy`);
          if (f.order[pfn] !== order) problems.push(`${at}: buddy order ${f.order[pfn]} on the order-${order} list`);
          if (f.index[pfn] !== mt) problems.push(`${at}: recorded list type ${f.index[pfn]}`);
          if (pfn % (1 << order)) problems.push(`${at}: not aligned to its order`);
          if (!zone.spansPfn(pfn) || !zone.spansPfn(pfn + (1 << order) - 1)) problems.push(`${at}: outside the zone`);
          if (f.refcount[pfn] || f.mapcount[pfn]) problems.push(`${at}: free block with refcount ${f.refcount[pfn]} mapcount ${f.mapcount[pfn]}`);
          if (f.flags[pfn]! & (1 << PG.hwpoison)) problems.push(`${at}: poisoned page on a free list`);
          for (let p = pfn; p < pfn + (1 << order) && zone.spansPfn(p); p++) {
            if (covered[p - zone.zoneStartPfn]) problems.push(`${at}: overlaps another free block at 0x${p.toString(16)}`);
            covered[p - zone.zoneStartPfn] = 1;
          }
          if (order < MAX_PAGE_ORDER) checkUnmerged(mem, zone, pfn, order, mt, problems, at);
          buddyPages += 1 << order;
          if (mt !== MigrateType.ISOLATE) countedFree += 1 << order;
          if (n > zone.spannedPages) {
            problems.push(`${at}: list does not terminate`);
            break;
          }
        }
        if (n !== zone.nrFreeByType[order * MIGRATE_TYPES + mt]) {
          problems.push(`${where} order ${order} mt ${mt}: list holds ${n} blocks, count says ${zone.nrFreeByType[order * MIGRATE_TYPES + mt]}`);
        }
        perOrder += n;
      }
      if (perOrder !== zone.nrFree[order]) problems.push(`${where} order ${order}: lists hold ${perOrder} blocks, nr_free is ${zone.nrFree[order]}`);
    }
    if (countedFree !== zone.vmStat[ZoneStat.NR_FREE_PAGES]) {
      problems.push(`${where}: NR_FREE_PAGES is ${zone.vmStat[ZoneStat.NR_FREE_PAGES]} but the free lists hold ${countedFree} pages outside MIGRATE_ISOLATE`);
    }
    let pcpPages = 0;
    for (const pcp of zone.pcp) {
      if (!pcp) continue;
      let n = 0;
      for (let pindex = 0; pindex < NR_PCP_LISTS; pindex++) {
        const order = pindexToOrder(pindex);
        const head = pcp.lists[pindex]!;
        for (let pfn = lists.first(head); pfn !== head; pfn = lists.getNext(pfn)) {
          const at = `${where} cpu ${pcp.cpu} pcp list ${pindex} pfn 0x${pfn.toString(16)}`;
          if (f.pageType(pfn) !== PageType.pcp) problems.push(`${at}: on a pcp list without the pcp page type`);
          if (mem.pageZone(pfn) !== zone) problems.push(`${at}: belongs to another zone`);
          for (let p = pfn; p < pfn + (1 << order); p++) {
            if (covered[p - zone.zoneStartPfn]) problems.push(`${at}: also covered by a free block`);
            covered[p - zone.zoneStartPfn] = 1;
          }
          n += 1 << order;
        }
      }
      if (n !== pcp.count) problems.push(`${where} cpu ${pcp.cpu}: pcp lists hold ${n} pages, count says ${pcp.count}`);
      pcpPages += n;
    }
    let reserved = 0;
    let holes = 0;
    for (let pfn = zone.zoneStartPfn; pfn < zone.zoneEndPfn; pfn++) {
      if (f.pageType(pfn) === PageType.nomap) holes++;
      else if (f.flags[pfn]! & (1 << PG.reserved)) reserved++;
    }
    if (reserved + zone.managedPages + zone.managedAdjusted !== zone.presentPages || holes + zone.presentPages !== zone.spannedPages) {
      problems.push(`${where}: spanned ${zone.spannedPages} present ${zone.presentPages} managed ${zone.managedPages} do not match ${holes} hole and ${reserved} reserved frames`);
    }
    census.push({ zone: where, managed: zone.managedPages, buddy: buddyPages, pcp: pcpPages, inUse: zone.managedPages - buddyPages - pcpPages });
  }
  return { problems, census };
}

/** A free block whose buddy is also free at the same order must have been merged. */
function checkUnmerged(mem: PhysicalMemory, zone: Zone, pfn: number, order: number, mt: number, problems: string[], at: string): void {
  const buddy = pfn ^ (1 << order);
  if (!zone.spansPfn(buddy) || mem.frames.pageType(buddy) !== PageType.buddy || mem.frames.order[buddy] !== order) return;
  if (order >= pageblock_order) {
    const buddyMt = mem.pageblocks.migratetype(buddy);
    const myMt = mem.pageblocks.migratetype(pfn);
    if (myMt !== buddyMt && (!migratetypeIsMergeable(myMt) || !migratetypeIsMergeable(buddyMt))) return;
  }
  if (pfn < buddy) problems.push(`${at}: buddy 0x${buddy.toString(16)} (mt ${mt}) is free at the same order but not merged`);
}
