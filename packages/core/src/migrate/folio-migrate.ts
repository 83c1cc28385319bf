import { ContractViolation, Errno } from '../errors';
import { mappingIsKsm } from '../mem/mapping';
import * as mappingModule from '../mem/mapping';
import { PG } from '../mem/page-flags';
import * as pageFlagsModule from '../mem/page-flags';
import { Page } from '../mem/page';
import { NodeStat, ZoneStat } from '../stat/vmstat-items';
import type { MigratableMapping } from './deps';
import { MigrateMode } from './migrate-mode';
import * as migrateModeModule from './migrate-mode';
import type { MigrationEnv } from './migration-env';
import { MigrateStepTrace } from './migrate-tracepoints';

// Imported numeric constants as module-level consts, which V8 folds into the code; an imported
// binding is a load from the exporting module at every use (see page-flags.ts).
const { PAGE_MAPPING_FLAGS } = mappingModule;
const { PG_isolated } = pageFlagsModule;
const { MIGRATEPAGE_SUCCESS } = migrateModeModule;

const bit = (b: PG): number => 1 << b;
/** The flags folio_migrate_flags() copies as they are. */
const MIGRATE_FLAGS_COPIED = bit(PG.error) | bit(PG.referenced) | bit(PG.uptodate) | bit(PG.workingset) | bit(PG.owner_priv_1) | bit(PG.mappedtodisk) | bit(PG.dirty);
const HEAD = bit(PG.head);

/**
 * Moving a folio's identity and data to a new folio (mm/migrate.c: folio_migrate_mapping,
 * folio_migrate_flags, folio_migrate_copy, migrate_folio, filemap_migrate_folio,
 * fallback_migrate_folio, move_to_new_folio).
 */
export class FolioMigrate {
  private readonly trace: MigrateStepTrace;

  constructor(private readonly env: MigrationEnv) {
    this.trace = new MigrateStepTrace(env.events);
  }

  private nrPages(pfn: number): number {
    const f = this.env.mem.frames;
    return f.flags[pfn]! & HEAD ? 1 << f.order[pfn]! : 1;
  }

  /** folio_expected_refs(): 1, plus the page-cache references and one for PG_private. */
  expectedRefs(mapping: MigratableMapping | undefined, pfn: number): number {
    if (!mapping) return 1;
    return 1 + this.nrPages(pfn) + (this.env.mem.frames.testFlag(pfn, PG.private) ? 1 : 0);
  }

  /**
   * folio_migrate_mapping(): the new folio takes the old one's place in its mapping. For a
   * mapped (page-cache) folio the refcount is frozen at the expected value first; any extra
   * reference (a GUP pin, a racing lookup) makes it -EAGAIN (M10).
   */
  migrateMapping(mapping: MigratableMapping | undefined, dst: number, src: number, extraCount: number): number {
    const { mem } = this.env;
    const f = mem.frames;
    const expected = this.expectedRefs(mapping, src) + extraCount;
    const nr = this.nrPages(src);
    const trace = this.trace;
    const tracing = trace.on;
    if (!mapping) {
      // Anonymous folio without a mapping (not in the swap cache).
      if (f.refcount[src] !== expected) return -Errno.EAGAIN;
      if (tracing) trace.step(src, 6);
      f.index[dst] = f.index[src]!;
      f.mapping[dst] = f.mapping[src]!;
      if (f.testFlag(src, PG.swapbacked)) f.setFlag(dst, PG.swapbacked);
      if (tracing) trace.step(src, 8);
      return MIGRATEPAGE_SUCCESS;
    }
    if (tracing) trace.step(src, 5); // xas_lock_irq(): lookups through the mapping wait
    // folio_ref_freeze(): nobody can take a reference while the mapping switches.
    if (f.refcount[src] !== expected) return -Errno.EAGAIN;
    f.refcount[src] = 0;
    if (tracing) trace.step(src, 6);
    if (!mapping.holdsFolio(f.index[src]!, src)) {
      f.refcount[src] = expected;
      return -Errno.EAGAIN;
    }
    if (tracing) trace.step(src, 7);
    f.index[dst] = f.index[src]!;
    f.mapping[dst] = f.mapping[src]!;
    if (f.testFlag(src, PG.swapbacked)) f.setFlag(dst, PG.swapbacked);
    const dirty = f.testFlag(src, PG.dirty);
    if (dirty) {
      f.clearFlag(src, PG.dirty);
      f.setFlag(dst, PG.dirty);
    }
    if (tracing) trace.step(src, 8);
    mapping.replaceFolio(f.index[src]!, src, dst);
    if (tracing) trace.step(src, 9);
    // The cache references move: the new folio gains them, the old one is unfrozen without them.
    f.refcount[dst]! += nr;
    f.refcount[src] = expected - nr;
    if (tracing) trace.step(src, 10);
    if (tracing) trace.step(src, 11); // xas_unlock()
    const oldZone = mem.pageZone(src);
    const newZone = mem.pageZone(dst);
    if (oldZone !== newZone) {
      const oldNode = mem.nodes[oldZone.nid]!.vmStat;
      const newNode = mem.nodes[newZone.nid]!.vmStat;
      oldNode[NodeStat.NR_FILE_PAGES] -= nr;
      newNode[NodeStat.NR_FILE_PAGES] += nr;
      if (f.testFlag(dst, PG.swapbacked)) {
        oldNode[NodeStat.NR_SHMEM] -= nr;
        newNode[NodeStat.NR_SHMEM] += nr;
      }
      if (dirty && mapping.canWriteback) {
        oldNode[NodeStat.NR_FILE_DIRTY] -= nr;
        newNode[NodeStat.NR_FILE_DIRTY] += nr;
        oldZone.vmStat[ZoneStat.NR_ZONE_WRITE_PENDING] -= nr;
        newZone.vmStat[ZoneStat.NR_ZONE_WRITE_PENDING] += nr;
      }
    }
    return MIGRATEPAGE_SUCCESS;
  }

  /**
   * folio_migrate_flags(): referenced, uptodate, active (or unevictable), workingset, checked,
   * mappedtodisk (PG_anon_exclusive), dirty, error; KSM state; the old folio loses swapcache and
   * private state.
   */
  migrateFlags(dst: number, src: number): void {
    const f = this.env.mem.frames;
    const tracing = this.trace.on;
    f.flags[dst]! |= f.flags[src]! & MIGRATE_FLAGS_COPIED;
    if (f.testClearFlag(src, PG.active)) f.setFlag(dst, PG.active);
    else if (f.testClearFlag(src, PG.unevictable)) f.setFlag(dst, PG.unevictable);
    if (tracing) this.trace.step(src, 13);
    // folio_migrate_ksm(): only a KSM folio has a stable node to repoint.
    if (mappingIsKsm(f.mapping[dst]!)) this.env.rmap?.migrateKsm?.(dst, src);
    if (f.testFlag(src, PG.swapbacked)) f.clearFlag(src, PG.owner_priv_1); // PG_swapcache
    f.clearFlag(src, PG.private);
    f.private[src] = 0;
    if (tracing) this.trace.step(src, 14);
    // If writeback was queued on the new folio meanwhile, let it go (folio_end_writeback).
    if (f.testFlag(dst, PG.writeback)) f.clearFlag(dst, PG.writeback);
    if (tracing) this.trace.step(src, 15);
  }

  /** folio_migrate_copy(): data (every page of the folio) then flags. */
  migrateCopy(dst: number, src: number): void {
    const nr = this.nrPages(src);
    const content = this.env.mem.content;
    for (let i = 0; i < nr; i++) content.copy(dst + i, src + i);
    if (this.trace.on) this.trace.step(src, 12);
    this.migrateFlags(dst, src);
  }

  /** migrate_folio_extra() / migrate_folio(): mapping, then copy (or only flags for NO_COPY). */
  migrateFolio(mapping: MigratableMapping | undefined, dst: number, src: number, mode: MigrateMode, extraCount = 0): number {
    if (this.env.mem.frames.testFlag(src, PG.writeback)) {
      this.bug(src, 'migrate_folio() on a folio under writeback (BUG_ON(folio_test_writeback))');
    }
    const rc = this.migrateMapping(mapping, dst, src, extraCount);
    if (rc !== MIGRATEPAGE_SUCCESS) return rc;
    if (mode !== MigrateMode.SYNC_NO_COPY) this.migrateCopy(dst, src);
    else this.migrateFlags(dst, src);
    return MIGRATEPAGE_SUCCESS;
  }

  /**
   * fallback_migrate_folio(): for mappings without a migrate_folio. A dirty folio is written out
   * first, only in SYNC and SYNC_NO_COPY (else -EBUSY); writeout never succeeds directly
   * (-EAGAIN, the clean folio migrates on a later pass); private data that cannot be released
   * fails with -EAGAIN (SYNC) or -EBUSY.
   */
  private fallbackMigrateFolio(mapping: MigratableMapping, dst: number, src: number, mode: MigrateMode): number {
    const f = this.env.mem.frames;
    if (f.testFlag(src, PG.dirty)) {
      if (mode !== MigrateMode.SYNC && mode !== MigrateMode.SYNC_NO_COPY) return -Errno.EBUSY;
      return this.writeout(mapping, src);
    }
    if (f.testFlag(src, PG.private)) return mode === MigrateMode.SYNC ? -Errno.EAGAIN : -Errno.EBUSY;
    return this.migrateFolio(mapping, dst, src, mode);
  }

  /** writeout(): clean a dirty folio through ->writepage; the simulated write completes at once. */
  private writeout(mapping: MigratableMapping, src: number): number {
    const f = this.env.mem.frames;
    if (!mapping.aops.writepage) return -Errno.EINVAL;
    if (!f.testClearFlag(src, PG.dirty)) return -Errno.EAGAIN;
    const zone = this.env.mem.pageZone(src);
    if (mapping.canWriteback) {
      this.env.mem.nodes[zone.nid]!.vmStat[NodeStat.NR_FILE_DIRTY] -= this.nrPages(src);
      zone.vmStat[ZoneStat.NR_ZONE_WRITE_PENDING] -= this.nrPages(src);
    }
    // The folio must be clean for migration; writeout may lose the lock, so the attempt fails.
    this.env.rmap?.removeMigrationPtes(src, src, false);
    return -Errno.EAGAIN;
  }

  /**
   * move_to_new_folio(): src and dst are locked and src is unmapped. LRU folios go through their
   * mapping's migrate_folio; non-LRU movable pages through the driver's migrate_page, with the
   * contract D3/M6/M7 checked around the call. A movable page its driver released meanwhile
   * counts as migrated without calling the driver (M3).
   */
  moveToNewFolio(dst: number, src: number, mode: MigrateMode): number {
    const { mem, movable } = this.env;
    const f = mem.frames;
    let rc: number;
    if (!movable.isMovableMapping(src)) {
      const mapping = this.env.folioMapping(src);
      if (!mapping) rc = this.migrateFolio(undefined, dst, src, mode);
      else if (mapping.unmovable) rc = -Errno.EOPNOTSUPP;
      else if (mapping.aops.migrateFolio === 'filemap') rc = this.migrateFolio(mapping, dst, src, mode);
      else if (mapping.aops.migrateFolio === 'buffer') {
        // __buffer_migrate_folio(): without buffers it is migrate_folio(); with them the
        // buffer heads move along (modelled by PG_private moving to the new folio).
        const hadPrivate = f.testFlag(src, PG.private);
        rc = this.migrateFolio(mapping, dst, src, mode);
        if (rc === MIGRATEPAGE_SUCCESS && hadPrivate) f.setFlag(dst, PG.private);
      } else rc = this.fallbackMigrateFolio(mapping, dst, src, mode);
    } else {
      if (!f.testFlag(src, PG_isolated)) this.bug(src, 'move_to_new_folio() on a movable page that is not isolated');
      const entry = movable.opsOf(src);
      if (!entry) {
        // The driver released the page after isolation: nothing to migrate.
        f.clearFlag(src, PG_isolated);
        return MIGRATEPAGE_SUCCESS;
      }
      rc = this.callMigratePage(entry.driver, entry.ops.migratePage.bind(entry.ops), dst, src, mode);
    }
    if (rc === MIGRATEPAGE_SUCCESS) {
      if (movable.isMovableMapping(src)) f.clearFlag(src, PG_isolated);
      // Anonymous and movable src->mapping are cleared when src is freed; file mappings now.
      if (!(f.mapping[src]! & PAGE_MAPPING_FLAGS)) f.mapping[src] = 0;
    }
    return rc;
  }

  /** The driver's migrate_page() with the contract checked before and after (D3, M6, M7). */
  private callMigratePage(driver: string, migratePage: (dst: Page, src: Page, mode: MigrateMode) => number, dst: number, src: number, mode: MigrateMode): number {
    const { mem, movable, alloc } = this.env;
    const f = mem.frames;
    const srcNext = f.next[src];
    const srcPrev = f.prev[src];
    const rc = migratePage(new Page(alloc, dst), new Page(alloc, src), mode);
    if (!Number.isInteger(rc) || rc > 0) {
      movable.violation('D3', `migrate_page() returned ${String(rc)}; return 0 (MIGRATEPAGE_SUCCESS), -EAGAIN or a negative errno`, src, driver);
    }
    if (!f.testFlag(src, PG.locked) || !f.testFlag(dst, PG.locked)) {
      movable.violation('M7', 'migrate_page() unlocked src or dst; both stay locked across the call', f.testFlag(src, PG.locked) ? dst : src, driver);
    }
    if (f.next[src] !== srcNext || f.prev[src] !== srcPrev) {
      movable.violation('M6', 'migrate_page() touched src->lru; the core owns page->lru of an isolated page', src, driver);
    }
    if (rc === MIGRATEPAGE_SUCCESS) {
      if (!f.testFlag(src, PG_isolated)) movable.violation('D3', 'migrate_page() returned success for a page that is not isolated', src, driver);
      if (movable.pageMovable(src)) {
        movable.violation('D3', 'migrate_page() returned success but src is still movable; call clearPageMovable(src) under the page lock', src, driver);
      }
      if (!movable.pageMovable(dst)) {
        movable.violation('D3', 'migrate_page() returned success but dst is not movable; call setPageMovable(dst, ops) before returning', dst, driver);
      }
      if (f.refcount[dst]! < 2) {
        movable.violation('D3', 'migrate_page() returned success without taking its own reference on dst (get_page); the core drops the allocation reference next', dst, driver);
      }
    }
    return rc;
  }

  private bug(pfn: number, reason: string): never {
    const f = this.env.mem.frames;
    throw new ContractViolation('MIGRATE', reason, { pfn, flags: f.flags[pfn]!, refcount: f.refcount[pfn]!, mapcount: f.mapcount[pfn]!, mapping: f.mapping[pfn]! });
  }
}
