import { MachineConfigSchema, MAX_PAGE_ORDER, VmSysctlSchema } from '@mmsim/core';
import { z } from 'zod';
import { GfpSchema } from './gfp-schema';
import {
  AllocStepSchema, CompactStepSchema, FaultStepSchema, FreeStepSchema, HugepagesStepSchema, MmapStepSchema, MunmapStepSchema, PinStepSchema,
  SysctlStepSchema, BalloonStepSchema, ZramStatStepSchema, ZramSwapStepSchema,
} from './step-schemas';

export { GfpSchema };
export * from './step-schemas';

/**
 * The scenario file format. A scenario is data, not code: a machine, optional sysctls, a seed
 * and a workload made of named phases, each a list of steps. New step kinds (compaction, sampling,
 * drivers) are added as new members of {@link StepSchema}; every object is strict so a typo in a
 * key is an error instead of a silently ignored setting.
 */

const order = z.number().int().min(0).max(MAX_PAGE_ORDER);
const positive = z.number().positive();


/** How long an allocation lives, in simulated milliseconds. */
export const LifetimeSchema = z.discriminatedUnion('dist', [
  /** Never freed by the workload (freed only by a free-all step). */
  z.strictObject({ dist: z.literal('forever') }),
  z.strictObject({ dist: z.literal('fixed'), ms: positive }),
  z.strictObject({ dist: z.literal('uniform'), minMs: z.number().nonnegative(), maxMs: positive })
    .refine((l) => l.minMs <= l.maxMs, { message: 'minMs must not exceed maxMs', path: ['minMs'] }),
  z.strictObject({ dist: z.literal('exponential'), meanMs: positive }),
]);
export type Lifetime = z.output<typeof LifetimeSchema>;

/** One class of allocations in a churn: its flags, share, size table and lifetime. */
export const AllocClassSchema = z.strictObject({
  /** Name used in results and by free-all (e.g. "movable", "slab"). */
  class: z.string().regex(/^[a-z][a-z0-9_-]*$/, 'a lower-case name such as "movable" or "slab"'),
  gfp: GfpSchema,
  /** Relative share of allocations (weights need not sum to 100). */
  weight: positive,
  /** Weighted allocation orders. */
  orders: z.array(z.strictObject({ order, weight: positive })).min(1),
  lifetime: LifetimeSchema,
  /**
   * What the allocations are. "none": raw pages held by pfn (kernel memory: reclaim and compaction
   * cannot move them). "page-cache": clean order-0 page-cache folios of a workload file, on the file
   * LRU, so compaction migrates them and reclaim may drop them; expiry truncates them (gfp is then
   * the page cache's own, GFP_HIGHUSER_MOVABLE).
   */
  backing: z.enum(['none', 'page-cache']).default('none'),
}).refine((c) => c.backing !== 'page-cache' || c.orders.every((o) => o.order === 0), {
  message: 'a page-cache class allocates order-0 folios: use orders [{ order: 0, weight: 1 }]',
  path: ['orders'],
});
export type AllocClass = z.output<typeof AllocClassSchema>;

/** Where an allocation prefers to land: the running CPU's node, round-robin, or seeded random. */
const placement = z.enum(['local', 'interleave', 'random']);

export const ChurnStepSchema = z.strictObject({
  kind: z.literal('churn'),
  /** Number of allocation requests. */
  allocations: z.number().int().min(1),
  /** Simulated time between two requests, in microseconds; allocations expire as time passes. */
  intervalUs: z.number().nonnegative().default(1),
  placement: placement.default('interleave'),
  mix: z.array(AllocClassSchema).min(1).refine((m) => new Set(m.map((c) => c.class)).size === m.length, {
    message: 'class names must be unique within a churn step',
  }),
});

/** Free every live allocation, or only those of the given classes. */
export const FreeAllStepSchema = z.strictObject({
  kind: z.literal('free-all'),
  classes: z.array(z.string()).min(1).optional(),
});

/** drain_all_pages(): return the per-cpu lists to the buddy. */
export const DrainStepSchema = z.strictObject({ kind: z.literal('drain') });

/** Let simulated time pass; allocations whose lifetime ends are freed. */
export const AdvanceStepSchema = z.strictObject({ kind: z.literal('advance'), ms: z.number().nonnegative() });

/**
 * stress-highalloc style attempts: for each order, `count` allocations held until the order's
 * pass ends, then freed, so every order sees the same memory state.
 */
export const HighOrderAttemptsStepSchema = z.strictObject({
  kind: z.literal('high-order-attempts'),
  /** Label in results; defaults to the gfp string. */
  label: z.string().min(1).optional(),
  orders: z.array(order).min(1),
  count: z.number().int().min(1),
  gfp: GfpSchema,
  placement: placement.default('interleave'),
  /** Simulated time between attempts, in microseconds. */
  intervalUs: z.number().nonnegative().default(0),
});

export const StepSchema = z.discriminatedUnion('kind', [
  ChurnStepSchema,
  FreeAllStepSchema,
  DrainStepSchema,
  AdvanceStepSchema,
  HighOrderAttemptsStepSchema,
  MmapStepSchema,
  FaultStepSchema,
  MunmapStepSchema,
  PinStepSchema,
  HugepagesStepSchema,
  CompactStepSchema,
  SysctlStepSchema,
  AllocStepSchema,
  FreeStepSchema,
  ZramSwapStepSchema,
  ZramStatStepSchema,
  BalloonStepSchema,
]);
export type Step = z.output<typeof StepSchema>;
export type StepInput = z.input<typeof StepSchema>;
export type StepOf<K extends Step['kind']> = Extract<Step, { kind: K }>;
export type ChurnStep = z.output<typeof ChurnStepSchema>;
export type HighOrderAttemptsStep = z.output<typeof HighOrderAttemptsStepSchema>;

export const PhaseSchema = z.strictObject({
  name: z.string().min(1),
  steps: z.array(StepSchema).min(1),
  /**
   * Run the steps again, up to `max` times in all, until the condition holds after a pass
   * (Quicksilver's fragmenter loops re-reading buddyinfo until no free order-9/10 block is left).
   */
  repeat: z.strictObject({
    max: z.number().int().min(1).max(1000),
    until: z.literal('no-free-order9', { error: 'until must be "no-free-order9" (no free block of order 9 or above)' }),
  }).optional(),
});

export const WorkloadSchema = z.strictObject({ phases: z.array(PhaseSchema).min(1) });

export const ScenarioSchema = z.strictObject({
  /** Used in the default output directory name, so restricted to a file-name-safe set. */
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" or "-" (it names the output directory)'),
  description: z.string().optional(),
  seed: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  machine: MachineConfigSchema,
  sysctl: VmSysctlSchema.optional(),
  /** Simulated milliseconds between two metric samples (timeseries); the run's default when absent. */
  sampleIntervalMs: z.number().positive().optional(),
  workload: WorkloadSchema,
});
export type ScenarioInput = z.input<typeof ScenarioSchema>;
export type Scenario = z.output<typeof ScenarioSchema>;
