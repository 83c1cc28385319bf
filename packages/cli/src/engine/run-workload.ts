import { formatGfp, NSEC_PER_MSEC, NSEC_PER_USEC, parseGfp } from '@mmsim/core';
import type { ChurnStep, HighOrderAttemptsStep, Scenario, Step } from '../scenario/schema';
import { LiveSet } from './live-set';
import { drawLifetimeNs, WeightedTable } from './sampling';
import type { RandomStream } from '@mmsim/core';
import type { SimKernel } from './sim-kernel';

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
  /** Live allocations freed by this step (expiry, free-all). */
  freed: number;
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
    for (const step of phase.steps) {
      if (step.kind === 'churn') n += step.allocations;
      else if (step.kind === 'high-order-attempts') n += step.orders.length * step.count;
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
    this.scenario.workload.phases.forEach((phase, p) => {
      phase.steps.forEach((step, s) => {
        const rng = this.kernel.random.stream(`phase/${p}/step/${s}`);
        const base = { phase: phase.name, step: s };
        switch (step.kind) {
          case 'churn':
            steps.push({ ...base, kind: step.kind, ...this.churn(step, rng) });
            break;
          case 'free-all': {
            const ids = step.classes ? new Set(step.classes.map((c) => this.classIds.get(c) ?? -1)) : undefined;
            steps.push({ ...base, kind: step.kind, freed: this.live.freeAll(this.kernel.alloc, ids) });
            break;
          }
          case 'drain':
            this.kernel.alloc.drainAllPages();
            steps.push({ ...base, kind: step.kind, freed: 0 });
            break;
          case 'advance':
            this.kernel.clock.advance(Math.round(step.ms * NSEC_PER_MSEC));
            steps.push({ ...base, kind: step.kind, freed: this.live.expire(this.kernel.clock.now(), this.kernel.alloc) });
            break;
          case 'high-order-attempts': {
            const result = { ...base, ...this.highOrder(step, rng) };
            highOrder.push(result);
            steps.push({ ...base, kind: step.kind, freed: 0 });
            break;
          }
        }
      });
      this.onPhaseEnd?.(phase.name, p);
    });
    this.onProgress?.(this.done, this.total);
    const livePages: Record<string, number> = {};
    for (const [name, id] of this.classIds) livePages[name] = this.live.pagesByClass[id] ?? 0;
    return { steps, highOrder, livePages };
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
      result: { class: c.class, requests: 0, failures: 0 },
    }));
    const classTable = new WeightedTable(step.mix.map((c) => c.weight));
    const intervalNs = Math.round(step.intervalUs * NSEC_PER_USEC);
    let freed = 0;
    for (let i = 0; i < step.allocations; i++) {
      clock.advance(intervalNs);
      const now = clock.now();
      freed += this.live.expire(now, alloc);
      const c = classes[classTable.draw(rng)]!;
      const order = c.orders[c.orderTable.draw(rng)]!;
      const lifetimeNs = drawLifetimeNs(c.lifetime, rng);
      const nid = this.nid(step.placement, rng);
      c.result.requests++;
      const pfn = alloc.allocPagesPfn(c.gfp, order, nid);
      if (pfn < 0) c.result.failures++;
      else this.live.add(pfn, order, c.id, now + lifetimeNs);
      this.tick();
    }
    return { classes: classes.map((c) => c.result), freed };
  }

  private highOrder(step: HighOrderAttemptsStep, rng: RandomStream): Omit<HighOrderResult, 'phase' | 'step'> {
    const { alloc, clock } = this.kernel;
    const gfp = parseGfp(step.gfp);
    const intervalNs = Math.round(step.intervalUs * NSEC_PER_USEC);
    const held: number[] = [];
    const orders = step.orders.map((order) => {
      let successes = 0;
      for (let i = 0; i < step.count; i++) {
        if (intervalNs) clock.advance(intervalNs);
        const pfn = alloc.allocPagesPfn(gfp, order, this.nid(step.placement, rng));
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
    return { label: step.label ?? formatGfp(gfp), gfp: formatGfp(gfp), orders };
  }
}
