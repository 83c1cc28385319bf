import { PAGE_SIZE } from '../mem/constants';
import { PAGE_MAPPING_ANON, PAGE_MAPPING_FLAGS } from '../mem/mapping';
import { PG_anon_exclusive } from '../mem/page-flags';
import { PMD_SIZE } from './constants';
import { FOLL_LONGTERM, FOLL_PIN, FOLL_WRITE } from './gup-flags';
import { folioIsLongtermPinnable } from './gup-longterm';
import type { MmStruct } from './mm';
import { pmdIndex, pteIndex } from './page-table';
import { EntryKind, KIND_MASK, PTE_SPECIAL, PTE_WRITE } from './pte';
import type { Vm } from './vm';

const ANON_EXCL = 1 << PG_anon_exclusive;

/**
 * mm/gup.c: gup_must_unshare() as GUP-fast sees it (no VMA): a read-only FOLL_PIN of an
 * anonymous page that is not PG_anon_exclusive must go through the slow path (unshare fault).
 */
function mustUnshare(vm: Vm, pfn: number, flags: number): boolean {
  if ((flags & (FOLL_PIN | FOLL_WRITE)) !== FOLL_PIN) return false;
  const f = vm.env.frames;
  const head = f.compoundHead(pfn);
  return (f.mapping[head] & PAGE_MAPPING_FLAGS) === PAGE_MAPPING_ANON && !(f.flags[pfn] & ANON_EXCL);
}

/**
 * mm/gup.c: lockless_pages_from_mm() → gup_pmd_range() / gup_huge_pmd() / gup_pte_range().
 * Only present, non-special entries with enough permission are used: a none entry, a PTE or PMD
 * migration entry, a device or hwpoison entry, the zero pages, or a read-only entry for a write
 * stop the walk. A page is grabbed first (try_grab_folio), then the entry is read again and the
 * grab undone if it changed (the check that makes GUP-fast safe against a concurrent
 * unmap/migration), and undone too when FOLL_LONGTERM meets an unpinnable folio or a read-only
 * pin meets a shared anonymous page. Returns how many pages were taken; their pfns go on `pages`.
 */
export function gupFast(vm: Vm, mm: MmStruct, start: number, nrPages: number, flags: number, pages: number[]): number {
  const pin = (flags & FOLL_PIN) !== 0;
  const write = (flags & FOLL_WRITE) !== 0;
  const end = start + nrPages * PAGE_SIZE;
  let nr = 0;
  for (let a = start; a < end;) {
    const pmdt = mm.pgtables.pmdTable(a);
    if (!pmdt) break;
    const i = pmdIndex(a);
    const pb = pmdt.bits[i];
    const pk = pb & KIND_MASK;
    if (pk === EntryKind.PRESENT) {
      // gup_huge_pmd(): all the pages of the range inside this huge PMD at once.
      if (pb & PTE_SPECIAL || (write && !(pb & PTE_WRITE))) break;
      const head = pmdt.val[i];
      const first = head + Math.floor((a % PMD_SIZE) / PAGE_SIZE);
      const pmdEnd = Math.min(end, (Math.floor(a / PMD_SIZE) + 1) * PMD_SIZE);
      const refs = (pmdEnd - a) / PAGE_SIZE;
      if (!vm.pins.grab(head, refs, pin)) break;
      if (pmdt.bits[i] !== pb || pmdt.val[i] !== head || (flags & FOLL_LONGTERM && !folioIsLongtermPinnable(vm.env, head)) || (!(pb & PTE_WRITE) && mustUnshare(vm, first, flags))) {
        vm.pins.put(head, refs, pin);
        break;
      }
      for (let k = 0; k < refs; k++) pages.push(first + k);
      nr += refs;
      a = pmdEnd;
      continue;
    }
    // pmd_none / !pmd_present (PMD migration entry) / no table: give up.
    if (pk !== EntryKind.TABLE) break;
    const t = pmdt.ptes[i];
    if (!t) break;
    const j = pteIndex(a);
    const b = t.bits[j];
    if ((b & KIND_MASK) !== EntryKind.PRESENT || b & PTE_SPECIAL || (write && !(b & PTE_WRITE))) break;
    const pfn = t.val[j];
    if (!vm.pins.grab(pfn, 1, pin)) break;
    if (t.bits[j] !== b || t.val[j] !== pfn || (flags & FOLL_LONGTERM && !folioIsLongtermPinnable(vm.env, pfn)) || (!(b & PTE_WRITE) && mustUnshare(vm, pfn, flags))) {
      vm.pins.put(pfn, 1, pin);
      break;
    }
    pages.push(pfn);
    nr++;
    a += PAGE_SIZE;
  }
  return nr;
}
