import { PAGE_SIZE } from '../mem/constants';
import { PAGE_MAPPING_ANON } from '../mem/mapping';
import { PG_anon_exclusive } from '../mem/page-flags';
import { VM_WRITE } from '../vm/constants';
import type { VmEnv } from '../vm/env';
import { pmdIndex } from '../vm/page-table';
import { EntryKind, KIND_MASK, PTE_MIGRATION_KEEP, PTE_UFFD_WP, PTE_WRITE, isMigrationKind } from '../vm/pte';
import type { Rmap } from '../vm/rmap';
import type { VmArea } from '../vm/vma';
import type { Hugetlb } from './hugetlb';

const ANON_EXCL = 1 << PG_anon_exclusive;
const HPAGE_NR = 512;

/**
 * The hugetlb branches of mm/rmap.c try_to_migrate_one() and mm/migrate.c remove_migration_pte()
 * (hugetlb_add_anon_rmap / hugetlb_add_file_rmap / hugetlb_remove_rmap): a hugetlb folio is
 * always mapped by whole huge PMDs, its mapcount is the entire mapcount (first tail slot), and
 * no node counter or mlock state changes (hugetlb folios are not on the LRU).
 */
export class HugetlbRmap {
  constructor(private readonly env: VmEnv, private readonly rmap: Rmap, private readonly pool: Hugetlb) {}

  /** folio_mapcount() of a hugetlb folio. */
  mapcount(head: number): number {
    return this.env.frames.mapcount[head + 1]!;
  }

  /** rmap_walk() over the VMAs mapping the hugetlb folio, with the huge PMD's address. */
  private walk(head: number, visit: (vma: VmArea, addr: number) => void): void {
    const f = this.env.frames;
    const vmas = this.rmap.candidateVmas(head);
    if (!vmas) return;
    for (const vma of [...vmas]) {
      const off = vma.folioOffset(f.index[head]!, HPAGE_NR);
      if (off !== off || off < 0) continue;
      visit(vma, vma.start + off * PAGE_SIZE);
    }
  }

  /**
   * try_to_migrate() of a hugetlb folio: every huge PMD mapping it becomes a PMD migration entry
   * (write if writable, read-exclusive for an exclusive anon folio, else read), dropping the
   * mapcount and the mapping's reference.
   */
  tryToMigrate(head: number): void {
    const f = this.env.frames;
    const anon = (f.mapping[head]! & PAGE_MAPPING_ANON) !== 0;
    this.walk(head, (vma, addr) => {
      const pmdt = vma.mm.pgtables.pmdTable(addr);
      if (!pmdt) return;
      const i = pmdIndex(addr);
      const bits = pmdt.bits[i];
      if ((bits & KIND_MASK) !== EntryKind.PRESENT || pmdt.val[i] !== head) return;
      let kind: number = EntryKind.MIGRATION_READ;
      if (bits & PTE_WRITE) kind = EntryKind.MIGRATION_WRITE;
      else if (anon && f.flags[head]! & ANON_EXCL) kind = EntryKind.MIGRATION_READ_EXCLUSIVE;
      pmdt.bits[i] = kind | (bits & PTE_MIGRATION_KEEP);
      f.mapcount[head + 1]!--;
      this.pool.putFolio(head);
    });
    if (anon) f.flags[head] = f.flags[head]! & ~ANON_EXCL;
  }

  /**
   * remove_migration_ptes() of a hugetlb folio: migration entries to `src` map `dst` again
   * (writable iff the entry was and the VMA is; anon-exclusive unless it was a read entry).
   * `dst === src` undoes a failed migration.
   */
  removeMigrationPtes(src: number, dst: number): void {
    const f = this.env.frames;
    const walkHead = f.mapping[dst] !== 0 ? dst : src;
    this.walk(walkHead, (vma, addr) => {
      const pmdt = vma.mm.pgtables.pmdTable(addr);
      if (!pmdt) return;
      const i = pmdIndex(addr);
      const bits = pmdt.bits[i];
      if (!isMigrationKind(bits & KIND_MASK) || pmdt.val[i] !== src) return;
      let out = EntryKind.PRESENT | (bits & PTE_MIGRATION_KEEP);
      if ((bits & KIND_MASK) === EntryKind.MIGRATION_WRITE && vma.flags & VM_WRITE && !(bits & PTE_UFFD_WP)) out |= PTE_WRITE;
      pmdt.val[i] = dst;
      pmdt.bits[i] = out;
      f.refcount[dst]!++;
      f.mapcount[dst + 1]!++;
      if (f.mapping[dst]! & PAGE_MAPPING_ANON && (bits & KIND_MASK) !== EntryKind.MIGRATION_READ) f.flags[dst] = f.flags[dst]! | ANON_EXCL;
    });
  }
}
