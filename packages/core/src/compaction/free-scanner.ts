import { pageblock_nr_pages, pageblock_order } from '../mem/constants';
import { PAGE_TYPE_MASK, PAGE_TYPE_SHIFT, PG, PageType, ZONEID_MASK } from '../mem/page-flags';
import { VmEvent, ZoneStat } from '../stat/vmstat-items';
import { ALLOC_CMA } from '../zone/alloc-flags';
import type { Buddy } from '../zone/buddy';
import { MigrateType, migratetypeIsMergeable } from '../zone/migratetype';
import { MigrateMode } from '../migrate/migrate-mode';
import { pageblockStartPfn } from '../zone/pageblock';
import { zoneWatermarkOk } from '../zone/watermarks';
import { Wmark, type Zone } from '../zone/zone';
import { COMPACT_CLUSTER_MAX, type CompactControl, type CompactionEnv, type ZoneCompactState } from './compact-control';
import type { CompactionTrace } from './compaction-tracepoints';
import { FastIsolateFreepages } from './fast-isolate-freepages';
import type { SkipHints } from './skip-hints';

const HEAD = 1 << PG.head;
const TAIL = 1 << PG.tail;
const BUDDY_TYPE = PageType.buddy << PAGE_TYPE_SHIFT;

/**
 * The free scanner (mm/compaction.c): walks MOVABLE/CMA pageblocks downwards from the zone end,
 * taking free buddy pages as migration targets and splitting them to order-0 pages (v6.6: the
 * targets are base pages; large folios are not compaction sources).
 */
export class FreeScanner {
  private readonly flags: Uint32Array;
  private readonly order: Uint8Array;
  private readonly buddy: Buddy;
  private readonly events: Float64Array;
  /** The free-list fast path tried before each linear scan. */
  readonly fast: FastIsolateFreepages;

  constructor(private readonly env: CompactionEnv, private readonly hints: SkipHints, private readonly trace: CompactionTrace) {
    this.fast = new FastIsolateFreepages(env, hints, trace, this);
    this.flags = env.mem.frames.flags;
    this.order = env.mem.frames.order;
    this.buddy = env.alloc.buddy;
    this.events = env.vmstat.events;
  }

  /**
   * mm/page_alloc.c: __isolate_free_page(): take a free block off the free lists if the zone
   * stays above its min watermark + the block (as if allocated); a block of at least half a
   * pageblock turns its mergeable pageblocks MOVABLE. Returns the pages taken or 0.
   */
  isolateFreePage(zone: Zone, pfn: number, order: number): number {
    const mt = this.env.mem.pageblocks.migratetype(pfn);
    if (mt !== MigrateType.ISOLATE) {
      const watermark = zone.watermark[Wmark.MIN]! + (1 << order);
      if (!zoneWatermarkOk(zone, 0, watermark, 0, ALLOC_CMA, zone.vmStat[ZoneStat.NR_FREE_PAGES]!)) return 0;
      this.buddy.modFreepageState(zone, -(1 << order), this.buddy.freeListType(pfn));
    }
    this.buddy.delFromFreeList(zone, pfn, order);
    if (order >= pageblock_order - 1) {
      const end = pfn + (1 << order) - 1;
      for (let p = pfn; p < end; p += pageblock_nr_pages) {
        if (migratetypeIsMergeable(this.env.mem.pageblocks.migratetype(p))) this.env.mem.pageblocks.setMigratetype(p, MigrateType.MOVABLE);
      }
    }
    return 1 << order;
  }

  /**
   * mm/compaction.c: split_map_pages() (post_alloc_hook + split_page): the isolated block becomes
   * 2^order independent order-0 pages with one reference each, queued on cc->freepages.
   */
  splitMapPages(cc: CompactControl, pfn: number, order: number): void {
    const f = this.env.mem.frames;
    const end = pfn + (1 << order);
    for (let p = pfn; p < end; p++) {
      f.flags[p] = f.flags[p]! & ZONEID_MASK;
      f.refcount[p] = 1;
      f.mapcount[p] = 0;
      f.mapping[p] = 0;
      f.private[p] = 0;
      f.index[p] = 0;
      f.order[p] = 0;
      cc.pushFree(p);
    }
  }

  /**
   * mm/compaction.c: isolate_freepages_block(): isolate free pages of [start.pfn, endPfn),
   * stepping `stride` pages between probes, skipping compound pages whole, until enough targets
   * are held (nr_freepages >= nr_migratepages). Updates `start.pfn` to where it got to and returns
   * the pages isolated.
   */
  isolateFreepagesBlock(cc: CompactControl, start: { pfn: number }, endPfn: number, stride: number): number {
    const flags = this.flags;
    const zone = cc.zone;
    let nrScanned = 0;
    let totalIsolated = 0;
    let blockpfn = start.pfn;
    for (; blockpfn < endPfn; blockpfn += stride) {
      nrScanned++;
      const f = flags[blockpfn]!;
      if (f & (HEAD | TAIL)) {
        // Compound pages (THP, hugetlb): skip them at once when they end inside the range.
        const head = f & HEAD ? blockpfn : this.env.mem.frames.compoundHead(blockpfn);
        const skip = head + (1 << this.order[head]!) - 1 - blockpfn;
        if (blockpfn + skip < endPfn) {
          blockpfn += skip;
          nrScanned += skip;
        }
        continue;
      }
      if ((f & PAGE_TYPE_MASK) !== BUDDY_TYPE) continue;
      // Found a free page, will break it into order-0 pages
      const order = this.order[blockpfn]!;
      const isolated = this.isolateFreePage(zone, blockpfn, order);
      if (!isolated) break;
      this.splitMapPages(cc, blockpfn, order);
      nrScanned += isolated - 1;
      totalIsolated += isolated;
      if (cc.nrMigratepages <= cc.nrFreepages) {
        blockpfn += isolated;
        break;
      }
      // Advance to the end of split page
      blockpfn += isolated - 1;
    }
    // Be careful to not go outside of the pageblock.
    if (blockpfn > endPfn) blockpfn = endPfn;
    if (this.trace.on(this.trace.idIsolateFree)) this.trace.isolate('mm_compaction_isolate_freepages', start.pfn, blockpfn, nrScanned, totalIsolated);
    start.pfn = blockpfn;
    cc.totalFreeScanned += nrScanned;
    if (totalIsolated) this.events[VmEvent.COMPACTISOLATED] += totalIsolated;
    return totalIsolated;
  }

  /**
   * mm/compaction.c: suitable_migration_target(): not a free page of pageblock order or more,
   * and (unless ignore_block_suitable) a MOVABLE or CMA pageblock.
   */
  suitableMigrationTarget(cc: CompactControl, pfn: number): boolean {
    if ((this.flags[pfn]! & PAGE_TYPE_MASK) === BUDDY_TYPE && this.order[pfn]! >= pageblock_order) return false;
    if (cc.ignoreBlockSuitable) return true;
    const mt = this.env.mem.pageblocks.migratetype(pfn);
    return mt === MigrateType.MOVABLE || mt === MigrateType.CMA;
  }

  /**
   * mm/compaction.c: isolate_freepages(): from cc->free_pfn walk pageblocks downwards to the
   * block after the migrate scanner's, isolating from suitable blocks not marked skip until
   * nr_freepages >= nr_migratepages. ASYNC probes every 32nd page of an unproductive block
   * (stride doubles up to COMPACT_CLUSTER_MAX, back to 1 after a block yields pages); other
   * modes every page. A fully scanned block gets its skip bit. Records where to restart. First,
   * fast_isolate_freepages() tries the free lists; if it found targets, no linear scan is done.
   */
  isolateFreepages(cc: CompactControl, z: ZoneCompactState): void {
    // Try a small search of the free lists for a candidate
    this.fast.fastIsolateFreepages(cc, z);
    if (cc.nrFreepages) return;
    const zone = cc.zone;
    const start = { pfn: cc.freePfn };
    let blockStartPfn = pageblockStartPfn(start.pfn);
    let blockEndPfn = Math.min(blockStartPfn + pageblock_nr_pages, zone.zoneEndPfn);
    const lowPfn = pageblockStartPfn(cc.migratePfn) + pageblock_nr_pages;
    let stride = cc.mode === MigrateMode.ASYNC ? COMPACT_CLUSTER_MAX : 1;
    for (; blockStartPfn >= lowPfn; blockEndPfn = blockStartPfn, blockStartPfn -= pageblock_nr_pages, start.pfn = blockStartPfn) {
      if (this.hints.pageblockPfnToPage(blockStartPfn, blockEndPfn, zone) < 0) continue;
      // Check the block is suitable for migration
      if (!this.suitableMigrationTarget(cc, blockStartPfn)) continue;
      // If isolation recently failed, do not retry
      if (!this.hints.isolationSuitable(cc, blockStartPfn)) continue;
      const nrIsolated = this.isolateFreepagesBlock(cc, start, blockEndPfn, stride);
      // Update the skip hint if the full pageblock was scanned
      if (start.pfn === blockEndPfn) this.hints.updatePageblockSkip(cc, z, blockStartPfn, blockStartPfn - pageblock_nr_pages);
      if (cc.nrFreepages >= cc.nrMigratepages) {
        // Restart at the previous pageblock if more freepages can be isolated next time.
        if (start.pfn >= blockEndPfn) start.pfn = blockStartPfn - pageblock_nr_pages;
        break;
      } else if (start.pfn < blockEndPfn) {
        // If isolation failed early, do not continue needlessly.
        break;
      }
      // Adjust stride depending on isolation
      if (nrIsolated) {
        stride = 1;
        continue;
      }
      stride = Math.min(COMPACT_CLUSTER_MAX, stride << 1);
    }
    // Where the free scanner restarts next time (it never runs below the migrate scanner's block).
    cc.freePfn = start.pfn;
  }

  /**
   * mm/compaction.c: compaction_alloc(): migrate_pages()'s get_new_folio: one isolated target
   * page, refilling by running the free scanner; -1 (⇒ -ENOMEM) when none can be found. Large
   * folios get no target (v6.6 compaction only isolates them for alloc_contig).
   */
  compactionAlloc(cc: CompactControl, z: ZoneCompactState, src: number): number {
    if (this.flags[src]! & HEAD) return -1;
    if (cc.nrFreepages === 0) {
      this.isolateFreepages(cc, z);
      if (cc.nrFreepages === 0) return -1;
    }
    return cc.freepages[--cc.nrFreepages]!;
  }

  /** mm/compaction.c: compaction_free(): an unused target goes back on cc->freepages. */
  compactionFree(cc: CompactControl, dst: number): void {
    cc.pushFree(dst);
  }

  /**
   * mm/compaction.c: release_freepages(): give every unused target back to the allocator;
   * returns the highest pfn released (0 if none).
   */
  releaseFreepages(cc: CompactControl): number {
    let high = 0;
    const alloc = this.env.alloc;
    for (let i = 0; i < cc.nrFreepages; i++) {
      const pfn = cc.freepages[i]!;
      if (pfn > high) high = pfn;
      alloc.putPage(pfn);
    }
    cc.nrFreepages = 0;
    return high;
  }
}
