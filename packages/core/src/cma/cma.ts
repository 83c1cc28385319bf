import { Errno, KernelError } from '../errors';
import { TP_PRINTK } from '../events/ftrace-format';
import type { Printk } from '../kernel/printk';
import { MAX_PAGE_ORDER, PAGE_SHIFT, pageblock_nr_pages, pageblock_order } from '../mem/constants';
import type { Migration } from '../migrate/migration';
import { VmEvent, ZoneStat } from '../stat/vmstat-items';
import type { CmaAreaConfig } from '../zone/machine-config';
import { GFP_KERNEL, __GFP_NOWARN } from '../zone/gfp';
import { MigrateType } from '../zone/migratetype';
import type { PageIsolation } from '../zone/page-isolation';
import { CmaArea } from './cma-area';
import { placeCmaAreas } from './cma-declare';
import { ContigRange } from './contig-range';
import { takeFreeRange } from './free-range';

/** include/trace/events/cma.h payloads. */
export interface CmaAllocStart {
  name: string;
  count: number;
  align: number;
}
export interface CmaAllocFinish {
  name: string;
  pfn: number;
  count: number;
  align: number;
  errorno: number;
}
export interface CmaRelease {
  name: string;
  pfn: number;
  count: number;
}
export interface CmaAllocBusyRetry {
  name: string;
  pfn: number;
  count: number;
  align: number;
}

declare module '../events/tracepoints' {
  interface TracepointMap {
    cma_alloc_start: CmaAllocStart;
    cma_alloc_finish: CmaAllocFinish;
    cma_alloc_busy_retry: CmaAllocBusyRetry;
    cma_release: CmaRelease;
  }
}

TP_PRINTK.cma_alloc_start = (e) => `name=${e.name} count=${e.count} align=${e.align}`;
TP_PRINTK.cma_alloc_finish = (e) => `name=${e.name} pfn=0x${e.pfn.toString(16)} count=${e.count} align=${e.align} errorno=${e.errorno}`;
TP_PRINTK.cma_alloc_busy_retry = (e) => `name=${e.name} pfn=0x${e.pfn.toString(16)} count=${e.count} align=${e.align}`;
TP_PRINTK.cma_release = (e) => `name=${e.name} pfn=0x${e.pfn.toString(16)} count=${e.count}`;

/**
 * The Contiguous Memory Allocator (mm/cma.c) over the areas of the machine config, plus the
 * contiguous range allocator it is built on ({@link ContigRange}).
 */
export class Cma {
  readonly areas: readonly CmaArea[];
  readonly contig: ContigRange;

  constructor(private readonly migration: Migration, private readonly printk: Printk, config: readonly CmaAreaConfig[], isolation?: PageIsolation) {
    this.contig = new ContigRange(migration, printk, isolation);
    this.areas = placeCmaAreas(migration.env.mem, config).map((p) => new CmaArea(p.name, p.basePfn, p.count, p.orderPerBit, p.nid));
    for (const area of this.areas) this.activateArea(area);
  }

  /** The area called `name`; KernelError ENOENT if none. */
  area(name: string): CmaArea {
    const a = this.areas.find((x) => x.name === name);
    if (!a) throw new KernelError('ENOENT', `no CMA area "${name}"; the machine has ${this.areas.length ? this.areas.map((x) => `"${x.name}"`).join(', ') : 'none (machine.cma)'}`);
    return a;
  }

  /**
   * cma_activate_area() → init_cma_reserved_pageblock(): the area's free pages leave the buddy
   * and come back pageblock by pageblock as MIGRATE_CMA (NR_FREE_CMA_PAGES, zone->cma_pages).
   */
  private activateArea(area: CmaArea): void {
    const { mem, alloc } = this.migration.env;
    const zone = mem.pageZone(area.basePfn);
    const end = area.basePfn + area.count;
    alloc.drainAllPages(zone);
    if (!takeFreeRange(alloc.buddy, zone, area.basePfn, end)) {
      throw new KernelError('EBUSY', `CMA area "${area.name}": pages of [pfn 0x${area.basePfn.toString(16)}, 0x${end.toString(16)}) are already in use; CMA areas are set up at boot`);
    }
    const f = mem.frames;
    for (let pfn = area.basePfn; pfn < end; pfn += pageblock_nr_pages) {
      mem.pageblocks.setMigratetype(pfn, MigrateType.CMA);
      f.refcount.fill(0, pfn, pfn + pageblock_nr_pages);
      alloc.buddy.freeOnePage(zone, pfn, pageblock_order, MigrateType.CMA, true);
      zone.cmaPages += pageblock_nr_pages;
    }
  }

  /**
   * cma_alloc(cma, count, align, no_warn): the first pfn of `count` pages of the area aligned to
   * 2^align pages, or -1. Busy ranges (-EBUSY from alloc_contig_range) are retried further on;
   * cma_alloc_success / cma_alloc_fail count the outcome.
   */
  cmaAlloc(area: CmaArea | string, count: number, align = 0, noWarn = false): number {
    const cma = typeof area === 'string' ? this.area(area) : area;
    const { events, vmstat } = this.migration.env;
    if (!Number.isInteger(count) || count < 0) throw new KernelError('EINVAL', `cma_alloc: count must be a non-negative integer, got ${count}`);
    if (!Number.isInteger(align) || align < 0 || align > MAX_PAGE_ORDER + 10) throw new KernelError('EINVAL', `cma_alloc: align ${align} is not a page order`);
    if (events.wants('cma_alloc_start')) events.emit('cma_alloc_start', { name: cma.name, count, align });
    let pfn = -1;
    let ret = -Errno.ENOMEM;
    const bitmapCount = cma.pagesToBits(count);
    if (count > 0 && bitmapCount <= cma.bitmapMaxno) {
      const mask = cma.alignedMask(align);
      const offset = cma.alignedOffset(align);
      let start = 0;
      for (;;) {
        const bitmapNo = cma.findZeroArea(start, bitmapCount, mask, offset);
        if (bitmapNo >= cma.bitmapMaxno) break;
        cma.setBits(bitmapNo, bitmapCount, 1);
        const candidate = cma.basePfn + (bitmapNo << cma.orderPerBit);
        ret = this.contig.allocContigRange(candidate, candidate + count, MigrateType.CMA, GFP_KERNEL | (noWarn ? __GFP_NOWARN : 0));
        if (ret === 0) {
          pfn = candidate;
          break;
        }
        cma.clearPfns(candidate, count);
        if (ret !== -Errno.EBUSY) break;
        if (events.wants('cma_alloc_busy_retry')) events.emit('cma_alloc_busy_retry', { name: cma.name, pfn: candidate, count, align });
        // Try again with a bit different memory target.
        start = bitmapNo + mask + 1;
      }
      if (events.wants('cma_alloc_finish')) events.emit('cma_alloc_finish', { name: cma.name, pfn, count, align, errorno: ret });
      if (ret && !noWarn) this.printk.log('err', `cma_alloc: ${cma.name}: alloc failed, req-size: ${count} pages, ret: ${ret}`);
    }
    vmstat.events[pfn >= 0 ? VmEvent.CMA_ALLOC_SUCCESS : VmEvent.CMA_ALLOC_FAIL]++;
    return pfn;
  }

  /**
   * cma_release(cma, pages, count): false if the pages are not in the area; else frees them
   * (free_contig_range) and clears their bits.
   */
  cmaRelease(area: CmaArea | string, pfn: number, count: number): boolean {
    const cma = typeof area === 'string' ? this.area(area) : area;
    if (!Number.isInteger(pfn) || !Number.isInteger(count) || count <= 0 || !cma.contains(pfn, count)) return false;
    this.contig.freeContigRange(pfn, count);
    cma.clearPfns(pfn, count);
    const { events } = this.migration.env;
    if (events.wants('cma_release')) events.emit('cma_release', { name: cma.name, pfn, count });
    return true;
  }

  /** /proc/meminfo CmaTotal and CmaFree in kB (totalcma_pages, NR_FREE_CMA_PAGES). */
  meminfo(): { CmaTotal: number; CmaFree: number } {
    const { mem } = this.migration.env;
    let total = 0;
    let free = 0;
    for (const z of mem.populatedZones) {
      total += z.cmaPages;
      free += z.vmStat[ZoneStat.NR_FREE_CMA_PAGES]!;
    }
    return { CmaTotal: total << (PAGE_SHIFT - 10), CmaFree: free << (PAGE_SHIFT - 10) };
  }
}
