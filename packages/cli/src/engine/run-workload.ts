import { type AddressSpace, formatGfp, Gup, NSEC_PER_MSEC, NSEC_PER_USEC, PAGE_SIZE, parseGfp, type Process } from '@mmsim/core';
import type { ChurnStep, HighOrderAttemptsStep, Scenario, Step } from '../scenario/schema';
import { type BlockReleaser, LiveSet } from './live-set';
import { drawLifetimeNs, WeightedTable } from './sampling';
import type { RandomStream } from '@mmsim/core';
import type { Zram } from '@mmsim/driver-zsmalloc';
import type { SimKernel } from './sim-kernel';
import { fullKernel, memFreePages, type Pool, type Region, type StepContext } from './steps/context';
import { isContextStep, runContextStep } from './steps/dispatch';
import { freePools } from './steps/free';
import { AttemptTimer, LatencyRecorder, type LatencySummary } from './steps/latency';

export interface ClassResult {
  class: string;
  requests: number;
  failures: number;
}

export interface StepResult {
  phase: string;
  step: number;
  kind: Step['kind'];
  /** churn: requests and failures per class. */
  classes?: ClassResult[];
  /** Live allocations freed by this step (expiry, free-all, free). */
  freed: number;
  /**
   * Per-attempt latency in simulated ns (high-order-attempts, alloc, fault split base/huge):
   * clock advance plus the work model of steps/latency.ts.
   */
  latencyNs?: LatencySummary | { base: LatencySummary; huge: LatencySummary };
  /** Pass of a repeated phase (0-based); absent for phases that run once. */
  iteration?: number;
  /** Step-specific results (fault: huge-pct; hugepages: obtained and the compaction_test verdict; ...). */
  detail?: Record<string, unknown>;
}

export interface OrderAttempts {
  order: number;
  attempts: number;
  successes: number;
}

export interface HighOrderResult {
  phase: string;
  step: number;
  label: string;
  gfp: string;
  orders: OrderAttempts[];
}

export interface WorkloadResult {
  steps: StepResult[];
  highOrder: HighOrderResult[];
  /** Pages the workload still holds at the end, per class. */
  livePages: Record<string, number>;
}

/** Progress in work units (one churn request or one high-order attempt each). */
export type ProgressFn = (done: number, total: number) => void;

/** Work units of a scenario, for a progress bar. */
export function workloadUnits(scenario: Scenario): number {
  let n = 0;
  for (const phase of scenario.workload.phases) {
    // A repeated phase may stop early; counting every pass keeps the bar from running past 100%.
    const passes = phase.repeat?.max ?? 1;
    for (const step of phase.steps) {
      if (step.kind === 'churn') n += passes * step.allocations;
      else if (step.kind === 'high-order-attempts') n += passes * step.orders.length * step.count;
      else if (isContextStep(step)) n += passes;
    }
  }
  return n;
}

const PROGRESS_EVERY = 8192;

/** Phase-boundary callback: the phase's name and its index in the workload. */
export type PhaseEndFn = (phase: string, index: number) => void;

/**
 * Runs a scenario's workload on a booted kernel. Each step draws from its own random stream
 * (`phase/<i>/step/<j>`), so editing one step does not change the draws of the others.
 */
export class WorkloadRunner {
  private readonly live = new LiveSet();
  private readonly classIds = new Map<string, number>();
  private readonly total: number;
  private done = 0;
  private interleave = 0;
  private readonly regions = new Map<string, Region>();
  private readonly pools = new Map<string, Pool>();
  private readonly pins: number[] = [];
  private proc: Process | undefined;
  private gupOps: Gup | undefined;
  private memFreeAtStart = 0;
  private memTotalAtStart = 0;
  private readonly zrams: Zram[] = [];
  /** Classes whose blocks are page-cache folios of `cacheFile`, held by file index. */
  private readonly pageCacheClasses = new Set<number>();
  private cacheFile: AddressSpace | undefined;
  private nextCacheIndex = 0;
  /** Frees a held block: truncate for page-cache classes, free_pages otherwise. */
  private readonly releaser: BlockReleaser = {
    freePages: (id, order, cls) => {
      if (!this.pageCacheClasses.has(cls)) this.kernel.alloc.freePages(id, order);
      // Reclaim may already have dropped the folio (clean page cache): nothing left to free.
      else fullKernel(this.kernel).vm.filemap.truncateIndex(this.cacheFile!, id);
    },
  };

  constructor(
    private readonly kernel: SimKernel,
    private readonly scenario: Scenario,
    private readonly onProgress?: ProgressFn,
    /** Called after the last step of each phase, before the next one starts (phase snapshots). */
    private readonly onPhaseEnd?: PhaseEndFn,
  ) {
    this.total = workloadUnits(scenario);
  }

  run(): WorkloadResult {
    const steps: StepResult[] = [];
    const highOrder: HighOrderResult[] = [];
    this.memFreeAtStart = memFreePages(this.kernel);
    this.memTotalAtStart = this.kernel.mem.totalramPages;
    this.scenario.workload.phases.forEach((phase, p) => {
      const passes = phase.repeat?.max ?? 1;
      for (let it = 0; it < passes; it++) {
        phase.steps.forEach((step, s) => {
          // Later passes of a repeated phase draw from their own streams, so pass 0 matches an unrepeated phase.
          const rng = this.kernel.random.stream(it ? `phase/${p}/step/${s}/pass/${it}` : `phase/${p}/step/${s}`);
          const base = { phase: phase.name, step: s, ...(phase.repeat && { iteration: it }) };
          switch (step.kind) {
            case 'churn':
              steps.push({ ...base, kind: step.kind, ...this.churn(step, rng) });
              break;
            case 'free-all': {
              const ids = step.classes ? new Set(step.classes.map((c) => this.classIds.get(c) ?? -1)) : undefined;
              const freed = this.live.freeAll(this.releaser, ids) + (this.pools.size ? freePools(this.stepContext(undefined), step.classes) : 0);
              steps.push({ ...base, kind: step.kind, freed });
              break;
            }
            case 'drain':
              this.kernel.alloc.drainAllPages();
              steps.push({ ...base, kind: step.kind, freed: 0 });
              break;
            case 'advance':
              this.kernel.clock.advance(Math.round(step.ms * NSEC_PER_MSEC));
              steps.push({ ...base, kind: step.kind, freed: this.live.expire(this.kernel.clock.now(), this.releaser) });
              break;
            case 'high-order-attempts': {
              const { latencyNs, ...result } = this.highOrder(step, rng);
              highOrder.push({ ...base, ...result });
              steps.push({ ...base, kind: step.kind, freed: 0, latencyNs });
              break;
            }
            default: {
              if (!isContextStep(step)) throw new Error(`step kind ${(step as Step).kind} has no implementation`);
              const outcome = runContextStep(step, this.stepContext(rng));
              steps.push({ ...base, kind: step.kind, freed: outcome.freed ?? 0, ...(outcome.latencyNs && { latencyNs: outcome.latencyNs }), ...(outcome.detail && { detail: outcome.detail }) });
              this.tick();
            }
          }
        });
        if (phase.repeat && this.conditionHolds(phase.repeat.until)) break;
      }
      this.onPhaseEnd?.(phase.name, p);
    });
    this.onProgress?.(this.done, this.total);
    const livePages: Record<string, number> = {};
    for (const [name, id] of this.classIds) livePages[name] = this.live.pagesByClass[id] ?? 0;
    for (const [name, pool] of this.pools) livePages[name] = (livePages[name] ?? 0) + pool.pfns.length * 2 ** pool.order;
    if (this.pins.length) livePages['pinned'] = this.pins.length;
    return { steps, highOrder, livePages };
  }

  /** The stop condition of a repeated phase. */
  private conditionHolds(until: 'no-free-order9'): boolean {
    switch (until) {
      case 'no-free-order9':
        return this.kernel.mem.populatedZones.every((z) => z.nrFree.subarray(9).every((n) => n === 0));
    }
  }

  /** The state the address-space and allocator steps share; the process and GUP are made on first use. */
  private stepContext(rng: RandomStream | undefined): StepContext {
    const kernel = fullKernel(this.kernel);
    return {
      kernel,
      process: () => (this.proc ??= kernel.vm.createProcess({ comm: this.scenario.name.slice(0, 15) })),
      gup: () => (this.gupOps ??= new Gup({ vm: kernel.vm, migration: kernel.migration })),
      regions: this.regions,
      pools: this.pools,
      pins: this.pins,
      memFreeAtStartPages: this.memFreeAtStart,
      memTotalAtStartPages: this.memTotalAtStart,
      zrams: this.zrams,
      rng: rng ?? kernel.random.stream('free-all'),
    };
  }

  private classId(name: string): number {
    let id = this.classIds.get(name);
    if (id === undefined) {
      id = this.classIds.size;
      this.classIds.set(name, id);
    }
    return id;
  }

  /** Preferred node of the next request. */
  private nid(placement: 'local' | 'interleave' | 'random', rng: RandomStream): number {
    const nodes = this.kernel.mem.nodes.length;
    if (placement === 'local' || nodes === 1) return -1;
    if (placement === 'random') return rng.int(0, nodes - 1);
    return this.interleave++ % nodes;
  }

  private tick(): void {
    if (++this.done % PROGRESS_EVERY === 0) this.onProgress?.(this.done, this.total);
  }

  private churn(step: ChurnStep, rng: RandomStream): { classes: ClassResult[]; freed: number } {
    const { alloc, clock } = this.kernel;
    const classes = step.mix.map((c) => ({
      id: this.classId(c.class),
      gfp: parseGfp(c.gfp),
      orders: c.orders.map((o) => o.order),
      orderTable: new WeightedTable(c.orders.map((o) => o.weight)),
      lifetime: c.lifetime,
      pageCache: c.backing === 'page-cache',
      result: { class: c.class, requests: 0, failures: 0 },
    }));
    for (const c of classes) if (c.pageCache) this.pageCacheClasses.add(c.id);
    const classTable = new WeightedTable(step.mix.map((c) => c.weight));
    const intervalNs = Math.round(step.intervalUs * NSEC_PER_USEC);
    let freed = 0;
    for (let i = 0; i < step.allocations; i++) {
      clock.advance(intervalNs);
      const now = clock.now();
      freed += this.live.expire(now, this.releaser);
      const c = classes[classTable.draw(rng)]!;
      const order = c.orders[c.orderTable.draw(rng)]!;
      const lifetimeNs = drawLifetimeNs(c.lifetime, rng);
      const nid = this.nid(step.placement, rng);
      c.result.requests++;
      if (c.pageCache) {
        // filemap_fault's page-cache part: a new index of the workload file, read in and cached.
        const index = this.nextCacheIndex++;
        if (this.cacheFolio(index) < 0) c.result.failures++;
        else this.live.add(index, 0, c.id, now + lifetimeNs);
      } else {
        const pfn = alloc.allocPagesPfn(c.gfp, order, nid);
        if (pfn < 0) c.result.failures++;
        else this.live.add(pfn, order, c.id, now + lifetimeNs);
      }
      this.tick();
    }
    return { classes: classes.map((c) => c.result), freed };
  }

  /** Reads page `index` of the workload's cache file into the page cache; -1 without memory. */
  private cacheFolio(index: number): number {
    const k = fullKernel(this.kernel);
    // One file for every page-cache class: large enough for any workload (indices never repeat).
    this.cacheFile ??= k.vm.filemap.createFile(2 ** 40 * PAGE_SIZE);
    return k.vm.filemap.getFolio(this.cacheFile, index);
  }

  private highOrder(step: HighOrderAttemptsStep, rng: RandomStream): Omit<HighOrderResult, 'phase' | 'step'> & { latencyNs: LatencySummary } {
    const { alloc, clock } = this.kernel;
    const timer = new AttemptTimer(this.kernel);
    const latency = new LatencyRecorder();
    const gfp = parseGfp(step.gfp);
    const intervalNs = Math.round(step.intervalUs * NSEC_PER_USEC);
    const held: number[] = [];
    const orders = step.orders.map((order) => {
      let successes = 0;
      for (let i = 0; i < step.count; i++) {
        if (intervalNs) clock.advance(intervalNs);
        const nid = this.nid(step.placement, rng);
        timer.start();
        const pfn = alloc.allocPagesPfn(gfp, order, nid);
        latency.add(timer.stop());
        if (pfn >= 0) {
          successes++;
          held.push(pfn);
        }
        this.tick();
      }
      // End of this order's pass: give the blocks back so every order sees the same memory.
      for (const pfn of held) alloc.freePages(pfn, order);
      held.length = 0;
      return { order, attempts: step.count, successes };
    });
    return { label: step.label ?? formatGfp(gfp), gfp: formatGfp(gfp), orders, latencyNs: latency.summary() };
  }
}
