import { Kernel, KernelError, PAGE_SIZE, type Process, type RandomStream } from '@mmsim/core';
import type { Gup } from '@mmsim/core';
import type { Zram } from '@mmsim/driver-zsmalloc';
import { UsageError } from '../../cli-error';
import type { SimKernel } from '../sim-kernel';
import type { Size } from '../../scenario/schema';
import type { LatencySummary } from './latency';

/** A named mapping of the workload process (mmap step). */
export interface Region {
  addr: number;
  length: number;
  backing: 'anon' | 'file';
}

/** Blocks raw alloc steps hold, in allocation order. */
export interface Pool {
  order: number;
  pfns: number[];
}

/** What the address-space, hugetlb, compaction and allocator steps share during one run. */
export interface StepContext {
  kernel: Kernel;
  /** The one user process every address-space step runs in. */
  process(): Process;
  gup(): Gup;
  regions: Map<string, Region>;
  pools: Map<string, Pool>;
  /** FOLL_LONGTERM pins; held to the end, so the summary sees the memory they poison. */
  pins: number[];
  /** MemFree when the workload started, in pages (compaction_test reads it before mapping). */
  memFreeAtStartPages: number;
  /** MemTotal when the workload started, in pages (before a balloon lowers managed pages). */
  memTotalAtStartPages: number;
  /** zram devices made by zram-swap steps, in creation order. */
  zrams: Zram[];
  rng: RandomStream;
}

/** What a step adds to its StepResult. */
export interface StepOutcome {
  freed?: number;
  latencyNs?: LatencySummary | { base: LatencySummary; huge: LatencySummary };
  detail?: Record<string, unknown>;
}

/**
 * The address-space and hugetlb steps need the full kernel (vm, hugetlb, compaction), which
 * createKernel returns; the KernelFacade interface exposes only the allocator layer.
 */
export function fullKernel(k: SimKernel): Kernel {
  if (!(k instanceof Kernel)) throw new KernelError('EINVAL', 'this step needs a kernel made by createKernel (vm, hugetlb and compaction)');
  return k;
}

/** /proc/meminfo MemFree in pages: free pages of every populated zone. */
export function memFreePages(kernel: Pick<Kernel, 'mem'>): number {
  let n = 0;
  for (const z of kernel.mem.populatedZones) n += z.freePages;
  return n;
}

/** A Size in bytes, rounded down to whole pages (at least one). */
export function resolveSize(size: Size, kernel: Kernel): number {
  const bytes = 'mib' in size
    ? size.mib * 1024 * 1024
    : size.fraction * (size.of === 'MemTotal' ? kernel.mem.totalramPages : memFreePages(kernel)) * PAGE_SIZE;
  return Math.max(PAGE_SIZE, Math.floor(bytes / PAGE_SIZE) * PAGE_SIZE);
}

export function regionOf(ctx: StepContext, name: string, kind: string): Region {
  const r = ctx.regions.get(name);
  if (!r) throw new UsageError(`${kind} step: no region "${name}"; map it with an earlier mmap step`);
  return r;
}
