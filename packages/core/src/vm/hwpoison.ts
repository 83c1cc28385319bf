import { PAGE_SIZE } from '../mem/constants';
import { PAGE_MAPPING_ANON } from '../mem/mapping';
import { PG } from '../mem/page-flags';
import { MmuNotifyEvent } from './deps';
import { pteIndex } from './page-table';
import { EntryKind, KIND_MASK } from './pte';
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
