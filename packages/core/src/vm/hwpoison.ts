import { type ErrnoName, KernelError, errnoName } from '../errors';
import { PAGE_SIZE } from '../mem/constants';
import { PAGE_MAPPING_ANON } from '../mem/mapping';
import { PG } from '../mem/page-flags';
import { MmuNotifyEvent } from './deps';
import { pteIndex } from './page-table';
import { EntryKind, KIND_MASK } from './pte';
import type { MmStruct } from './mm';
import { checkAddr } from './mmap';
import type { Process } from './process';
import type { Vm } from './vm';
import { mmCounter } from './zap';

/** include/uapi/asm-generic/mman-common.h: MADV_HWPOISON, MADV_SOFT_OFFLINE. */
export const MADV_HWPOISON = 100;
export const MADV_SOFT_OFFLINE = 101;

/** The memory-failure entry points madvise_inject_error() calls (memory/memory-failure.ts). */
export interface MemoryFailureOps {
  softOfflinePage(pfn: number): number;
  memoryFailure(pfn: number): number;
}

/**
 * The vm side of memory_failure() for a mapped, in-use page (mm/memory-failure.c:
 * hwpoison_user_mappings() → try_to_unmap(TTU_HWPOISON) → try_to_unmap_one(), and
 * delete_from_lru_cache()). The page must already be an order-0 folio (memory_failure splits a
 * THP first).
 */
export class Hwpoison {
  constructor(private readonly vm: Vm) {}

  /**
   * hwpoison_user_mappings(): every PTE mapping the page becomes a hwpoison entry (a later access
   * raises SIGBUS instead of reading the page), the rss counter, mapcount and mapping reference
   * go. Returns whether the page is unmapped everywhere.
   */
  unmapUserMappings(pfn: number): boolean {
    const vm = this.vm;
    const env = vm.env;
    env.mem.checkPfn(pfn);
    const head = env.frames.compoundHead(pfn);
    if (head !== pfn || env.frames.flags[pfn] & (1 << PG.head)) return false;
    vm.rmap.rmapWalk(pfn, (mm, vma, addr) => {
      if (addr < vma.start || addr >= vma.end) return;
      const t = mm.pgtables.pteTable(addr);
      if (!t) return;
      const j = pteIndex(addr);
      if ((t.bits[j] & KIND_MASK) !== EntryKind.PRESENT || t.val[j] !== pfn) return;
      const range = env.invalidateStart(mm, addr, addr + PAGE_SIZE, MmuNotifyEvent.CLEAR);
      mm.rss[mmCounter(env, pfn)]--;
      t.bits[j] = EntryKind.HWPOISON;
      vm.rmap.removeRmap(pfn, vma, false);
      env.putFolio(pfn);
      env.invalidateEnd(mm, range);
    });
    return !vm.rmap.folioMapped(pfn);
  }

  /**
   * delete_from_lru_cache() for an anonymous page (me_pagecache_dirty → me_pagecache_clean for
   * PageAnon): off the LRU with PG_active/PG_unevictable/PG_mlocked cleared, so reclaim and
   * compaction never see it again.
   */
  deleteFromLruCache(pfn: number): void {
    const env = this.vm.env;
    const f = env.frames;
    if (!(f.mapping[pfn] & PAGE_MAPPING_ANON)) return;
    if (f.flags[pfn] & ((1 << PG.lru) | (1 << PG.mlocked))) env.lru.folioDelFromLru(pfn);
    f.flags[pfn] &= ~((1 << PG.active) | (1 << PG.unevictable));
  }
}

/**
 * mm/madvise.c: madvise_inject_error(): CAP_SYS_ADMIN only (EPERM); for each page of the range
 * get_user_pages_fast() faults it in (EFAULT if it cannot), then soft_offline_page() or
 * memory_failure() runs on its pfn; a THP advances by its whole size. The first error is
 * thrown (memory_failure's -EHWPOISON for a page already poisoned too).
 */
export function madviseInjectError(vm: Vm, p: Process, mm: MmStruct, addr: number, length: number, advice: number, mf: MemoryFailureOps | null): void {
  const name = advice === MADV_HWPOISON ? 'MADV_HWPOISON' : 'MADV_SOFT_OFFLINE';
  checkAddr(addr, 'madvise');
  if (!Number.isSafeInteger(length) || length < 0) throw new KernelError('EINVAL', `madvise: length ${length} must be a non-negative integer`);
  if (!p.cred.caps.has('CAP_SYS_ADMIN')) throw new KernelError('EPERM', `madvise(${name}) needs CAP_SYS_ADMIN`);
  if (!mf) throw new KernelError('ENOSYS', `madvise(${name}): this vm has no memory-failure handling (CONFIG_MEMORY_FAILURE); create it through createKernel()`);
  const end = addr + Math.ceil(length / PAGE_SIZE) * PAGE_SIZE;
  const f = vm.env.frames;
  for (let a = addr; a < end;) {
    vm.access.checkRange(mm, a, 1, false);
    const pfn = vm.access.resolve(mm, a, false);
    const head = f.compoundHead(pfn);
    const size = f.flags[head] & (1 << PG.head) ? (1 << f.order[head]) * PAGE_SIZE : PAGE_SIZE;
    const ret = advice === MADV_SOFT_OFFLINE ? mf.softOfflinePage(pfn) : mf.memoryFailure(pfn);
    if (ret < 0) throw new KernelError(errnoName(-ret) as ErrnoName, `madvise(${name}) of pfn ${pfn} at 0x${a.toString(16)} failed (${ret})`);
    a += size;
  }
}
