import { MAX_PAGE_ORDER } from '@mmsim/core';
import { z } from 'zod';
import { GfpSchema } from './gfp-schema';

/**
 * Step kinds that drive the user address space, the hugetlb pool, compaction and the raw page
 * allocator. Sizes are data that scale with the machine: either absolute MiB, or a fraction of
 * /proc/meminfo MemTotal or MemFree read when the step runs (so one scenario fits 64 MiB and 16 GiB).
 */

const name = z.string().regex(/^[a-z][a-z0-9_-]*$/, 'a lower-case name such as "anon" or "kernel"');
const order = z.number().int().min(0).max(MAX_PAGE_ORDER);

/** A byte size: `{ mib: 100 }` or `{ fraction: 0.8, of: MemFree }`, resolved at run time. */
export const SizeSchema = z.union([
  z.strictObject({ mib: z.number().positive() }),
  z.strictObject({ fraction: z.number().positive().max(1), of: z.enum(['MemTotal', 'MemFree']) }),
], { error: 'a size is { mib: N } or { fraction: 0..1, of: MemTotal | MemFree }' });
export type Size = z.output<typeof SizeSchema>;

/** mmap(2) of a named region in the workload's process. */
export const MmapStepSchema = z.strictObject({
  kind: z.literal('mmap'),
  region: name,
  size: SizeSchema,
  /** anon: MAP_PRIVATE|MAP_ANONYMOUS; file: MAP_SHARED over a new page-cache file of that size. */
  backing: z.enum(['anon', 'file']).default('anon'),
  /** madvise(MADV_HUGEPAGE / MADV_NOHUGEPAGE) after mapping; `default` leaves the VMA alone. */
  thp: z.enum(['default', 'hugepage', 'nohugepage']).default('default'),
  /** MAP_LOCKED: mlocked (unevictable) and populated at mmap time, like compaction_test. */
  locked: z.boolean().default(false),
});

/** Touch a region: write (anon) or read (file) every page, one 2 MiB-aligned stretch at a time. */
export const FaultStepSchema = z.strictObject({
  kind: z.literal('fault'),
  region: name,
  write: z.boolean().default(true),
  /** Touch only every Nth page (1 = all); the first page of each 2 MiB stretch is always touched. */
  stridePages: z.number().int().min(1).default(1),
  /**
   * none: a touched page holds only its fault-time fingerprint (zram stores such a page as
   * same-filled, without memory); text: write distinct, ~4:1 compressible bytes into every touched
   * page, so swap-out gives zram real data to compress (W12).
   */
  data: z.enum(['none', 'text']).default('none'),
  /**
   * Simulated µs the program computes per page before touching it; timers (kswapd) run as it
   * passes, so reclaim can keep up with a paced program instead of leaving it all to direct
   * reclaim. Not part of the fault latency.
   */
  paceUs: z.number().nonnegative().default(0),
});

/**
 * munmap(2) a sub-range of each `chunkKiB` chunk of a region: [offsetKiB, offsetKiB + lengthKiB)
 * of chunks startAt, startAt + every, ... (W2: every other chunk; W3: first 1 MiB of each 2 MiB;
 * W7: all but the last 64 KiB of each 2 MiB).
 */
export const MunmapStepSchema = z.strictObject({
  kind: z.literal('munmap'),
  region: name,
  /** Chunk size; absent: the whole region is one chunk. */
  chunk: SizeSchema.optional(),
  offsetKiB: z.number().int().nonnegative().multipleOf(4, 'offsetKiB must be a multiple of the 4 KiB page').default(0),
  /** Length unmapped in each chunk; absent: the rest of the chunk. */
  lengthKiB: z.number().int().positive().multipleOf(4, 'lengthKiB must be a multiple of the 4 KiB page').optional(),
  every: z.number().int().min(1).default(1),
  startAt: z.number().int().nonnegative().default(0),
  /**
   * Split the THPs the ranges cut into first, as the deferred split shrinker would under memory
   * pressure (mm/huge_memory.c: deferred_split_scan), so their unmapped subpages are freed.
   */
  deferredSplit: z.boolean().default(true),
});

/** pin_user_pages(FOLL_LONGTERM) a scattered fraction of a region's pages, held until the end. */
export const PinStepSchema = z.strictObject({
  kind: z.literal('pin'),
  region: name,
  fraction: z.number().positive().max(1),
});

/**
 * Write /proc/sys/vm/nr_hugepages and record how many were obtained. `passRule: compaction_test`
 * evaluates tools/testing/selftests/mm/compaction_test.c's check on the result.
 */
export const HugepagesStepSchema = z.strictObject({
  kind: z.literal('hugepages'),
  count: z.number().int().nonnegative(),
  passRule: z.literal('compaction_test').optional(),
});

/** echo 1 > /proc/sys/vm/compact_memory */
export const CompactStepSchema = z.strictObject({ kind: z.literal('compact') });

/** Runtime sysctl writes that have a handler in the simulated kernel. */
export const SysctlStepSchema = z.strictObject({
  kind: z.literal('sysctl'),
  name: z.enum(['min_free_kbytes', 'compaction_proactiveness']),
  value: z.number().int().nonnegative(),
});

/** Raw alloc_pages() into a named pool (LLFree frag, the 5ceb9ce6fe94 micro-test). */
export const AllocStepSchema = z.strictObject({
  kind: z.literal('alloc'),
  pool: name,
  gfp: GfpSchema,
  order: order.default(0),
  size: SizeSchema,
  /** Stop at the first failure instead of counting failures and going on. */
  stopOnFailure: z.boolean().default(true),
});

/** Free part of a pool: every other block (by allocation order) or a seeded random fraction. */
export const FreeStepSchema = z.strictObject({
  kind: z.literal('free'),
  pool: name,
  pick: z.enum(['every-other', 'random', 'all']),
  /** random: the share of the pool's blocks to free. */
  fraction: z.number().positive().max(1).optional(),
}).refine((s) => (s.pick === 'random') === (s.fraction !== undefined), {
  message: 'fraction is required with pick: random and not allowed otherwise',
  path: ['fraction'],
});

/**
 * zram as swap (W12): a zram device of `disksize` over a new zsmalloc pool, swapon'd with a
 * priority above the boot-time in-memory area (-1), so swapped anon pages land in zsmalloc.
 */
export const ZramSwapStepSchema = z.strictObject({
  kind: z.literal('zram-swap'),
  disksize: SizeSchema,
  /** The compressor (deflate is the one implemented, standing in for lzo-rle/zstd). */
  algorithm: z.literal('deflate').default('deflate'),
  /** /sys/block/zramX/mem_limit: writes past it fail with ENOMEM. Absent: no limit. */
  memLimit: SizeSchema.optional(),
  /** swapon -p; must beat the boot-time area's -1. */
  priority: z.number().int().min(0).max(32767).default(10),
});

/** cat /sys/block/zramX/mm_stat + the zsmalloc pool's classes totals, for every zram device made so far. */
export const ZramStatStepSchema = z.strictObject({ kind: z.literal('zram-stat') });

/**
 * virtio-balloon (W14): load the driver if it is not loaded, let the host set a target (a share
 * of MemTotal as it read when the workload started, or pages) and run the simulated clock until
 * the guest's worker reaches it (or `settleMs` passes).
 */
export const BalloonStepSchema = z.strictObject({
  kind: z.literal('balloon'),
  target: z.union([
    z.strictObject({ fraction: z.number().min(0).max(1), of: z.literal('MemTotal') }),
    z.strictObject({ pages: z.number().int().min(0).max(0xffffffff) }),
  ], { error: 'a balloon target is { fraction: 0..1, of: MemTotal } or { pages: N }' }),
  /** Driver options, used only when this step loads the driver. */
  hostLatencyNs: z.number().int().nonnegative().optional(),
  deflateOnOom: z.boolean().optional(),
  /** Simulated-time budget for reaching the target. */
  settleMs: z.number().positive().default(10_000),
});
