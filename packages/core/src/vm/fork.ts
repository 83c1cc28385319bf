import { PAGE_MAPPING_ANON } from '../mem/mapping';
import { PG_anon_exclusive } from '../mem/page-flags';
import type { AnonVmas } from './anon-vma';
import { MM_SWAPENTS, PMD_SIZE, VM_DONTCOPY, VM_LOCKED_MASK, VM_MAYWRITE, VM_SHARED, VM_WIPEONFORK } from './constants';
import { MmuNotifyEvent } from './deps';
import type { VmEnv } from './env';
import type { HugeMemory } from './huge-memory';
import type { MmStruct } from './mm';
import { pmdIndex, type PteTable } from './page-table';
import { EntryKind, KIND_MASK, PTE_DIRTY, PTE_SPECIAL, PTE_WRITE, PTE_YOUNG, isMigrationKind } from './pte';
import type { Rmap } from './rmap';
import type { SwapSpace } from './swapfile';
import { mmCounter } from './zap';
import { VmArea } from './vma';

const ANON_EXCL = 1 << PG_anon_exclusive;

/** kernel/fork.c: dup_mmap() and mm/memory.c: copy_page_range(). */
export class Fork {
  constructor(
    private readonly env: VmEnv,
    private readonly rmap: Rmap,
    private readonly anonVmas: AnonVmas,
    private readonly thp: HugeMemory,
    private readonly swap: SwapSpace,
  ) {}

  /**
   * kernel/fork.c: dup_mmap(): every VMA but VM_DONTCOPY is copied without VM_LOCKED (mlock is
   * not inherited); file VMAs join i_mmap right after the parent's; anon_vma_fork links the
   * child; page tables are copied for VMAs with an anon_vma (file-only VMAs refault).
   */
  dupMmap(parent: MmStruct, child: MmStruct): void {
    for (const src of parent.vmas) {
      if (src.flags & VM_DONTCOPY) continue;
      const dst = new VmArea(child, src.start, src.end, src.flags & ~VM_LOCKED_MASK, src.pgoff, src.file);
      child.vmas.push(dst);
      if (src.file) {
        src.file.iMmap.splice(src.file.iMmap.indexOf(src) + 1, 0, dst);
        src.file.users++;
      }
      if (src.flags & VM_WIPEONFORK) continue;
      this.anonVmas.fork(dst, src);
      if (src.anonVma) this.copyPageRange(dst, src);
    }
  }

  /**
   * mm/memory.c: copy_page_range(): private (COW) mappings get every writable entry
   * write-protected in parent and child (MMU_NOTIFY_PROTECTION_PAGE on the parent); anonymous
   * pages lose PG_anon_exclusive and gain a mapcount and a reference (page_try_dup_anon_rmap);
   * writable or exclusive migration entries become read entries in both.
   */
  private copyPageRange(dst: VmArea, src: VmArea): void {
    const env = this.env;
    const cow = (src.flags & (VM_SHARED | VM_MAYWRITE)) === VM_MAYWRITE;
    const range = cow ? env.invalidateStart(src.mm, src.start, src.end, MmuNotifyEvent.PROTECTION_PAGE) : null;
    for (let a = src.start; a < src.end;) {
      const next = Math.min(src.end, (Math.floor(a / PMD_SIZE) + 1) * PMD_SIZE);
      const spmd = src.mm.pgtables.pmdTable(a);
      const i = pmdIndex(a);
      const kind = spmd ? spmd.bits[i] & KIND_MASK : EntryKind.NONE;
      if (spmd && kind !== EntryKind.NONE && kind !== EntryKind.TABLE) {
        this.thp.copyHugePmd(dst, src, a, dst.mm.pgtables.pmdAlloc(a), spmd);
      } else if (spmd && spmd.ptes[i]) {
        const st = spmd.ptes[i]!;
        const dt = dst.mm.pgtables.pteAlloc(a);
        const j0 = Math.floor(a / 4096) & 511;
        const n = (next - a) / 4096;
        for (let j = j0; j < j0 + n; j++) if (st.bits[j]) this.copyPte(dst, st, dt, j, cow);
      }
      a = next;
    }
    if (range) env.invalidateEnd(src.mm, range);
  }

  /** mm/memory.c: copy_present_pte() / copy_nonpresent_pte() for one entry. */
  private copyPte(dst: VmArea, st: PteTable, dt: PteTable, j: number, cow: boolean): void {
    const env = this.env;
    const f = env.frames;
    let bits = st.bits[j];
    const pfn = st.val[j];
    const kind = bits & KIND_MASK;
    if (kind === EntryKind.PRESENT && !(bits & PTE_SPECIAL)) {
      const head = f.compoundHead(pfn);
      env.alloc.getPage(head);
      if (f.mapping[head] & PAGE_MAPPING_ANON) {
        f.flags[pfn] &= ~ANON_EXCL;
        this.rmap.addAnonRmap(pfn, dst, false, false);
      } else {
        this.rmap.addFileRmap(pfn, dst, false);
      }
      if (cow && bits & PTE_WRITE) {
        bits &= ~PTE_WRITE;
        st.bits[j] = bits;
      }
      dst.mm.rss[mmCounter(env, head)]++;
      bits &= ~PTE_YOUNG;
      if (dst.flags & VM_SHARED) bits &= ~PTE_DIRTY;
    } else if (isMigrationKind(kind)) {
      if (cow && kind !== EntryKind.MIGRATION_READ) {
        bits = (bits & ~KIND_MASK) | EntryKind.MIGRATION_READ;
        st.bits[j] = bits;
      }
      dst.mm.rss[mmCounter(env, f.compoundHead(pfn))]++;
    } else if (kind === EntryKind.DEVICE_PRIVATE_READ || kind === EntryKind.DEVICE_PRIVATE_WRITE) {
      const head = f.compoundHead(pfn);
      env.alloc.getPage(head);
      this.rmap.addAnonRmap(pfn, dst, false, false);
      if (cow && kind === EntryKind.DEVICE_PRIVATE_WRITE) {
        bits = (bits & ~KIND_MASK) | EntryKind.DEVICE_PRIVATE_READ;
        st.bits[j] = bits;
      }
      dst.mm.rss[mmCounter(env, head)]++;
    } else if (kind === EntryKind.SWAP) {
      // copy_nonpresent_pte(): swap_duplicate() for the child's copy of a swap PTE.
      this.swap.swapDuplicate(pfn);
      dst.mm.rss[MM_SWAPENTS]++;
    }
    dt.val[j] = pfn;
    dt.bits[j] = bits;
  }
}
