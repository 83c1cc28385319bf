import { Errno } from '../errors';
import { PG } from '../mem/page-flags';
import { MigrateMode, MigrateReason } from '../migrate/migrate-mode';
import type { Migration } from '../migrate/migration';
import { GFP_TRANSHUGE, GFP_USER, __GFP_COMP, __GFP_MOVABLE, __GFP_NOWARN, __GFP_RECLAIM } from '../zone/gfp';
import { MigrateType } from '../zone/migratetype';
import { ZoneType } from '../zone/zone-type';
import type { VmEnv } from './env';
import type { Vm } from './vm';

/**
 * include/linux/mm.h: folio_is_longterm_pinnable(): the zero pages are; folios in a MIGRATE_CMA
 * or MIGRATE_ISOLATE pageblock or in ZONE_MOVABLE are not (they must stay migratable).
 */
export function folioIsLongtermPinnable(env: VmEnv, pfn: number): boolean {
  if (env.isZeroPfn(pfn)) return true;
  const head = env.frames.compoundHead(pfn);
  const mt = env.mem.pageblocks.migratetype(head);
  if (mt === MigrateType.CMA || mt === MigrateType.ISOLATE) return false;
  return env.mem.pageZone(head).type !== ZoneType.MOVABLE;
}

/**
 * alloc_migration_target() with mtc = { NUMA_NO_NODE, GFP_USER | __GFP_NOWARN } as it runs
 * under memalloc_pin_save(): current_gfp_context() strips __GFP_MOVABLE, so the destination
 * (a THP destination too) comes from outside ZONE_MOVABLE and CMA, on the source's node.
 */
function pinTarget(env: VmEnv, src: number): number {
  const f = env.frames;
  let gfp = GFP_USER | __GFP_NOWARN;
  let order = 0;
  if (f.flags[src] & (1 << PG.head)) {
    // Large folios: GFP_TRANSHUGE without reclaim, compound (as alloc_migration_target does).
    gfp = (gfp | GFP_TRANSHUGE | __GFP_COMP) & ~__GFP_RECLAIM;
    order = f.order[src];
  }
  return env.alloc.allocPagesPfn(gfp & ~__GFP_MOVABLE, order, env.nodeOf(src));
}

/**
 * mm/gup.c: check_and_migrate_movable_pages() = collect_longterm_unpinnable_pages() +
 * migrate_longterm_unpinnable_pages(). Folios that may not be pinned long-term are isolated from
 * the LRU (draining the per-cpu batches once if one is not on an LRU yet; NR_ISOLATED counted);
 * then every pin is dropped and the isolated folios are migrated with MIGRATE_SYNC /
 * MR_LONGTERM_PIN. Returns 0 (all pinnable: the pins stay), -EAGAIN (pins dropped, pages moved:
 * pin again), -ENOMEM (migration failed; pins dropped) or -EBUSY (pins dropped, nothing could be
 * isolated — the kernel would retry until it can; mmsim's pages cannot change state by
 * themselves, so retrying would never end).
 */
export function checkAndMigrateMovablePages(deps: { vm: Vm; migration: Migration }, pfns: readonly number[]): number {
  const { vm, migration } = deps;
  const env = vm.env;
  const lru = migration.env.lru;
  const list = migration.newList();
  let collected = 0;
  let drainAllow = true;
  let prev = -1;
  for (const pfn of pfns) {
    const head = env.frames.compoundHead(pfn);
    if (head === prev) continue;
    prev = head;
    if (folioIsLongtermPinnable(env, head)) continue;
    collected++;
    if (!lru) continue;
    if (!(env.frames.flags[head] & (1 << PG.lru)) && drainAllow) {
      lru.lruAddDrainAll();
      drainAllow = false;
    }
    if (lru.isolateLruPage(head) === 0) list.add(head);
  }
  if (!collected) {
    list.release();
    return 0;
  }
  // The pins would make migration fail (unexpected references): drop them all.
  for (const pfn of pfns) vm.pins.put(pfn, 1, true);
  if (list.isEmpty) {
    list.release();
    return -Errno.EBUSY;
  }
  const res = migration.migratePages(list, (src) => pinTarget(env, src), undefined, MigrateMode.SYNC, MigrateReason.MR_LONGTERM_PIN);
  if (!list.isEmpty) migration.putbackMovablePages(list);
  list.release();
  return res.ret !== 0 ? -Errno.ENOMEM : -Errno.EAGAIN;
}
