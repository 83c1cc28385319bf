import { Errno } from '../errors';
import { MAX_PAGE_ORDER, pageblock_nr_pages } from '../mem/constants';
import { PAGE_MAPPING_FLAGS, PAGE_MAPPING_MOVABLE } from '../mem/mapping';
import { PAGE_TYPE_MASK, PAGE_TYPE_SHIFT, PG, PG_isolated, PageType } from '../mem/page-flags';
import { ISOLATE_ASYNC_MIGRATE, ISOLATE_UNEVICTABLE, MigrateMode } from '../migrate/migrate-mode';
import { NodeStat, VmEvent } from '../stat/vmstat-items';
import { __GFP_FS } from '../zone/gfp';
import { MigrateType } from '../zone/migratetype';
import { pageblockEndPfn, pageblockStartPfn } from '../zone/pageblock';
import { COMPACT_CLUSTER_MAX, type CompactControl, type CompactionEnv, IsolateMigrate, type ZoneCompactState } from './compact-control';
import type { CompactionTrace } from './compaction-tracepoints';
import { fastFindMigrateblock } from './fast-find-migrateblock';
import type { SkipHints } from './skip-hints';

const HEAD = 1 << PG.head;
const TAIL = 1 << PG.tail;
const LRU = 1 << PG.lru;
const UNEVICTABLE = 1 << PG.unevictable;
const WRITEBACK = 1 << PG.writeback;
const DIRTY = 1 << PG.dirty;
const ISOLATED = 1 << PG_isolated;
const BUDDY_TYPE = PageType.buddy << PAGE_TYPE_SHIFT;

/** mm/compaction.c: block_end_pfn(pfn, order) */
function blockEndPfn(pfn: number, order: number): number {
  return (pfn + (1 << order)) & -(1 << order);
}

/**
 * The migration scanner (mm/compaction.c): walks the zone upwards from its start, pageblock by
 * pageblock, isolating movable pages (LRU folios and non-LRU movable_ops pages) onto
 * cc->migratepages.
 */
export class MigrateScanner {
  private readonly flags: Uint32Array;
  private readonly order: Uint8Array;
  private readonly refcount: Int32Array;
  private readonly mapcount: Int32Array;
  private readonly mapping: Uint32Array;
  private readonly events: Float64Array;

  constructor(private readonly env: CompactionEnv, private readonly hints: SkipHints, private readonly trace: CompactionTrace) {
    const f = env.mem.frames;
    this.flags = f.flags;
    this.order = f.order;
    this.refcount = f.refcount;
    this.mapcount = f.mapcount;
    this.mapping = f.mapping;
    this.events = env.vmstat.events;
  }

  /**
   * mm/compaction.c: too_many_isolated(): more LRU pages isolated on the node than half its LRU
   * (an eighth of that limit for __GFP_FS callers, as the kernel shifts the LRU sizes by 3).
   */
  tooManyIsolated(cc: CompactControl): boolean {
    const vs = this.env.mem.nodes[cc.zone.nid]!.vmStat;
    let inactive = vs[NodeStat.NR_INACTIVE_FILE]! + vs[NodeStat.NR_INACTIVE_ANON]!;
    let active = vs[NodeStat.NR_ACTIVE_FILE]! + vs[NodeStat.NR_ACTIVE_ANON]!;
    const isolated = vs[NodeStat.NR_ISOLATED_FILE]! + vs[NodeStat.NR_ISOLATED_ANON]!;
    if (cc.gfpMask & __GFP_FS) {
      inactive >>>= 3;
      active >>>= 3;
    }
    return isolated > Math.floor((inactive + active) / 2);
  }

  /**
   * mm/compaction.c: isolate_migratepages_block(): isolate the migratable pages of
   * [lowPfn, endPfn) (one pageblock) onto cc->migratepages, stopping after COMPACT_CLUSTER_MAX
   * unless the whole block is to be scanned. Skips free pages by buddy order, compound pages,
   * pinned anonymous pages, non-LRU pages that are not movable_ops (or already isolated), file
   * pages without __GFP_FS, unevictable pages without ISOLATE_UNEVICTABLE, writeback and
   * non-migratable dirty pages with ISOLATE_ASYNC_MIGRATE and unmovable mappings. Direct async
   * compaction gives up a cc->order-aligned block at its first failure (skip_on_failure).
   * Returns 0 or -EAGAIN (too many pages isolated: the simulation cannot wait for reclaim to
   * finish, so where the kernel would throttle it gives up the same way async mode does).
   */
  isolateMigratepagesBlock(cc: CompactControl, z: ZoneCompactState, lowPfn: number, endPfn: number, mode: number): number {
    const { lru, migration } = this.env;
    const flags = this.flags;
    const startPfn = lowPfn;
    let nrScanned = 0;
    let nrIsolated = 0;
    let validPage = -1;
    let skipUpdated = false;
    let skipOnFailure = false;
    let nextSkipPfn = 0;
    let aborted = false;
    cc.migratePfn = lowPfn;
    // The kernel throttles sync compaction here until isolated pages drain; nothing else runs
    // in the simulation to drain them, so every mode backs off.
    if (this.tooManyIsolated(cc)) return -Errno.EAGAIN;
    if (cc.directCompaction && cc.mode === MigrateMode.ASYNC) {
      skipOnFailure = true;
      nextSkipPfn = blockEndPfn(lowPfn, cc.order);
    }
    for (; lowPfn < endPfn; lowPfn++) {
      if (skipOnFailure && lowPfn >= nextSkipPfn) {
        // Isolated everything of the previous order-aligned block: migrate it now.
        if (nrIsolated) break;
        nextSkipPfn = blockEndPfn(lowPfn, cc.order);
      }
      nrScanned++;
      if (validPage < 0 && ((lowPfn & (pageblock_nr_pages - 1)) === 0 || lowPfn === cc.zone.zoneStartPfn)) {
        if (!this.hints.isolationSuitable(cc, lowPfn)) {
          lowPfn = endPfn;
          aborted = true;
          break;
        }
        validPage = lowPfn;
      }
      const f = flags[lowPfn]!;
      let nr = 0;
      if ((f & PAGE_TYPE_MASK) === BUDDY_TYPE) {
        // Skip if free, by its buddy order.
        const order = this.order[lowPfn]!;
        if (order > 0 && order <= MAX_PAGE_ORDER) {
          lowPfn += (1 << order) - 1;
          nrScanned += (1 << order) - 1;
        }
        continue;
      }
      if (f & (HEAD | TAIL) && !cc.allocContig) {
        // Compound pages (THP, hugetlb) are not compacted: skip the whole folio at once.
        const head = f & HEAD ? lowPfn : this.env.mem.frames.compoundHead(lowPfn);
        const skip = head + (1 << this.order[head]!) - 1 - lowPfn;
        if (skip > 0) {
          lowPfn += skip;
          nrScanned += skip;
        }
      } else if (!(f & LRU)) {
        // Non-LRU pages: only movable_ops pages that are not isolated yet.
        if ((this.mapping[lowPfn]! & PAGE_MAPPING_FLAGS) === PAGE_MAPPING_MOVABLE && !(f & ISOLATED)) {
          if (migration.isolateMovablePage(lowPfn, mode) === 0) nr = 1;
        }
      } else if (this.lruCheck(cc, lowPfn, f, mode)) {
        // Exclusive access to the block: the first isolation claims it with the skip bit.
        if (!skipUpdated && validPage >= 0) {
          skipUpdated = true;
          if (this.hints.testAndSetSkip(cc, validPage) && !cc.finishPageblock) {
            lowPfn = endPfn;
            aborted = true;
            break;
          }
        }
        if (lru.isolateLruPage(lowPfn) === 0) nr = 1;
      }
      if (nr) {
        cc.migratepages.add(lowPfn);
        cc.nrMigratepages += nr;
        nrIsolated += nr;
        // Avoid isolating too much unless this block is being fully scanned.
        if (cc.nrMigratepages >= COMPACT_CLUSTER_MAX && !cc.finishPageblock && !cc.contended) {
          ++lowPfn;
          break;
        }
        continue;
      }
      // isolate_fail
      if (!skipOnFailure) continue;
      // Release what this order-aligned block isolated: it cannot become free anyway.
      if (nrIsolated) {
        migration.putbackMovablePages(cc.migratepages);
        cc.nrMigratepages = 0;
        nrIsolated = 0;
      }
      if (lowPfn < nextSkipPfn) {
        lowPfn = nextSkipPfn - 1;
        nextSkipPfn += 1 << cc.order;
      }
    }
    if (!aborted && lowPfn > endPfn) lowPfn = endPfn;
    // Update the cached scanner pfn once the pageblock has been scanned; mark it skip if nothing
    // was isolated from it (or it is rescanned).
    if (lowPfn === endPfn && (!nrIsolated || cc.finishPageblock)) {
      if (!cc.noSetSkipHint && validPage >= 0 && !skipUpdated) this.env.mem.pageblocks.setSkip(validPage, true);
      this.hints.updateCachedMigrate(cc, z, lowPfn);
    }
    if (this.trace.on(this.trace.idIsolateMigrate)) this.trace.isolate('mm_compaction_isolate_migratepages', startPfn, lowPfn, nrScanned, nrIsolated);
    cc.totalMigrateScanned += nrScanned;
    if (nrIsolated) this.events[VmEvent.COMPACTISOLATED] += nrIsolated;
    cc.migratePfn = lowPfn;
    return 0;
  }

  /**
   * The checks isolate_migratepages_block() makes on an LRU folio before taking it off the LRU:
   * pinned anonymous pages, file pages in !__GFP_FS context, unevictable without
   * ISOLATE_UNEVICTABLE, writeback / non-migratable dirty pages in async mode, unmovable mappings.
   */
  private lruCheck(cc: CompactControl, pfn: number, f: number, mode: number): boolean {
    const raw = this.mapping[pfn]!;
    // folio_mapping(): file folios only (anon and movable words carry low bits).
    const hasMapping = raw !== 0 && !(raw & PAGE_MAPPING_FLAGS);
    // Migration will fail if an anonymous page is pinned in memory (refcount beyond the mappings;
    // the kernel compares refcount - 1 after taking its own reference).
    if (!hasMapping && this.refcount[pfn]! > this.mapcount[pfn]!) return false;
    if (!(cc.gfpMask & __GFP_FS) && hasMapping) return false;
    const unevictable = (f & UNEVICTABLE) !== 0;
    if (!(mode & ISOLATE_UNEVICTABLE) && unevictable) return false;
    if (mode & ISOLATE_ASYNC_MIGRATE && f & WRITEBACK) return false;
    const dirty = (f & DIRTY) !== 0;
    if ((mode & ISOLATE_ASYNC_MIGRATE && dirty) || (hasMapping && unevictable)) {
      const locks = this.env.migration.env.locks;
      if (!locks.trylockPage(pfn)) return false;
      const mapping = this.env.migration.env.folioMapping(pfn);
      const migrateDirty = !(mode & ISOLATE_ASYNC_MIGRATE && dirty) || !mapping || mapping.aops.migrateFolio !== undefined;
      const unmovable = mapping !== undefined && mapping.unmovable === true;
      locks.unlockPage(pfn);
      if (!migrateDirty || unmovable) return false;
    }
    return true;
  }

  /**
   * mm/compaction.c: suitable_migration_source(): not a block of a huge compound page; async
   * direct compaction only takes blocks of the request's migratetype (MOVABLE requests also CMA).
   */
  suitableMigrationSource(cc: CompactControl, pfn: number): boolean {
    if (this.hints.pageblockSkipPersistent(pfn)) return false;
    if (cc.mode !== MigrateMode.ASYNC || !cc.directCompaction) return true;
    const blockMt = this.env.mem.pageblocks.migratetype(pfn);
    if (cc.migratetype === MigrateType.MOVABLE) return blockMt === MigrateType.MOVABLE || blockMt === MigrateType.CMA;
    return blockMt === cc.migratetype;
  }

  /**
   * mm/compaction.c: isolate_migratepages(): from cc->migrate_pfn, find the next pageblock below
   * the free scanner that is valid, not marked skip and a suitable source, and isolate from it.
   * The isolate mode is ISOLATE_UNEVICTABLE if compact_unevictable_allowed, plus
   * ISOLATE_ASYNC_MIGRATE unless MIGRATE_SYNC. The start comes from fast_find_migrateblock().
   */
  isolateMigratepages(cc: CompactControl, z: ZoneCompactState): IsolateMigrate {
    const isolateMode = (this.env.sysctl.compact_unevictable_allowed ? ISOLATE_UNEVICTABLE : 0) |
      (cc.mode !== MigrateMode.SYNC ? ISOLATE_ASYNC_MIGRATE : 0);
    const zone = cc.zone;
    // Start at where we last stopped, or at a block the free lists point to.
    let lowPfn = fastFindMigrateblock(cc, this.env.mem);
    let blockStartPfn = Math.max(pageblockStartPfn(lowPfn), zone.zoneStartPfn);
    // fast_find_migrateblock() already checked that block's skip bit.
    let fastFindBlock = lowPfn !== cc.migratePfn && !cc.fastSearchFail;
    let blockEndPfn = pageblockEndPfn(lowPfn);
    for (; blockEndPfn <= cc.freePfn; fastFindBlock = false, cc.migratePfn = lowPfn = blockEndPfn, blockStartPfn = blockEndPfn, blockEndPfn += pageblock_nr_pages) {
      if (this.hints.pageblockPfnToPage(blockStartPfn, blockEndPfn, zone) < 0) continue;
      // Only check the skip hint at the start of a block, as a partially scanned block is resumed.
      if (((lowPfn & (pageblock_nr_pages - 1)) === 0 || lowPfn === zone.zoneStartPfn) && !fastFindBlock && !this.hints.isolationSuitable(cc, blockStartPfn)) continue;
      if (!this.suitableMigrationSource(cc, blockStartPfn)) {
        this.hints.updateCachedMigrate(cc, z, blockEndPfn);
        continue;
      }
      if (this.isolateMigratepagesBlock(cc, z, lowPfn, blockEndPfn, isolateMode)) return IsolateMigrate.ISOLATE_ABORT;
      break;
    }
    return cc.nrMigratepages ? IsolateMigrate.ISOLATE_SUCCESS : IsolateMigrate.ISOLATE_NONE;
  }
}
