import { PAGE_SIZE, HPAGE_PMD_NR } from '../mem/constants';
import { PG } from '../mem/page-flags';
import type { Lru } from '../lru/lru';
import type { FolioList } from '../migrate/migration';
import type { Process } from '../vm/process';
import type { Vm } from '../vm/vm';
import type { VmArea } from '../vm/vma';
import { VM_HUGETLB, VM_IO, VM_PFNMAP } from '../vm/constants';

/** include/uapi/linux/mempolicy.h: flags of mbind(), migrate_pages(), move_pages(). */
export const MPOL_MF_STRICT = 1 << 0;
export const MPOL_MF_MOVE = 1 << 1;
export const MPOL_MF_MOVE_ALL = 1 << 2;
/** mm/mempolicy.c internal: select pages NOT on the nodemask (mbind). */
export const MPOL_MF_INVERT = 1 << 5;

/** include/linux/mempolicy.h: vma_migratable(). */
export function vmaMigratable(vma: VmArea): boolean {
  return !(vma.flags & (VM_IO | VM_PFNMAP | VM_HUGETLB));
}

/**
 * mm/mempolicy.c: queue_pages_range() + migrate_folio_add(): isolate every folio mapped in
 * [start, end) whose node is (or with MPOL_MF_INVERT, is not) in `nodes`. Shared folios are only
 * taken with MPOL_MF_MOVE_ALL; a THP is taken once, whole. Returns how many folios could not be
 * isolated (MPOL_MF_STRICT callers fail with -EIO on that).
 */
export function queuePagesRange(vm: Vm, lru: Lru, p: Process, start: number, end: number, nodes: ReadonlySet<number>, flags: number, list: FolioList): number {
  const mm = vm.check(p);
  const f = vm.env.mem.frames;
  const seen = new Set<number>();
  let notIsolated = 0;
  for (const vma of mm.vmasIn(start, end)) {
    if (!vmaMigratable(vma)) continue;
    const from = Math.max(start, vma.start);
    const to = Math.min(end, vma.end);
    for (let addr = from; addr < to; ) {
      const r = vm.followPage(p, addr);
      addr += r.huge ? HPAGE_PMD_NR * PAGE_SIZE - (addr % (HPAGE_PMD_NR * PAGE_SIZE)) : PAGE_SIZE;
      if (r.kind !== 'present' || r.pfn < 0 || vm.env.isZeroPfn(r.pfn) || f.testFlag(r.pfn, PG.reserved)) continue;
      const head = f.compoundHead(r.pfn);
      if (seen.has(head)) continue;
      seen.add(head);
      const nid = vm.env.mem.pageZone(head).nid;
      if (nodes.has(nid) === !!(flags & MPOL_MF_INVERT)) continue;
      if (!(flags & MPOL_MF_MOVE_ALL) && vm.folioMapcount(head) !== 1) continue;
      if (lru.isolateLruPage(head) === 0) list.add(head);
      else notIsolated++;
    }
  }
  return notIsolated;
}
