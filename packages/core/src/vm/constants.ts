/**
 * Constants of the user address-space layer, with the kernel's names and values
 * (include/linux/mm.h VM_*, include/uapi/asm-generic/mman-common.h PROT_/MAP_/MADV_,
 * include/uapi/linux/mman.h MREMAP_*, arch/x86/include/asm/pgtable_64_types.h).
 */
import { HPAGE_PMD_NR, PAGE_SIZE } from '../mem/constants';

/** include/linux/mm.h: vm_flags bits. */
export const VM_READ = 0x1;
export const VM_WRITE = 0x2;
export const VM_EXEC = 0x4;
export const VM_SHARED = 0x8;
export const VM_MAYREAD = 0x10;
export const VM_MAYWRITE = 0x20;
export const VM_MAYEXEC = 0x40;
export const VM_MAYSHARE = 0x80;
export const VM_GROWSDOWN = 0x100;
export const VM_PFNMAP = 0x400;
export const VM_LOCKED = 0x2000;
export const VM_IO = 0x4000;
export const VM_DONTCOPY = 0x20000;
export const VM_DONTEXPAND = 0x40000;
export const VM_LOCKONFAULT = 0x80000;
export const VM_ACCOUNT = 0x100000;
export const VM_NORESERVE = 0x200000;
export const VM_HUGETLB = 0x400000;
export const VM_WIPEONFORK = 0x2000000;
export const VM_DONTDUMP = 0x4000000;
export const VM_SOFTDIRTY = 0x8000000;
export const VM_MIXEDMAP = 0x10000000;
export const VM_HUGEPAGE = 0x20000000;
export const VM_NOHUGEPAGE = 0x40000000;
export const VM_MERGEABLE = 0x80000000;
/** include/linux/mm.h: VM_SPECIAL — never merged, never mlocked. */
export const VM_SPECIAL = VM_IO | VM_DONTEXPAND | VM_PFNMAP | VM_MIXEDMAP;
/** include/linux/mm.h: VM_LOCKED_MASK */
export const VM_LOCKED_MASK = VM_LOCKED | VM_LOCKONFAULT;
/** Flags mprotect may change (VM_READ|VM_WRITE|VM_EXEC). */
export const VM_ACCESS_FLAGS = VM_READ | VM_WRITE | VM_EXEC;

/** include/uapi/asm-generic/mman-common.h */
export const PROT_NONE = 0x0;
export const PROT_READ = 0x1;
export const PROT_WRITE = 0x2;
export const PROT_EXEC = 0x4;

export const MAP_SHARED = 0x01;
export const MAP_PRIVATE = 0x02;
export const MAP_SHARED_VALIDATE = 0x03;
export const MAP_TYPE = 0x0f;
export const MAP_FIXED = 0x10;
export const MAP_ANONYMOUS = 0x20;
export const MAP_NORESERVE = 0x4000;
export const MAP_POPULATE = 0x8000;
export const MAP_LOCKED = 0x2000;
export const MAP_FIXED_NOREPLACE = 0x100000;
/** include/uapi/asm-generic/mman-common.h: MAP_HUGETLB (2 MiB pages from the hugetlb pool). */
export const MAP_HUGETLB = 0x40000;

export const MADV_NORMAL = 0;
export const MADV_DONTNEED = 4;
export const MADV_FREE = 8;
export const MADV_HUGEPAGE = 14;
export const MADV_NOHUGEPAGE = 15;

/** include/uapi/linux/mman.h */
export const MREMAP_MAYMOVE = 1;
export const MREMAP_FIXED = 2;
export const MREMAP_DONTUNMAP = 4;

/** include/uapi/asm-generic/mman-common.h: mlock2 flag. */
export const MLOCK_ONFAULT = 0x01;

/** arch/x86: PMD_SHIFT / PMD_SIZE (one PMD entry maps 2 MiB). */
export const PMD_SHIFT = 21;
export const PMD_SIZE = 1 << PMD_SHIFT;
/** arch/x86: PUD_SIZE — one PMD table (512 PMD entries) covers 1 GiB. */
export const PUD_SIZE = PMD_SIZE * 512;
/** PTRS_PER_PTE / PTRS_PER_PMD */
export const PTRS_PER_PTE = 512;
export const PTRS_PER_PMD = 512;
export const HPAGE_PMD_SIZE = PAGE_SIZE * HPAGE_PMD_NR;

/** arch/x86/include/asm/page_64_types.h: TASK_SIZE_MAX for 4-level paging (47 bits). */
export const TASK_SIZE = 0x7ffffffff000;
/** mm/util.c: mmap_base — top-down allocation starts below this fixed base (no ASLR). */
export const MMAP_BASE = 0x7f0000000000;
/** mm/mmap.c: mmap_min_addr default (CONFIG_DEFAULT_MMAP_MIN_ADDR on x86). */
export const MMAP_MIN_ADDR = 0x10000;

/** include/linux/mm_types.h: MM_FILEPAGES / MM_ANONPAGES / MM_SHMEMPAGES rss counters. */
export const MM_FILEPAGES = 0;
export const MM_ANONPAGES = 1;
/** MM_SWAPENTS: swap PTEs of the mm. */
export const MM_SWAPENTS = 2;
export const MM_SHMEMPAGES = 3;
export const NR_MM_COUNTERS = 4;

/** Page-aligned helpers over plain numbers (addresses exceed 32 bits: no bitwise ops). */
export function pageAligned(addr: number): boolean {
  return addr % PAGE_SIZE === 0;
}
export function pageAlignUp(len: number): number {
  return Math.ceil(len / PAGE_SIZE) * PAGE_SIZE;
}
export function pmdAlignDown(addr: number): number {
  return Math.floor(addr / PMD_SIZE) * PMD_SIZE;
}
