import { KernelError } from '../errors';
import type { MigrationRmap } from '../migrate/deps';
import { AnonVma } from './anon-vma';
import type { Ksm } from './ksm';
import type { MappingRegistry } from '../mem/mapping-registry';
import type { MigrationEntries } from './migration-entries';
import type { Rmap } from './rmap';

/**
 * The rmap as the migration engine calls it (migrate/deps.ts: MigrationRmap), per folio and
 * without the argument checks of the public Vm methods: the engine only passes pfns of folios it
 * isolated and locked. Vm's methods of the same names validate, then do the same thing.
 */
export class VmMigrationRmap implements MigrationRmap {
  constructor(
    private readonly rmap: Rmap,
    private readonly entries: MigrationEntries,
    private readonly ksm: Ksm,
    private readonly mappings: MappingRegistry,
  ) {}

  /** mm.h: folio_mapped() */
  folioMapped(pfn: number): boolean {
    return this.rmap.folioMapcount(pfn) > 0;
  }

  /** mm/rmap.c: try_to_migrate() (TTU_BATCH_FLUSH only defers TLB flushes, not modelled). */
  tryToMigrate(pfn: number, _batchFlush: boolean): void {
    this.entries.tryToMigrateFolio(pfn);
  }

  /** mm/migrate.c: remove_migration_ptes() (`locked` does not change the result). */
  removeMigrationPtes(src: number, dst: number, _locked: boolean): void {
    this.entries.restoreFolio(src, dst);
  }

  /** mm/rmap.c: folio_get_anon_vma(), as a token (the anon_vma's registry id) or 0. */
  folioGetAnonVma(pfn: number): number {
    return this.entries.getAnonVma(pfn)?.id ?? 0;
  }

  /** put_anon_vma() of a token from {@link folioGetAnonVma}. */
  putAnonVma(token: number): void {
    const av = this.mappings.get<AnonVma>(token);
    if (!(av instanceof AnonVma)) throw new KernelError('EINVAL', `putAnonVma: ${String(token)} is not a pinned anon_vma`);
    this.entries.putAnonVma(av);
  }

  /** folio_migrate_ksm() */
  migrateKsm(dst: number, src: number): void {
    this.ksm.folioMigrateKsm(dst, src);
  }
}
