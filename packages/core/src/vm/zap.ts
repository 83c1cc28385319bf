import { PAGE_SIZE } from '../mem/constants';
import { PAGE_MAPPING_ANON, PAGE_MAPPING_FLAGS, PAGE_MAPPING_KSM } from '../mem/mapping';
import { MM_ANONPAGES, MM_FILEPAGES, MM_SHMEMPAGES, MM_SWAPENTS, PMD_SIZE, VM_HUGETLB } from './constants';
import type { VmEnv } from './env';
import type { AddressSpace } from './filemap';
import type { HugeMemory } from './huge-memory';
import type { Ksm } from './ksm';
import { pmdIndex, pteIndex } from './page-table';
import { EntryKind, KIND_MASK, PTE_DIRTY, PTE_SPECIAL } from './pte';
import type { Filemap } from './filemap';
import type { Rmap } from './rmap';
import type { SwapSpace } from './swapfile';
import type { VmArea } from './vma';

/** Which rss counter a page's mapping counts in (mm.h: mm_counter()). */
export function mmCounter(env: VmEnv, head: number): number {
  const mapping = env.frames.mapping[head];
  if (mapping & PAGE_MAPPING_ANON) return MM_ANONPAGES;
  const as = env.mem.mappings.resolve<AddressSpace>(mapping);
  return as && as.shmem ? MM_SHMEMPAGES : MM_FILEPAGES;
}

/**
 * mm/memory.c: unmap_page_range() → zap_pmd_range() → zap_pte_range(): clear every entry in
 * [start, end) of one VMA, dropping rmap, references and rss. A huge PMD only partly inside the
 * range is split first (__split_huge_pmd). The caller brackets it with the notifier range.
 */
export class Zap {
  /** unmap_single_vma(): VM_HUGETLB VMAs go to __unmap_hugepage_range (hugetlb/hugetlb-fault.ts). */
  hugetlb: { unmapHugepageRange(vma: VmArea, start: number, end: number): void } | null = null;

  constructor(
    private readonly env: VmEnv,
    private readonly rmap: Rmap,
    private readonly thp: HugeMemory,
    private readonly filemap: Filemap,
    private readonly ksm: Ksm,
    private readonly swap: SwapSpace,
  ) {}

  zapRange(vma: VmArea, start: number, end: number): void {
    if (vma.flags & VM_HUGETLB && this.hugetlb) return this.hugetlb.unmapHugepageRange(vma, start, end);
    const pt = vma.mm.pgtables;
    for (let a = start; a < end;) {
      const next = Math.min(end, (Math.floor(a / PMD_SIZE) + 1) * PMD_SIZE);
      const pmdt = pt.pmdTable(a);
      if (!pmdt) { a = next; continue; }
      const i = pmdIndex(a);
      const kind = pmdt.bits[i] & KIND_MASK;
      if (kind !== EntryKind.NONE && kind !== EntryKind.TABLE) {
        if (next - a === PMD_SIZE) {
          this.thp.zapHugePmd(vma, a);
          a = next;
          continue;
        }
        this.thp.splitHugePmd(vma, a);
      }
      const t = pmdt.ptes[i];
      if (t) {
        for (; a < next; a += PAGE_SIZE) {
          const j = pteIndex(a);
          const bits = t.bits[j];
          if (bits === 0) continue;
          this.zapPte(vma, a, bits, t.val[j]);
          t.bits[j] = 0;
          t.val[j] = 0;
        }
      }
      a = next;
    }
  }

  /** One entry of zap_pte_range(). */
  private zapPte(vma: VmArea, _addr: number, bits: number, val: number): void {
    const env = this.env;
    const kind = bits & KIND_MASK;
    const mm = vma.mm;
    if (kind === EntryKind.PRESENT) {
      if (bits & PTE_SPECIAL) return;
      const head = env.frames.compoundHead(val);
      mm.rss[mmCounter(env, head)]--;
      if ((bits & PTE_DIRTY) && !(env.frames.mapping[head] & PAGE_MAPPING_ANON)) this.filemap.folioMarkDirty(head);
      this.rmap.removeRmap(val, vma, false);
      if ((env.frames.mapping[head] & PAGE_MAPPING_FLAGS) === PAGE_MAPPING_KSM) this.ksm.unmapped(head);
      env.putFolio(head);
      return;
    }
    if (kind === EntryKind.DEVICE_PRIVATE_READ || kind === EntryKind.DEVICE_PRIVATE_WRITE || kind === EntryKind.DEVICE_EXCLUSIVE) {
      const head = env.frames.compoundHead(val);
      mm.rss[mmCounter(env, head)]--;
      this.rmap.removeRmap(val, vma, false);
      env.putFolio(head);
      return;
    }
    if (kind >= EntryKind.MIGRATION_READ && kind <= EntryKind.MIGRATION_WRITE) {
      mm.rss[mmCounter(env, env.frames.compoundHead(val))]--;
      return;
    }
    if (kind === EntryKind.SWAP) {
      // zap_pte_range(): free_swap_and_cache(entry) for a swap PTE.
      mm.rss[MM_SWAPENTS]--;
      this.swap.swapFree(val);
    }
  }
}
