import { z } from 'zod';
import { MAX_NUMNODES } from '../mem/page-flags';

/** A size: "4GiB", "512MiB", or a byte count. Parsed by mem/size.ts. */
const size = z.union([z.string().min(1), z.number().int().nonnegative()]);
/** A size or a percentage of memory ("25%"), as kernelcore=/movablecore= accept. */
const sizeOrPercent = z.union([size, z.string().regex(/^\d+(\.\d+)?%$/, 'a percentage such as "25%"')]);

export const NodeConfigSchema = z.strictObject({
  /** Memory of this node ("2GiB"). A multiple of 4 MiB (MAX_ORDER_NR_PAGES pages). */
  memory: size,
  /** Simulated CPUs on this node (each gets per-cpu page lists). */
  cpus: z.number().int().min(1).max(64).default(1),
});

export const DeviceRangeConfigSchema = z.strictObject({
  /** Node the ZONE_DEVICE range belongs to. */
  node: z.number().int().min(0).max(MAX_NUMNODES - 1),
  /** Size of the pfn range reserved for device memory ("1GiB"). */
  size,
});

/**
 * A CMA area reserved at boot (kernel cma= / cma_declare_contiguous_nid()). The area's pageblocks
 * become MIGRATE_CMA: movable allocations may borrow them, cma_alloc() takes them back.
 * Placement and size are checked against the memory layout at boot (cma/cma-declare.ts).
 */
export const CmaAreaConfigSchema = z.strictObject({
  /** Name of the area (cma->name), unique. */
  name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, "_", "-" or "." (at most 64)'),
  /** Size of the area ("16MiB"); a multiple of the pageblock size (2 MiB). */
  size,
  /** Fixed physical base ("256MiB"); placed top-down in free memory when absent. */
  base: size.optional(),
  /** Node to place the area on (without base); any node when absent. */
  node: z.number().int().min(0).max(MAX_NUMNODES - 1).optional(),
  /** Each bitmap bit covers 2^orderPerBit pages (cma->order_per_bit). */
  orderPerBit: z.number().int().min(0).max(10).default(0),
});
export type CmaAreaConfig = z.output<typeof CmaAreaConfigSchema>;

/**
 * The simulated machine. Defaults follow an x86_64 server: DMA32 below 4 GiB with the PCI hole
 * at 3–4 GiB, NORMAL above, optional ZONE_MOVABLE from kernelcore=/movablecore=.
 */
export const MachineConfigSchema = z.strictObject({
  nodes: z.array(NodeConfigSchema).min(1).max(MAX_NUMNODES),
  /**
   * "x86_64": RAM at [0, 3GiB) and from 4 GiB up, ZONE_DMA32 below 4 GiB, first 1 MiB and the
   * kernel image reserved. "flat": one contiguous range from pfn 0, all ZONE_NORMAL, nothing
   * reserved but the memmap (handy for small unit-test machines).
   */
  layout: z.enum(['x86_64', 'flat']).default('x86_64'),
  /** node_distance() matrix (SLIT); defaults to 10 local, 20 remote. */
  distance: z.array(z.array(z.number().int().min(10).max(255))).optional(),
  /** kernelcore= boot parameter: memory that stays out of ZONE_MOVABLE. */
  kernelcore: sizeOrPercent.optional(),
  /** movablecore= boot parameter: memory that goes to ZONE_MOVABLE. */
  movablecore: sizeOrPercent.optional(),
  /** Pfn space reserved above RAM for ZONE_DEVICE (memremap_pages). */
  device: z.array(DeviceRangeConfigSchema).default([]),
  /** Size of the kernel image reserved at 16 MiB in the x86_64 layout. */
  kernelImage: size.default('16MiB'),
  /** Reserve the memmap (64 bytes of struct page per 4 KiB page) from each node, as memblock does. */
  reserveMemmap: z.boolean().default(true),
  /** CMA areas reserved at boot (MIGRATE_CMA pageblocks for cma_alloc()). */
  cma: z
    .array(CmaAreaConfigSchema)
    .max(20, 'at most MAX_CMA_AREAS (20) CMA areas')
    .default([])
    .superRefine((areas, ctx) => {
      const seen = new Set<string>();
      areas.forEach((a, i) => {
        if (seen.has(a.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate CMA area name "${a.name}"` });
        seen.add(a.name);
      });
    }),
});
export type MachineConfigInput = z.input<typeof MachineConfigSchema>;
export type MachineConfig = z.output<typeof MachineConfigSchema>;

/** vm.* sysctls that the foundation models (Documentation/admin-guide/sysctl/vm.rst). */
export const VmSysctlSchema = z.strictObject({
  /** vm.min_free_kbytes; by default computed from lowmem as init_per_zone_wmark_min() does. */
  min_free_kbytes: z.number().int().min(0).optional(),
  /** vm.watermark_scale_factor (default 10, range 1..3000). */
  watermark_scale_factor: z.number().int().min(1).max(3000).default(10),
  /** vm.watermark_boost_factor (default 15000). */
  watermark_boost_factor: z.number().int().min(0).default(15000),
  /** vm.lowmem_reserve_ratio per zone type (DMA32, Normal, Movable, Device). */
  lowmem_reserve_ratio: z.array(z.number().int().min(0)).length(4).default([256, 32, 0, 0]),
  /** vm.percpu_pagelist_high_fraction (0 = the kernel's default sizing). */
  percpu_pagelist_high_fraction: z.number().int().min(0).default(0),
  /** vm.compaction_proactiveness (0..100, default 20). */
  compaction_proactiveness: z.number().int().min(0).max(100).default(20),
  /** vm.extfrag_threshold (0..1000, default 500). */
  extfrag_threshold: z.number().int().min(0).max(1000).default(500),
  /** vm.compact_unevictable_allowed (default 1). */
  compact_unevictable_allowed: z.union([z.literal(0), z.literal(1)]).default(1),
});
export type VmSysctlInput = z.input<typeof VmSysctlSchema>;
export type VmSysctl = z.output<typeof VmSysctlSchema>;
