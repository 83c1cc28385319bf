/**
 * What the migration engine needs from the subsystems around it. Each is implemented by the
 * real subsystem (sync/page-lock, lru/, vm/rmap, vm/filemap, THP split) and wired by the kernel;
 * the engine depends only on these shapes.
 */

/** sync/page-lock: folio_trylock / folio_unlock (on the head page). */
export interface MigrationLocks {
  trylockPage(pfn: number): boolean;
  unlockPage(pfn: number): void;
}

/** lru/: the parts of the LRU migration touches. */
export interface MigrationLru {
  /** folio_add_lru() */
  folioAddLru(pfn: number): void;
  /** lru_add_drain() on the current CPU. */
  lruAddDrain(): void;
  /** folio_putback_lru(): back on the LRU, dropping the isolation reference. */
  folioPutbackLru(pfn: number): void;
  /** isolate_lru_page() + NR_ISOLATED_* accounting: 0, or -EBUSY if the folio is not on the LRU. */
  isolateLruPage(pfn: number): number;
  /** lru_add_drain_all() */
  lruAddDrainAll(): void;
}

/** vm/rmap: mappings of a folio (mm/rmap.c). */
export interface MigrationRmap {
  folioMapped(pfn: number): boolean;
  /** try_to_migrate(): replace every mapping with a migration entry. */
  tryToMigrate(pfn: number, batchFlush: boolean): void;
  /** remove_migration_ptes(): migration entries to `src` become mappings of `dst`. */
  removeMigrationPtes(src: number, dst: number, locked: boolean): void;
  /** folio_get_anon_vma(): pin the anon_vma across migration; returns a token, 0 if none. */
  folioGetAnonVma(pfn: number): number;
  /** put_anon_vma() */
  putAnonVma(token: number): void;
  /** folio_migrate_ksm(): move a KSM stable node from `src` to `dst`. */
  migrateKsm?(dst: number, src: number): void;
}

/**
 * An address_space as migration sees it (include/linux/fs.h). Anonymous folios have no
 * mapping here (folio_mapping() is NULL); file folios resolve to one of these.
 */
export interface MigratableMapping {
  /** mapping_unmovable() (AS_UNMOVABLE) */
  readonly unmovable?: boolean;
  readonly aops: {
    /** a_ops->migrate_folio: filemap_migrate_folio, buffer_migrate_folio, or none (fallback). */
    migrateFolio?: 'filemap' | 'buffer';
    /** a_ops->writepage exists: writeout() can clean a dirty folio. */
    writepage?: boolean;
  };
  /** mapping_can_writeback() */
  readonly canWriteback?: boolean;
  /** The page-cache slot of `index` still holds `pfn` (the radix-tree check). */
  holdsFolio(index: number, pfn: number): boolean;
  /** xas_store() of the page cache: the slot of `index` now holds `newPfn`. */
  replaceFolio(index: number, oldPfn: number, newPfn: number): void;
}

/** THP split (mm/huge_memory.c: split_folio_to_list). */
export interface MigrationThp {
  /**
   * split_huge_page_to_list(): split a large folio; its tail pages go on `listHead`, or back to
   * the LRU when it is null (split_huge_page). 0, -EBUSY (pinned) or -EAGAIN.
   */
  splitFolioToList(pfn: number, listHead: number | null): number;
}
