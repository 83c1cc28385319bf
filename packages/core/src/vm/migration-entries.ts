import { ContractViolation, KernelError } from '../errors';
import * as memConstants from '../mem/constants';
import * as mappingModule from '../mem/mapping';
import { PG } from '../mem/page-flags';
import * as pageFlagsModule from '../mem/page-flags';
import { AnonVma, type AnonVmas } from './anon-vma';
import * as vmConstants from './constants';
import { MmuNotifyEvent } from './deps';
import type { VmEnv } from './env';
import type { Filemap } from './filemap';
import { ksmTargets } from './ksm';
import { pmdIndex, pteIndex } from './page-table';
import { EntryKind, isMigrationKind } from './pte';
import * as pteModule from './pte';
import type { Rmap } from './rmap';
import type { VmArea } from './vma';

// Imported numeric constants as module-level consts, which V8 folds into the code; an imported
// binding is a load from the exporting module at every use (see page-flags.ts).
const { PAGE_SIZE } = memConstants;
const { PAGE_MAPPING_ANON } = mappingModule;
const { PG_anon_exclusive } = pageFlagsModule;
const { VM_LOCKED, VM_WRITE } = vmConstants;
const { KIND_MASK, PTE_DIRTY, PTE_MIGRATION_KEEP, PTE_SPECIAL, PTE_UFFD_WP, PTE_WRITE } = pteModule;

const ANON_EXCL = 1 << PG_anon_exclusive;
const MMU_NOTIFY_CLEAR = MmuNotifyEvent.CLEAR;

/** Options of try_to_migrate(): TTU_BATCH_FLUSH defers the TLB flush (not observable here). */
export interface TryToMigrateOptions {
  batchFlush?: boolean;
}

/**
 * Migration entries: mm/rmap.c try_to_migrate / try_to_migrate_one, mm/huge_memory.c
 * set_pmd_migration_entry / remove_migration_pmd, mm/migrate.c remove_migration_ptes /
 * remove_migration_pte, and folio_get_anon_vma. This is the contract the migration engine
 * codes against. The hot loops index typed arrays directly and allocate one notifier range
 * per mapping.
 */
export class MigrationEntries {
  constructor(
    private readonly env: VmEnv,
    private readonly rmap: Rmap,
    private readonly anonVmas: AnonVmas,
    private readonly filemap: Filemap,
  ) {}

  /**
   * mm/rmap.c: try_to_migrate(): replace every mapping of the folio containing pfn by a
   * migration entry (writable → write entry; else read-exclusive if PG_anon_exclusive; else
   * read), keeping soft-dirty, uffd-wp, young and dirty; the mapcount and the mapping's folio
   * reference are dropped. A PMD-mapped THP gets a PMD migration entry.
   */
  tryToMigrate(pfn: number, opts: TryToMigrateOptions = {}): void {
    this.env.mem.checkPfn(pfn);
    if (opts.batchFlush !== undefined && typeof opts.batchFlush !== 'boolean') {
      throw new KernelError('EINVAL', 'tryToMigrate: batchFlush must be a boolean');
    }
    this.tryToMigrateFolio(pfn);
  }

  /** {@link tryToMigrate} for a pfn the caller knows is valid (the migration engine). */
  tryToMigrateFolio(pfn: number): void {
    const f = this.env.frames;
    const head = f.compoundHead(pfn);
    const node = this.rmap.stableNode(head);
    if (node) {
      for (const [vma, addr] of ksmTargets(node)) this.migrateOne(vma, head, 1, addr);
      return;
    }
    const vmas = this.rmap.candidateVmas(head);
    if (!vmas) return;
    const index = f.index[head];
    const nr = this.rmap.nrPages(head);
    for (let i = 0; i < vmas.length; i++) {
      const vma = vmas[i];
      const off = vma.folioOffset(index, nr);
      if (off === off) this.migrateOne(vma, head, nr, vma.start + off * PAGE_SIZE);
    }
  }

  /** mm/rmap.c: try_to_migrate_one() for one VMA; addr0 is where the folio's first page sits. */
  private migrateOne(vma: VmArea, head: number, nr: number, addr0: number): void {
    const env = this.env;
    const mm = vma.mm;
    const start = addr0 > vma.start ? addr0 : vma.start;
    const end = Math.min(vma.end, addr0 + nr * PAGE_SIZE);
    // Nobody subscribes to this mm's notifiers (the usual case): the bracket is only counted.
    const subs = mm.notifiers;
    const range = subs.idle ? null : env.invalidateStart(mm, start, end, MMU_NOTIFY_CLEAR);
    const pmdt = nr > 1 && start === addr0 ? mm.pgtables.pmdTable(addr0) : null;
    if (pmdt) {
      const i = pmdIndex(addr0);
      if ((pmdt.bits[i] & KIND_MASK) === EntryKind.PRESENT && pmdt.val[i] === head) {
        pmdt.bits[i] = this.migrationBits(head, head, pmdt.bits[i]);
        this.rmap.removeRmap(head, vma, true);
        env.putFolio(head);
        if (range) env.invalidateEnd(mm, range);
        else subs.countIdleInvalidation!();
        return;
      }
    }
    const f = env.frames;
    const last = head + nr;
    for (let a = start; a < end; a += PAGE_SIZE) {
      const t = mm.pgtables.pteTable(a);
      if (!t) continue;
      const j = pteIndex(a);
      const bits = t.bits[j];
      const p = t.val[j];
      if (p < head || p >= last) continue;
      const kind = bits & KIND_MASK;
      if (kind === EntryKind.PRESENT) {
        if (bits & PTE_SPECIAL) continue;
      } else if (kind !== EntryKind.DEVICE_PRIVATE_READ && kind !== EntryKind.DEVICE_PRIVATE_WRITE) continue;
      t.bits[j] = this.migrationBits(head, p, kind === EntryKind.DEVICE_PRIVATE_WRITE ? bits | PTE_WRITE : bits);
      if (f.refcount[head] < 1) throw new ContractViolation('VM-MIGRATE', 'mapped page without a reference', { pfn: p, flags: f.flags[p] });
      this.rmap.removeRmap(p, vma, false);
      // The munlock queued by removing a VM_LOCKED mapping holds a reference until applied.
      if (vma.flags & VM_LOCKED) env.lru.mlockDrainLocal();
      env.putFolio(head);
    }
    if (range) env.invalidateEnd(mm, range);
    else subs.countIdleInvalidation!();
  }

  /** The migration entry bits for a present (or device-private) entry of page p. */
  private migrationBits(head: number, p: number, bits: number): number {
    const f = this.env.frames;
    let kind: number = EntryKind.MIGRATION_READ;
    if (bits & PTE_WRITE) kind = EntryKind.MIGRATION_WRITE;
    else if ((f.mapping[head] & PAGE_MAPPING_ANON) && (f.flags[p] & ANON_EXCL)) kind = EntryKind.MIGRATION_READ_EXCLUSIVE;
    // page_try_share_anon_rmap(): the page is no longer known to be exclusive while unmapped.
    if (f.mapping[head] & PAGE_MAPPING_ANON) f.flags[p] &= ~ANON_EXCL;
    // "Set the dirty flag on the folio now the pte is gone."
    if (bits & PTE_DIRTY) this.filemap.folioMarkDirty(head);
    return kind | (bits & PTE_MIGRATION_KEEP);
  }

  /**
   * mm/migrate.c: remove_migration_ptes(): every migration entry pointing into the folio `src`
   * becomes a present entry to the matching page of `dst` (write iff the entry was writable and
   * not uffd-wp; anon-exclusive unless it was a read entry; dirty and young restored; rmap and a
   * folio reference added to dst). For a THP in a VM_LOCKED VMA only PMD mappings mlock the folio;
   * PTE mappings munlock it (seed 000). `dst === src` undoes a failed migration. `locked` says the
   * caller holds the rmap lock (rmap_walk_locked); it does not change the result.
   */
  removeMigrationPtes(src: number, dst: number, locked: boolean): void {
    const env = this.env;
    env.mem.checkPfn(src);
    env.mem.checkPfn(dst);
    if (typeof locked !== 'boolean') throw new KernelError('EINVAL', 'removeMigrationPtes: locked must be a boolean');
    this.restoreFolio(src, dst);
  }

  /** {@link removeMigrationPtes} for pfns the caller knows are valid (the migration engine). */
  restoreFolio(src: number, dst: number): void {
    const f = this.env.frames;
    const srcHead = f.compoundHead(src);
    const dstHead = f.compoundHead(dst);
    const nr = this.rmap.nrPages(dstHead);
    if (nr !== this.rmap.nrPages(srcHead)) {
      throw new ContractViolation('VM-MIGRATE', `remove_migration_ptes: dst folio has ${nr} pages, src has ${this.rmap.nrPages(srcHead)}`, { pfn: dst, flags: f.flags[dst] });
    }
    const walkHead = f.mapping[dstHead] !== 0 ? dstHead : srcHead;
    const node = this.rmap.stableNode(walkHead);
    if (node) {
      for (const [vma, addr] of ksmTargets(node)) this.restoreOne(vma, srcHead, dstHead, 1, addr);
      return;
    }
    const vmas = this.rmap.candidateVmas(walkHead);
    if (!vmas) return;
    const index = f.index[walkHead];
    for (let i = 0; i < vmas.length; i++) {
      const vma = vmas[i];
      const off = vma.folioOffset(index, nr);
      if (off === off) this.restoreOne(vma, srcHead, dstHead, nr, vma.start + off * PAGE_SIZE);
    }
  }

  /** mm/migrate.c: remove_migration_pte() / mm/huge_memory.c: remove_migration_pmd() for one VMA. */
  private restoreOne(vma: VmArea, srcHead: number, dstHead: number, nr: number, addr0: number): void {
    const env = this.env;
    const f = env.frames;
    const mm = vma.mm;
    const anon = (f.mapping[dstHead] & PAGE_MAPPING_ANON) !== 0;
    const pmdt = nr > 1 && addr0 >= vma.start ? mm.pgtables.pmdTable(addr0) : null;
    if (pmdt) {
      const i = pmdIndex(addr0);
      const bits = pmdt.bits[i];
      if (isMigrationKind(bits & KIND_MASK) && pmdt.val[i] === srcHead) {
        pmdt.val[i] = dstHead;
        pmdt.bits[i] = this.presentBits(vma, bits);
        env.alloc.getPage(dstHead);
        if (anon) this.rmap.addAnonRmap(dstHead, vma, true, (bits & KIND_MASK) !== EntryKind.MIGRATION_READ);
        else this.rmap.addFileRmap(dstHead, vma, true);
        return;
      }
    }
    const start = addr0 > vma.start ? addr0 : vma.start;
    const end = Math.min(vma.end, addr0 + nr * PAGE_SIZE);
    const last = srcHead + nr;
    let ptes = 0;
    for (let a = start; a < end; a += PAGE_SIZE) {
      const t = mm.pgtables.pteTable(a);
      if (!t) continue;
      const j = pteIndex(a);
      const bits = t.bits[j];
      const p = t.val[j];
      if (p < srcHead || p >= last || !isMigrationKind(bits & KIND_MASK)) continue;
      const np = dstHead + (p - srcHead);
      t.val[j] = np;
      t.bits[j] = this.presentBits(vma, bits);
      env.alloc.getPage(dstHead);
      if (anon) this.rmap.addAnonRmap(np, vma, false, (bits & KIND_MASK) !== EntryKind.MIGRATION_READ);
      else this.rmap.addFileRmap(np, vma, false);
      if (vma.flags & VM_LOCKED) env.lru.mlockDrainLocal();
      ptes++;
    }
    // Seed 000: a PTE-mapped THP must stay on the normal LRU even in a VM_LOCKED VMA.
    if (ptes && nr > 1 && (vma.flags & VM_LOCKED) && (f.flags[dstHead] & (1 << PG.mlocked))) {
      env.lru.munlockFolio(dstHead);
      env.lru.mlockDrainLocal();
    }
  }

  /** The present entry restored from a migration entry's bits. */
  private presentBits(vma: VmArea, bits: number): number {
    let out = EntryKind.PRESENT | (bits & PTE_MIGRATION_KEEP);
    if ((bits & KIND_MASK) === EntryKind.MIGRATION_WRITE && (vma.flags & VM_WRITE) && !(bits & PTE_UFFD_WP)) out |= PTE_WRITE;
    return out;
  }

  /**
   * mm/rmap.c: folio_get_anon_vma(): a referenced anon_vma of a mapped anonymous (non-KSM)
   * folio, kept alive across unmap until {@link putAnonVma}; null if not anon or not mapped.
   */
  folioGetAnonVma(pfn: number): AnonVma | null {
    this.env.mem.checkPfn(pfn);
    return this.getAnonVma(pfn);
  }

  /** {@link folioGetAnonVma} for a pfn the caller knows is valid (the migration engine). */
  getAnonVma(pfn: number): AnonVma | null {
    const head = this.env.frames.compoundHead(pfn);
    const mapping = this.env.frames.mapping[head];
    if ((mapping & 3) !== PAGE_MAPPING_ANON || !this.rmap.folioMapped(head)) return null;
    const av = this.env.mem.mappings.resolve<AnonVma>(mapping);
    if (!(av instanceof AnonVma) || av.refcount <= 0) return null;
    return this.anonVmas.get(av);
  }

  /** mm/rmap.c: put_anon_vma() */
  putAnonVma(av: AnonVma): void {
    this.anonVmas.put(av);
  }
}
