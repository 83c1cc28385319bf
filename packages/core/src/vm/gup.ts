import { Errno, KernelError } from '../errors';
import { PAGE_SIZE } from '../mem/constants';
import type { Migration } from '../migrate/migration';
import { PMD_SIZE, VM_IO, VM_PFNMAP, VM_READ, VM_WRITE } from './constants';
import { gupFast } from './gup-fast';
import { FOLL_GET, FOLL_LONGTERM, FOLL_PIN, FOLL_WRITE } from './gup-flags';
import { checkAndMigrateMovablePages } from './gup-longterm';
import { VM_FAULT_OK, VM_FAULT_OOM, VM_FAULT_RETRY, VM_FAULT_SIGBUS } from './huge-memory';
import type { MmStruct } from './mm';
import { pmdIndex, pteIndex } from './page-table';
import type { Process } from './process';
import { EntryKind, KIND_MASK, PTE_DIRTY, PTE_WRITE, PTE_YOUNG } from './pte';
import type { Vm } from './vm';
import type { VmArea } from './vma';

export { FOLL_GET, FOLL_LONGTERM, FOLL_PIN, FOLL_WRITE };

const PUBLIC_FLAGS = FOLL_WRITE | FOLL_LONGTERM;

/** What GUP reaches of a kernel: the vm layer, and migration for FOLL_LONGTERM. */
export interface GupDeps {
  readonly vm: Vm;
  readonly migration: Migration;
}

/**
 * mm/gup.c: get_user_pages() / pin_user_pages() (the slow path: follow the page tables and fault
 * in what is missing), FOLL_LONGTERM's migration out of ZONE_MOVABLE and MIGRATE_CMA,
 * unpin_user_pages() / put_page(), and GUP-fast (get_user_pages_fast_only). Pages are returned
 * as pfns; release them with {@link putPages} (FOLL_GET) or {@link unpinUserPages} (FOLL_PIN).
 */
export class Gup {
  constructor(private readonly deps: GupDeps) {}

  private get vm(): Vm {
    return this.deps.vm;
  }

  /** mm/gup.c: get_user_pages_remote()/get_user_pages(): FOLL_GET references. */
  getUserPages(p: Process, addr: number, nrPages: number, gupFlags = 0): number[] {
    this.checkArgs(addr, nrPages, gupFlags, 'getUserPages');
    if (gupFlags & FOLL_LONGTERM) throw new KernelError('EINVAL', 'getUserPages: FOLL_LONGTERM is only allowed when pinning; use pinUserPages');
    return this.getUserPagesLocked(this.vm.check(p), addr, nrPages, gupFlags | FOLL_GET);
  }

  /**
   * mm/gup.c: pin_user_pages() (FOLL_PIN). With FOLL_LONGTERM, __gup_longterm_locked(): pin,
   * then check_and_migrate_movable_pages(); while pages had to be migrated (-EAGAIN), pin again.
   */
  pinUserPages(p: Process, addr: number, nrPages: number, gupFlags = 0): number[] {
    this.checkArgs(addr, nrPages, gupFlags, 'pinUserPages');
    const mm = this.vm.check(p);
    const flags = gupFlags | FOLL_PIN;
    if (!(flags & FOLL_LONGTERM)) return this.getUserPagesLocked(mm, addr, nrPages, flags);
    for (;;) {
      const pfns = this.getUserPagesLocked(mm, addr, nrPages, flags);
      const rc = checkAndMigrateMovablePages(this.deps, pfns);
      if (rc === 0) return pfns;
      if (rc !== -Errno.EAGAIN) throw new KernelError(rc === -Errno.ENOMEM ? 'ENOMEM' : 'EBUSY', rc === -12
        ? `pinUserPages: FOLL_LONGTERM could not migrate the pages out of ZONE_MOVABLE/CMA (no memory outside it); free memory and retry`
        : `pinUserPages: FOLL_LONGTERM could not isolate the movable pages to migrate them; retry later`);
    }
  }

  /**
   * GUP-fast (mm/gup.c: get_user_pages_fast_only / lockless_pages_from_mm): walk the page tables
   * without faulting or locks; FOLL_GET unless FOLL_PIN is given. Stops at the first entry it
   * cannot use and returns how many pages it took (their pfns are pushed on `pages`).
   */
  getUserPagesFast(p: Process, addr: number, nrPages: number, gupFlags = 0, pages: number[] = []): number {
    const mm = this.vm.check(p);
    this.checkArgs(addr, nrPages, gupFlags & ~(FOLL_PIN | FOLL_GET), 'getUserPagesFast');
    if ((gupFlags & (FOLL_PIN | FOLL_GET)) === (FOLL_PIN | FOLL_GET)) throw new KernelError('EINVAL', 'getUserPagesFast: FOLL_GET and FOLL_PIN exclude each other');
    const flags = gupFlags & FOLL_PIN ? gupFlags : gupFlags | FOLL_GET;
    if (flags & FOLL_LONGTERM && !(flags & FOLL_PIN)) throw new KernelError('EINVAL', 'getUserPagesFast: FOLL_LONGTERM needs FOLL_PIN');
    if (!Array.isArray(pages)) throw new KernelError('EINVAL', 'getUserPagesFast: pages must be an array to receive the pfns');
    return gupFast(this.vm, mm, Math.floor(addr / PAGE_SIZE) * PAGE_SIZE, nrPages, flags, pages);
  }

  /** mm/gup.c: unpin_user_pages() */
  unpinUserPages(pfns: readonly number[]): void {
    for (const pfn of this.checkPfns(pfns, 'unpinUserPages')) this.vm.pins.put(pfn, 1, true);
  }

  /** put_page() for each page taken with FOLL_GET. */
  putPages(pfns: readonly number[]): void {
    for (const pfn of this.checkPfns(pfns, 'putPages')) this.vm.pins.put(pfn, 1, false);
  }

  /** include/linux/mm.h: folio_maybe_dma_pinned() of the folio containing pfn. */
  folioMaybeDmaPinned(pfn: number): boolean {
    this.vm.env.mem.checkPfn(pfn);
    return this.vm.pins.maybeDmaPinned(pfn);
  }

  private checkPfns(pfns: readonly number[], what: string): readonly number[] {
    if (!Array.isArray(pfns)) throw new KernelError('EINVAL', `${what}: pass the array of pfns GUP returned`);
    for (const pfn of pfns) {
      this.vm.env.mem.checkPfn(pfn);
      if (this.vm.env.frames.refcount[this.vm.env.frames.compoundHead(pfn)] <= 0) throw new KernelError('EINVAL', `${what}: pfn ${pfn} holds no reference; it was already released`);
    }
    return pfns;
  }

  /** is_valid_gup_args(): flags the caller may pass, a sane address and count. */
  private checkArgs(addr: number, nrPages: number, gupFlags: number, what: string): void {
    if (!Number.isSafeInteger(addr) || addr < 0) throw new KernelError('EINVAL', `${what}: address ${addr} must be a non-negative integer`);
    if (!Number.isSafeInteger(nrPages) || nrPages < 0) throw new KernelError('EINVAL', `${what}: nrPages ${nrPages} must be a non-negative integer`);
    if (!Number.isInteger(gupFlags) || gupFlags & ~PUBLIC_FLAGS) {
      throw new KernelError('EINVAL', `${what}: gupFlags 0x${Number(gupFlags).toString(16)} may only combine FOLL_WRITE and FOLL_LONGTERM`);
    }
  }

  /**
   * mm/gup.c: __get_user_pages(): for each page check the VMA (check_vma_flags), follow the
   * entry (follow_page_mask) and fault it in when missing or not writable (faultin_page), then
   * grab it. A failure after some pages returns those; a failure on the first page throws.
   */
  private getUserPagesLocked(mm: MmStruct, addr: number, nrPages: number, flags: number): number[] {
    const out: number[] = [];
    const pin = (flags & FOLL_PIN) !== 0;
    let a = Math.floor(addr / PAGE_SIZE) * PAGE_SIZE;
    try {
      for (let i = 0; i < nrPages; i++, a += PAGE_SIZE) {
        const vma = mm.vmaLookup(a);
        if (!vma) throw new KernelError('EFAULT', `0x${a.toString(16)} is not mapped; mmap it first`);
        this.checkVmaFlags(vma, a, flags);
        const pfn = this.followOrFault(mm, vma, a, flags);
        if (!this.vm.pins.grab(pfn, 1, pin)) throw new KernelError('EFAULT', `the page at 0x${a.toString(16)} was freed under GUP`);
        out.push(pfn);
      }
    } catch (e) {
      if (out.length === 0 || !(e instanceof KernelError)) {
        for (const pfn of out) this.vm.pins.put(pfn, 1, pin);
        throw e;
      }
    }
    return out;
  }

  /** mm/gup.c: check_vma_flags(): VM_IO/VM_PFNMAP, and the access must be allowed (no FOLL_FORCE). */
  private checkVmaFlags(vma: VmArea, addr: number, flags: number): void {
    const where = `0x${addr.toString(16)}`;
    if (vma.flags & (VM_IO | VM_PFNMAP)) throw new KernelError('EFAULT', `${where} is a VM_IO/VM_PFNMAP mapping; it has no pages GUP can take`);
    if (flags & FOLL_WRITE && !(vma.flags & VM_WRITE)) throw new KernelError('EFAULT', `${where} is mapped without PROT_WRITE; drop FOLL_WRITE or mprotect it writable`);
    if (!(flags & FOLL_WRITE) && !(vma.flags & VM_READ)) throw new KernelError('EFAULT', `${where} is mapped without PROT_READ (PROT_NONE); mprotect it readable`);
  }

  /** follow_page_mask(), faulting (faultin_page) until the entry is usable. */
  private followOrFault(mm: MmStruct, vma: VmArea, addr: number, flags: number): number {
    const write = (flags & FOLL_WRITE) !== 0;
    for (;;) {
      const pfn = this.followPage(mm, addr, write);
      if (pfn >= 0) return pfn;
      let r: number;
      try {
        r = this.vm.fault.handleMmFault(vma, addr, write);
      } catch (e) {
        // vm_fault_to_errno(): VM_FAULT_HWPOISON is -EFAULT unless FOLL_HWPOISON (not offered).
        if (e instanceof KernelError && e.code === 'EHWPOISON') throw new KernelError('EFAULT', `0x${addr.toString(16)} maps a poisoned page (${e.message})`);
        throw e;
      }
      if (r === VM_FAULT_OK) continue;
      const where = `0x${addr.toString(16)}`;
      if (r === VM_FAULT_RETRY) throw new KernelError('EAGAIN', `${where} is under migration; GUP would wait for it (retry from a task or after migration)`);
      if (r & VM_FAULT_OOM) throw new KernelError('ENOMEM', `out of memory faulting ${where} in for GUP; free memory and retry`);
      throw new KernelError('EFAULT', `fault at ${where} failed (${r & VM_FAULT_SIGBUS ? 'SIGBUS' : 'SIGSEGV'})`);
    }
  }

  /** follow_page_mask() without faulting, with FOLL_TOUCH (young, dirty for writes); -1 = fault. */
  private followPage(mm: MmStruct, addr: number, write: boolean): number {
    const pmdt = mm.pgtables.pmdTable(addr);
    if (!pmdt) return -1;
    const i = pmdIndex(addr);
    const pb = pmdt.bits[i];
    const touch = PTE_YOUNG | (write ? PTE_DIRTY : 0);
    if ((pb & KIND_MASK) === EntryKind.PRESENT) {
      if (write && !(pb & PTE_WRITE)) return -1;
      pmdt.bits[i] = pb | touch;
      return pmdt.val[i] + Math.floor((addr % PMD_SIZE) / PAGE_SIZE);
    }
    const t = pmdt.ptes[i];
    if (!t) return -1;
    const j = pteIndex(addr);
    const b = t.bits[j];
    if ((b & KIND_MASK) !== EntryKind.PRESENT || (write && !(b & PTE_WRITE))) return -1;
    t.bits[j] = b | touch;
    return t.val[j];
  }
}
