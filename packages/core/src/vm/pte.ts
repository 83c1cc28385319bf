/**
 * Page-table entry encoding. Each entry is two 32-bit words kept in parallel typed arrays: `val`
 * (a pfn, or a swap offset for swap entries) and `bits` (the entry kind in the low 4 bits plus
 * the hardware/software flags). This mirrors the kernel's split between present PTEs
 * (arch/x86/include/asm/pgtable_types.h: _PAGE_RW, _PAGE_DIRTY, _PAGE_ACCESSED, _PAGE_SOFT_DIRTY,
 * _PAGE_UFFD_WP, _PAGE_SPECIAL) and non-present swap-format entries
 * (include/linux/swapops.h: SWP_MIGRATION_READ/READ_EXCLUSIVE/WRITE, SWP_DEVICE_READ/WRITE,
 * SWP_DEVICE_EXCLUSIVE_*).
 */
export const enum EntryKind {
  NONE = 0,
  PRESENT = 1,
  MIGRATION_READ = 2,
  MIGRATION_READ_EXCLUSIVE = 3,
  MIGRATION_WRITE = 4,
  DEVICE_PRIVATE_READ = 5,
  DEVICE_PRIVATE_WRITE = 6,
  DEVICE_EXCLUSIVE = 7,
  SWAP = 8,
  /** PMD only: the PMD points to a PTE table (pmd_present && !pmd_trans_huge). */
  TABLE = 9,
  /** include/linux/swapops.h: SWP_HWPOISON — the page at `val` was poisoned (memory_failure). */
  HWPOISON = 10,
}

export const KIND_MASK = 0xf;
/** _PAGE_RW (present) — for device entries the write variant is a separate kind. */
export const PTE_WRITE = 1 << 4;
/** _PAGE_DIRTY; for migration entries: SWP_MIG_DIRTY_BIT. */
export const PTE_DIRTY = 1 << 5;
/** _PAGE_ACCESSED; for migration entries: SWP_MIG_YOUNG_BIT. */
export const PTE_YOUNG = 1 << 6;
/** _PAGE_SOFT_DIRTY / _PAGE_SWP_SOFT_DIRTY */
export const PTE_SOFT_DIRTY = 1 << 7;
/** _PAGE_UFFD_WP / _PAGE_SWP_UFFD_WP */
export const PTE_UFFD_WP = 1 << 8;
/** _PAGE_SPECIAL: no struct page behind it for rmap purposes (zero page, VM_PFNMAP). */
export const PTE_SPECIAL = 1 << 9;
/** Flags carried through a migration entry (soft-dirty, uffd-wp, young, dirty). */
export const PTE_MIGRATION_KEEP = PTE_DIRTY | PTE_YOUNG | PTE_SOFT_DIRTY | PTE_UFFD_WP;

export const KIND_NAMES: readonly string[] = [
  'none', 'present', 'migration-read', 'migration-read-exclusive', 'migration-write',
  'device-private-read', 'device-private-write', 'device-exclusive', 'swap', 'table', 'hwpoison',
];

/** include/linux/swapops.h: is_migration_entry() */
export function isMigrationKind(kind: number): boolean {
  return kind >= EntryKind.MIGRATION_READ && kind <= EntryKind.MIGRATION_WRITE;
}

/** include/linux/swapops.h: is_pfn_swap_entry() — migration, device-private, device-exclusive. */
export function isPfnSwapKind(kind: number): boolean {
  return kind >= EntryKind.MIGRATION_READ && kind <= EntryKind.DEVICE_EXCLUSIVE;
}
