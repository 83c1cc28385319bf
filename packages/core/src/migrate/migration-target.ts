import { PG } from '../mem/page-flags';
import * as gfpModule from '../zone/gfp';
import { ZoneType } from '../zone/zone-type';
import type { MigrationEnv } from './migration-env';

// Imported numeric constants as module-level consts, which V8 folds into the code; an imported
// binding is a load from the exporting module at every use (see page-flags.ts).
const { GFP_TRANSHUGE, __GFP_COMP, __GFP_HIGHMEM, __GFP_RECLAIM } = gfpModule;

/** mm/internal.h: struct migration_target_control. */
export interface MigrationTargetControl {
  /** Target node, or -1 (NUMA_NO_NODE) for the source folio's node. */
  nid: number;
  /** Nodes allowed, all if absent. */
  nodemask?: readonly number[];
  gfpMask: number;
}

/**
 * mm/migrate.c: alloc_migration_target(): a destination of the same order on the target node.
 * Large folios are allocated as THPs without reclaim; sources in ZONE_MOVABLE get __GFP_HIGHMEM
 * so the destination may come from ZONE_MOVABLE too.
 */
export function allocMigrationTarget(env: MigrationEnv, src: number, mtc: MigrationTargetControl): number {
  const { mem, alloc } = env;
  const f = mem.frames;
  let gfp = mtc.gfpMask;
  let order = 0;
  const nid = mtc.nid < 0 ? mem.pageZone(src).nid : mtc.nid;
  // folio_test_hugetlb(): a destination from the hugetlb pool (alloc_hugetlb_folio_nodemask).
  if (env.hugetlb?.isHugetlb(src)) return env.hugetlb.allocTarget(src, nid, mtc.nodemask, mtc.gfpMask);
  if (f.testFlag(src, PG.head)) {
    gfp &= ~__GFP_RECLAIM;
    gfp |= GFP_TRANSHUGE;
    order = f.order[src]!;
  }
  if (mem.pageZone(src).type === ZoneType.MOVABLE) gfp |= __GFP_HIGHMEM;
  // __folio_alloc() makes every multi-page folio compound.
  if (order) gfp |= __GFP_COMP;
  return alloc.allocPagesPfn(gfp, order, nid, mtc.nodemask);
}

/**
 * The `private` argument of {@link allocMigrationTargetFolio}: the kernel passes
 * `(unsigned long)&mtc` to migrate_pages(); mmsim passes the control and the env it allocates in.
 */
export class MigrationTarget {
  constructor(readonly env: MigrationEnv, readonly mtc: MigrationTargetControl) {}
}

/**
 * alloc_migration_target() as a new_folio_t taking its control from `private`, as migrate_pages()
 * callers in the kernel do. One function for every kernel in the process: the engine's call site
 * stays monomorphic, where a closure per call (Migration.targetAllocator) made V8 deoptimize
 * migrate_folio_unmap() whenever a new kernel or a new target appeared.
 */
export function allocMigrationTargetFolio(src: number, priv: unknown): number {
  const target = priv as MigrationTarget;
  return allocMigrationTarget(target.env, src, target.mtc);
}
