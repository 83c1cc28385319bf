import { KernelError } from '../errors';
import { PAGE_SIZE } from '../mem/constants';
import {
  MAP_ANONYMOUS, MAP_FIXED, MAP_FIXED_NOREPLACE, MAP_LOCKED, MAP_POPULATE, MAP_PRIVATE, MAP_SHARED, MAP_SHARED_VALIDATE,
  MAP_HUGETLB, MAP_TYPE, MMAP_BASE, MMAP_MIN_ADDR, PMD_SIZE, PROT_EXEC, PROT_READ, PROT_WRITE, TASK_SIZE, VM_EXEC, VM_LOCKED,
  VM_DONTEXPAND, VM_HUGETLB, VM_MAYEXEC, VM_MAYREAD, VM_MAYSHARE, VM_MAYWRITE, VM_READ, VM_SHARED, VM_WRITE, pageAligned, pageAlignUp,
} from './constants';
import type { AddressSpace, Filemap } from './filemap';
import type { MmStruct } from './mm';
import type { VmaOps } from './vma-ops';
import { VmArea } from './vma';

/** Arguments of mmap(2). */
export interface MmapArgs {
  length: number;
  prot: number;
  flags: number;
  addr?: number;
  file?: AddressSpace;
  offset?: number;
}

const KNOWN_MAP_FLAGS = MAP_TYPE | MAP_FIXED | MAP_ANONYMOUS | MAP_POPULATE | MAP_LOCKED | MAP_FIXED_NOREPLACE | 0x4000 | MAP_HUGETLB;

/** mm/mmap.c: calc_vm_prot_bits() */
export function protToVmFlags(prot: number): number {
  return (prot & PROT_READ ? VM_READ : 0) | (prot & PROT_WRITE ? VM_WRITE : 0) | (prot & PROT_EXEC ? VM_EXEC : 0);
}

/** Throws EINVAL unless prot is a combination of PROT_READ/WRITE/EXEC. */
export function checkProt(prot: number, call: string): void {
  if (!Number.isInteger(prot) || prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)) {
    throw new KernelError('EINVAL', `${call}: prot 0x${Number(prot).toString(16)} has unknown bits; use PROT_READ|PROT_WRITE|PROT_EXEC or PROT_NONE`);
  }
}

/** Throws EINVAL unless addr is a page-aligned user address. */
export function checkAddr(addr: number, call: string): void {
  if (!Number.isSafeInteger(addr) || addr < 0 || !pageAligned(addr)) {
    throw new KernelError('EINVAL', `${call}: address ${addr} is not a page-aligned (4096-byte) user address`);
  }
}

/** mm/mmap.c: do_mmap() and get_unmapped_area(). */
export class Mmap {
  /** Set when the kernel has a hugetlb pool (MAP_HUGETLB is accepted). */
  hugetlb = false;

  constructor(private readonly ops: VmaOps, private readonly filemap: Filemap) {}

  /**
   * mm/mmap.c: ksys_mmap_pgoff() → do_mmap(). Validates everything before changing anything:
   * EINVAL for a zero length, unknown prot bits, a missing/duplicate mapping type, an unaligned
   * offset or MAP_FIXED address, a file with MAP_ANONYMOUS or no file without it; ENOMEM when the
   * range does not fit under TASK_SIZE or no gap is free; EPERM below mmap_min_addr; EEXIST for
   * MAP_FIXED_NOREPLACE over a mapping. Returns the start address. The caller populates.
   */
  mmap(mm: MmStruct, a: MmapArgs): number {
    const { prot, flags } = a;
    if (!Number.isSafeInteger(a.length) || a.length <= 0) throw new KernelError('EINVAL', `mmap: length ${a.length} must be a positive integer`);
    checkProt(prot, 'mmap');
    if (!Number.isInteger(flags) || flags & ~KNOWN_MAP_FLAGS) throw new KernelError('EINVAL', `mmap: flags 0x${Number(flags).toString(16)} has unsupported bits`);
    const type = flags & MAP_TYPE;
    if (type !== MAP_PRIVATE && type !== MAP_SHARED && type !== MAP_SHARED_VALIDATE) {
      throw new KernelError('EINVAL', 'mmap: flags must contain exactly one of MAP_PRIVATE or MAP_SHARED');
    }
    const shared = type !== MAP_PRIVATE;
    const anon = (flags & MAP_ANONYMOUS) !== 0;
    if (anon && a.file) throw new KernelError('EINVAL', 'mmap: MAP_ANONYMOUS cannot be combined with a file; drop one of them');
    if (!anon && !a.file) throw new KernelError('EINVAL', 'mmap: a file mapping needs `file` (or pass MAP_ANONYMOUS)');
    if (a.file?.destroyed) throw new KernelError('EINVAL', 'mmap: the file was destroyed');
    const offset = a.offset ?? 0;
    if (!Number.isSafeInteger(offset) || offset < 0 || !pageAligned(offset)) throw new KernelError('EINVAL', `mmap: offset ${offset} must be a multiple of 4096`);
    const huge = (flags & MAP_HUGETLB) !== 0;
    if (huge && (!anon || !this.hugetlb)) {
      throw new KernelError('EINVAL', this.hugetlb ? 'mmap: MAP_HUGETLB needs MAP_ANONYMOUS (hugetlbfs files are not modelled)' : 'mmap: MAP_HUGETLB needs a kernel with a hugetlb pool');
    }
    // ksys_mmap_pgoff(): a MAP_HUGETLB length is rounded up to the huge page size.
    const len = huge ? Math.ceil(a.length / PMD_SIZE) * PMD_SIZE : pageAlignUp(a.length);
    if (len > TASK_SIZE) throw new KernelError('ENOMEM', `mmap: length ${a.length} exceeds the user address space`);
    const fixed = (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) !== 0;
    let addr: number;
    if (fixed) {
      addr = a.addr ?? -1;
      checkAddr(addr, 'mmap(MAP_FIXED)');
      if (huge && addr % PMD_SIZE) throw new KernelError('EINVAL', `mmap: MAP_HUGETLB|MAP_FIXED address 0x${addr.toString(16)} must be 2 MiB aligned`);
      if (addr + len > TASK_SIZE) throw new KernelError('ENOMEM', 'mmap: MAP_FIXED range ends above TASK_SIZE');
      if (addr < MMAP_MIN_ADDR) throw new KernelError('EPERM', `mmap: address below mmap_min_addr (0x${MMAP_MIN_ADDR.toString(16)})`);
      if (flags & MAP_FIXED_NOREPLACE && mm.vmasIn(addr, addr + len).length) {
        throw new KernelError('EEXIST', `mmap: MAP_FIXED_NOREPLACE range 0x${addr.toString(16)} overlaps an existing mapping`);
      }
    } else {
      // hugetlb_get_unmapped_area(): huge mappings are always 2 MiB aligned.
      addr = this.getUnmappedArea(mm, len, huge && a.addr !== undefined && a.addr % PMD_SIZE ? undefined : a.addr, huge || (anon && !shared && len >= PMD_SIZE));
    }
    let vmFlags = protToVmFlags(prot) | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC | mm.defFlags;
    if (shared) vmFlags |= VM_SHARED | VM_MAYSHARE;
    if (flags & MAP_LOCKED) vmFlags |= VM_LOCKED;
    if (huge) vmFlags |= VM_HUGETLB | VM_DONTEXPAND;
    let file = a.file ?? null;
    let pgoff = offset / PAGE_SIZE;
    if (fixed) this.ops.munmapRange(mm, addr, addr + len);
    if (anon && shared && huge) {
      // hugetlb_file_setup(): the pages live in the hugetlbfs page cache (hugetlb/hugetlb-page-cache.ts).
      file = this.filemap.createFile(len, { shmem: false, aops: { migrateFolio: 'filemap', dirtyFolio: 'noop' } });
      pgoff = 0;
    } else if (anon && shared) {
      file = this.filemap.createFile(len, { shmem: true, aops: { migrateFolio: 'filemap', dirtyFolio: 'noop' } });
      pgoff = 0;
    } else if (anon) {
      pgoff = (addr / PAGE_SIZE) >>> 0;
    }
    const vma = new VmArea(mm, addr, addr + len, vmFlags, pgoff, file);
    this.ops.link(vma);
    if (anon && shared) this.filemap.fput(file!); // the VMA holds the only reference
    if (vmFlags & VM_LOCKED) mm.lockedVm += len / PAGE_SIZE;
    this.ops.tryMerge(vma);
    return addr;
  }

  /**
   * mm/mmap.c: arch_get_unmapped_area_topdown(): the hint if page aligned and free, else the
   * highest gap below MMAP_BASE. Anonymous private mappings of 2 MiB or more are PMD aligned
   * (v6.7+ thp_get_unmapped_area for anonymous memory) so THP faults can use whole PMDs.
   */
  getUnmappedArea(mm: MmStruct, len: number, hint: number | undefined, pmdAlign: boolean): number {
    if (hint !== undefined && Number.isSafeInteger(hint) && pageAligned(hint) && hint >= MMAP_MIN_ADDR && hint + len <= TASK_SIZE) {
      if (mm.vmasIn(hint, hint + len).length === 0) return hint;
    }
    const align = pmdAlign ? PMD_SIZE : PAGE_SIZE;
    let hi = MMAP_BASE;
    for (let i = mm.vmas.length - 1; i >= -1; i--) {
      const v = i >= 0 ? mm.vmas[i] : null;
      if (v && v.start >= hi) continue;
      const lo = v ? Math.max(v.end, MMAP_MIN_ADDR) : MMAP_MIN_ADDR;
      const cand = Math.floor((hi - len) / align) * align;
      if (hi - len >= lo && cand >= lo) return cand;
      if (v) hi = Math.min(hi, v.start);
    }
    throw new KernelError('ENOMEM', `mmap: no free ${len}-byte gap left in the address space; unmap something`);
  }

  /**
   * mm/mmap.c: __vm_munmap(): EINVAL for an unaligned start, zero length or a range past
   * TASK_SIZE; unmapping a hole is not an error.
   */
  munmap(mm: MmStruct, addr: number, length: number): void {
    checkAddr(addr, 'munmap');
    if (!Number.isSafeInteger(length) || length <= 0) throw new KernelError('EINVAL', `munmap: length ${length} must be a positive integer`);
    const len = pageAlignUp(length);
    if (addr + len > TASK_SIZE) throw new KernelError('EINVAL', 'munmap: range ends above TASK_SIZE');
    // hugetlb_vm_op_split(): a hugetlb VMA can only be cut at a 2 MiB boundary.
    if ((addr % PMD_SIZE || len % PMD_SIZE) && mm.vmasIn(addr, addr + len).some((v) => v.flags & VM_HUGETLB)) {
      throw new KernelError('EINVAL', `munmap: range 0x${addr.toString(16)}+${len} cuts a MAP_HUGETLB mapping; use 2 MiB aligned addresses and lengths`);
    }
    this.ops.munmapRange(mm, addr, addr + len);
  }
}
