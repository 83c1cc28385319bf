import { PAGE_ALLOC_COSTLY_ORDER, pageblock_nr_pages, pageblock_order } from '../mem/constants';
import { PAGE_TYPE_MASK, PAGE_TYPE_SHIFT, PG, PageType } from '../mem/page-flags';
import { MigrateType } from '../zone/migratetype';
import type { PhysicalMemory } from '../zone/physical-memory';
import { pageblockEndPfn, pageblockStartPfn } from '../zone/pageblock';
import type { Zone } from '../zone/zone';
import { MigrateMode } from '../migrate/migrate-mode';
import type { CompactControl, ZoneCompactState } from './compact-control';

const HEAD = 1 << PG.head;
const TAIL = 1 << PG.tail;
const LRU = 1 << PG.lru;
const BUDDY_TYPE = PageType.buddy << PAGE_TYPE_SHIFT;

/**
 * Pageblock skip hints and the cached scanner positions (mm/compaction.c, CONFIG_COMPACTION):
 * the PB_migrate_skip bit of each pageblock, set when a scanner found nothing in a block, and
 * cleared zone-wide by __reset_isolation_suitable().
 */
export class SkipHints {
  private readonly flags: Uint32Array;
  private readonly order: Uint8Array;

  constructor(private readonly mem: PhysicalMemory) {
    this.flags = mem.frames.flags;
    this.order = mem.frames.order;
  }

  /**
   * mm/compaction.c: pageblock_skip_persistent(): a compound page of pageblock order or more
   * starts here, so the block is skipped whatever the hints say.
   */
  pageblockSkipPersistent(pfn: number): boolean {
    const f = this.flags[pfn]!;
    if (!(f & (HEAD | TAIL))) return false;
    return this.order[pfn]! >= pageblock_order;
  }

  /** mm/compaction.c: isolation_suitable(): the skip bit is clear (or ignored). */
  isolationSuitable(cc: CompactControl, pfn: number): boolean {
    if (cc.ignoreSkipHint) return true;
    return !this.mem.pageblocks.skip(pfn);
  }

  /**
   * mm/compaction.c: test_and_set_skip(): claim a pageblock for the migrate scanner: returns the
   * old skip bit and sets it (unless hints are ignored or not to be set).
   */
  testAndSetSkip(cc: CompactControl, pfn: number): boolean {
    if (cc.ignoreSkipHint) return false;
    const skip = this.mem.pageblocks.skip(pfn);
    if (!skip && !cc.noSetSkipHint) this.mem.pageblocks.setSkip(pfn, true);
    return skip;
  }

  /**
   * mm/compaction.c: update_cached_migrate(): move the cached migrate pfn (async, and sync for
   * non-async modes) forward to the end of the pageblock of `pfn`.
   */
  updateCachedMigrate(cc: CompactControl, z: ZoneCompactState, pfn: number): void {
    pfn = pageblockEndPfn(pfn);
    // Set for isolation rather than compaction
    if (cc.noSetSkipHint) return;
    if (pfn > z.cachedMigratePfn[0]!) z.cachedMigratePfn[0] = pfn;
    if (cc.mode !== MigrateMode.ASYNC && pfn > z.cachedMigratePfn[1]!) z.cachedMigratePfn[1] = pfn;
  }

  /**
   * mm/compaction.c: update_pageblock_skip(): the free scanner found nothing more in a block:
   * set its skip bit and move the cached free pfn down to `pfn`.
   */
  updatePageblockSkip(cc: CompactControl, z: ZoneCompactState, blockPfn: number, pfn: number): void {
    if (cc.noSetSkipHint) return;
    this.mem.pageblocks.setSkip(blockPfn, true);
    if (pfn < z.cachedFreePfn) z.cachedFreePfn = pfn;
  }

  /**
   * mm/compaction.c: reset_cached_positions(): both scanners start over, from the zone start and
   * the last pageblock of the zone.
   */
  resetCachedPositions(z: ZoneCompactState): void {
    const zone = z.zone;
    z.cachedMigratePfn[0] = zone.zoneStartPfn;
    z.cachedMigratePfn[1] = zone.zoneStartPfn;
    z.cachedFreePfn = pageblockStartPfn(zone.zoneEndPfn - 1);
  }

  /**
   * mm/compaction.c: __reset_isolation_pfn(): clear the skip bit of the block of `pfn` if a
   * sample (every 8th page) shows an LRU page (migrate side) or a free page (free side) in it.
   * Returns whether the block is a good restart point.
   */
  private resetIsolationPfn(zone: Zone, pfn: number, checkSource: boolean, checkTarget: boolean): boolean {
    if (!this.mem.pfnValid(pfn) || !zone.spansPfn(pfn)) return false;
    if (this.pageblockSkipPersistent(pfn)) return false;
    const blocks = this.mem.pageblocks;
    // If skip is already cleared do no further checking once the restart points have been set.
    if (checkSource && checkTarget && !blocks.skip(pfn)) return true;
    // Do not select a non-movable pageblock as the starting point of the free scanner.
    if (!checkSource && checkTarget && blocks.migratetype(pfn) !== MigrateType.MOVABLE) return false;
    let start = Math.max(pageblockStartPfn(pfn), zone.zoneStartPfn);
    if (!this.mem.pfnValid(start)) start = pfn;
    const end = Math.min(pageblockEndPfn(start) - 1, zone.zoneEndPfn - 1);
    if (!this.mem.pfnValid(end)) return false;
    for (let p = start; p <= end; p += 1 << PAGE_ALLOC_COSTLY_ORDER) {
      const f = this.flags[p]!;
      if ((checkSource && f & LRU) || (checkTarget && (f & PAGE_TYPE_MASK) === BUDDY_TYPE)) {
        blocks.setSkip(p, false);
        return true;
      }
    }
    return false;
  }

  /**
   * mm/compaction.c: __reset_isolation_suitable(): if a full compaction finished recently
   * (compact_blockskip_flush), clear the skip bits from both ends of the zone and restart the
   * migrate scanner at the first block with an LRU page and the free scanner at the last block
   * with a free page. Returns the number of pageblocks whose skip bit was cleared.
   */
  resetIsolationSuitable(z: ZoneCompactState): number {
    const zone = z.zone;
    let migratePfn = zone.zoneStartPfn;
    let freePfn = zone.zoneEndPfn - 1;
    let resetMigrate = freePfn;
    let resetFree = migratePfn;
    let sourceSet = false;
    let freeSet = false;
    // Only flush if a full compaction finished recently
    if (!z.blockskipFlush) return 0;
    z.blockskipFlush = false;
    const before = this.countSkip(zone);
    for (; migratePfn < freePfn; migratePfn += pageblock_nr_pages, freePfn -= pageblock_nr_pages) {
      if (this.resetIsolationPfn(zone, migratePfn, true, sourceSet) && migratePfn < resetMigrate) {
        sourceSet = true;
        resetMigrate = migratePfn;
        z.initMigratePfn = resetMigrate;
        z.cachedMigratePfn[0] = resetMigrate;
        z.cachedMigratePfn[1] = resetMigrate;
      }
      if (this.resetIsolationPfn(zone, freePfn, freeSet, true) && freePfn > resetFree) {
        freeSet = true;
        resetFree = freePfn;
        z.initFreePfn = resetFree;
        z.cachedFreePfn = resetFree;
      }
    }
    // Leave no distance if no suitable block was reset
    if (resetMigrate >= resetFree) {
      z.cachedMigratePfn[0] = migratePfn;
      z.cachedMigratePfn[1] = migratePfn;
      z.cachedFreePfn = freePfn;
    }
    return before - this.countSkip(zone);
  }

  /** Pageblocks of the zone with PB_migrate_skip set. */
  countSkip(zone: Zone): number {
    let n = 0;
    for (let pfn = pageblockStartPfn(zone.zoneStartPfn); pfn < zone.zoneEndPfn; pfn += pageblock_nr_pages) {
      if (this.mem.pageblocks.skip(pfn)) n++;
    }
    return n;
  }

  /**
   * mm/page_alloc.c: __pageblock_pfn_to_page(): the first pfn of [start, end) if the range lies
   * in `zone` with frames at both ends, else -1.
   */
  pageblockPfnToPage(start: number, end: number, zone: Zone): number {
    end--;
    if (!this.mem.pfnValid(start) || !this.mem.pfnValid(end)) return -1;
    if (!zone.spansPfn(start) || !zone.spansPfn(end)) return -1;
    const zid = zone.id;
    if (this.mem.frames.zoneId(start) !== zid || this.mem.frames.zoneId(end) !== zid) return -1;
    return start;
  }
}
