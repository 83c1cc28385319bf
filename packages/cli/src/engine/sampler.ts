import { COMPACTION_HPAGE_ORDER, MIGRATE_TYPES, PB_MIGRATETYPE_MASK, MIGRATETYPE_NAMES, pageblock_nr_pages, fillContigPageInfo, fragmentationScoreNode, NR_PAGE_ORDERS, unusableFreeIndex, __fragmentationIndex, VM_EVENT_NAMES, ZONE_NAMES, type TimerId } from '@mmsim/core';
import type { ExtfragCounter } from './extfrag-counter';
import type { SimKernel } from './sim-kernel';

/** Default sampling interval of the time series, simulated milliseconds. */
export const DEFAULT_SAMPLE_MS = 100;

/** vm events every sample records (compaction and migration progress). */
export const SAMPLED_VM_EVENTS = [
  'compact_stall',
  'compact_success',
  'compact_fail',
  'compact_migrate_scanned',
  'compact_free_scanned',
  'compact_isolated',
  'compact_daemon_wake',
  'pgmigrate_success',
  'pgmigrate_fail',
] as const;

/**
 * Indices of the pageblocks with memory behind them (pfn_valid). Memory and holes start and end
 * on pageblock boundaries in every layout (sizes are multiples of 4 MiB, the PCI hole is 1 GiB
 * aligned), so the first and last pfn of a block decide: O(blocks), not O(pages), at start-up.
 */
function memoryPageblocks(kernel: SimKernel): Uint32Array {
  const { mem } = kernel;
  const out: number[] = [];
  const blocks = mem.pageblocks.bits.length;
  for (let b = 0; b < blocks; b++) {
    const start = b * pageblock_nr_pages;
    const last = Math.min(start + pageblock_nr_pages, mem.layout.maxPfn) - 1;
    if (mem.pfnValid(start) || mem.pfnValid(last)) out.push(b);
  }
  return Uint32Array.from(out);
}

/** Orders whose unusable and fragmentation indices the time series follows (HPAGE order and the next). */
const INDEX_ORDERS = [COMPACTION_HPAGE_ORDER, COMPACTION_HPAGE_ORDER + 1];

/**
 * The time series behind timeseries.csv and the report's charts: one row of numbers per sample,
 * taken on the kernel's simulated clock every `intervalNs` (a clock timer, so samples land at
 * exact multiples of the interval whatever the workload does), at every phase end and when
 * stopped, so two rows can share a time when work happened in zero simulated time. Each
 * sample reads only zone free_area counts and vm event counters, so sampling stays cheap, and it
 * never changes kernel state, so a run's results do not depend on the interval.
 */
export class Sampler {
  readonly columns: string[];
  readonly rows: number[][] = [];
  private timer: TimerId | undefined;
  private readonly eventIdx: number[];
  /** Pageblocks with memory behind them (holes keep default bits and are not counted in M7). */
  private readonly memoryBlocks: Uint32Array;

  constructor(
    private readonly kernel: SimKernel,
    private readonly intervalNs: number,
    private readonly extfrag: ExtfragCounter,
  ) {
    const zones = kernel.mem.populatedZones.map((z) => `n${z.nid}_${ZONE_NAMES[z.type]}`);
    this.eventIdx = SAMPLED_VM_EVENTS.map((name) => VM_EVENT_NAMES.indexOf(name));
    this.memoryBlocks = memoryPageblocks(kernel);
    this.columns = [
      'time_ns',
      'free_pages',
      ...Array.from({ length: NR_PAGE_ORDERS }, (_, o) => `free_blocks_order${o}`),
      ...zones.flatMap((z) => INDEX_ORDERS.flatMap((o) => [`unusable_index_order${o}_${z}`, `extfrag_index_order${o}_${z}`])),
      ...kernel.mem.nodes.map((n) => `proactive_score_n${n.nid}`),
      ...MIGRATETYPE_NAMES.map((name) => `pageblocks_${name.toLowerCase()}`),
      ...SAMPLED_VM_EVENTS,
      'extfrag_events',
      'extfrag_fragmenting',
      'extfrag_unmovable_in_movable',
      'extfrag_change_ownership',
    ];
  }

  start(): void {
    this.sample();
    this.schedule();
  }

  /** Cancels the timer and records the final state. */
  stop(): void {
    if (this.timer !== undefined) this.kernel.clock.clearTimeout(this.timer);
    this.timer = undefined;
    // Always: work done at the instant of the last timer sample (an advance step's expiries,
    // a phase that takes no simulated time) would otherwise be missing from the series.
    this.sample();
  }

  private schedule(): void {
    this.timer = this.kernel.clock.setTimeout(() => {
      this.sample();
      this.schedule();
    }, this.intervalNs);
  }

  sample(): void {
    const { mem, vmstat, clock } = this.kernel;
    const zones = mem.populatedZones;
    const free = new Array<number>(NR_PAGE_ORDERS).fill(0);
    let freePages = 0;
    for (const z of zones) {
      for (let o = 0; o < NR_PAGE_ORDERS; o++) free[o]! += z.nrFree[o]!;
      freePages += z.freePages;
    }
    const row = [clock.now(), freePages, ...free];
    for (const z of zones) {
      for (const o of INDEX_ORDERS) {
        const info = fillContigPageInfo(z.nrFree, o);
        row.push(unusableFreeIndex(o, info), __fragmentationIndex(o, info));
      }
    }
    for (const n of mem.nodes) row.push(fragmentationScoreNode(n));
    // M7 over time: one byte per pageblock, so every sample can afford it (M8/M9/M13 need a page
    // scan and are taken at phase ends only).
    const perType = new Array<number>(MIGRATE_TYPES).fill(0);
    const bits = mem.pageblocks.bits;
    for (const b of this.memoryBlocks) perType[bits[b]! & PB_MIGRATETYPE_MASK]!++;
    row.push(...perType);
    for (const i of this.eventIdx) row.push(vmstat.events[i]!);
    const e = this.extfrag;
    row.push(e.total, e.fragmenting, e.unmovableInMovable, e.changeOwnership);
    this.rows.push(row);
  }

  /** Column values by name, for charts. */
  column(name: string): number[] {
    const i = this.columns.indexOf(name);
    if (i < 0) throw new Error(`no time-series column ${name}`);
    return this.rows.map((r) => r[i]!);
  }
}
