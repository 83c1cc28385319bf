import { Errno, KernelError } from '../errors';
import { PG } from '../mem/page-flags';
import type { Lru } from '../lru/lru';
import { MigrateMode, MigrateReason } from '../migrate/migrate-mode';
import type { FolioList, Migration } from '../migrate/migration';
import type { MmStruct } from '../vm/mm';
import type { Process } from '../vm/process';
import { EntryKind } from '../vm/pte';
import type { Vm } from '../vm/vm';
import * as gfpModule from '../zone/gfp';
import * as constantsModule from '../vm/constants';
import { vmaMigratable } from './page-queue';
import * as pageQueueModule from './page-queue';

// Imported numeric constants as module-level consts, which V8 folds into the code; an imported
// binding is a load from the exporting module at every use (see page-flags.ts).
const { GFP_HIGHUSER_MOVABLE, __GFP_THISNODE } = gfpModule;
const { VM_HUGETLB } = constantsModule;
const { MPOL_MF_MOVE, MPOL_MF_MOVE_ALL } = pageQueueModule;

/** mm/migrate.c: DO_PAGES_STAT_CHUNK_NR */
export const DO_PAGES_STAT_CHUNK_NR = 16;

/**
 * kernel/ptrace.c: ptrace_may_access(task, PTRACE_MODE_READ_REALCREDS), as move_pages() and
 * migrate_pages() use it: the same task, the same uid, or CAP_SYS_PTRACE.
 */
export function ptraceMayAccess(caller: Process, target: Process): boolean {
  return caller === target || caller.cred.uid === target.cred.uid || caller.cred.caps.has('CAP_SYS_PTRACE');
}

/**
 * move_pages(2) (mm/migrate.c: kernel_move_pages, do_pages_move, add_page_for_migration,
 * do_move_pages_to_node, do_pages_stat).
 */
export class MovePages {
  constructor(private readonly vm: Vm, private readonly lru: Lru, private readonly migration: Migration) {}

  /**
   * Moves the pages at `pages` (addresses in `target`) to `nodes`, or with `nodes === null`
   * reports where they are. `status[i]` receives the node or a negative errno per page. Returns
   * 0, the number of pages not migrated, or a negative errno for the call (-EPERM, -EINVAL,
   * -ENODEV, -EACCES). As in the kernel, the status of pages that were queued but failed to
   * migrate is left unchanged.
   */
  movePages(caller: Process, target: Process, pages: readonly number[], nodes: readonly number[] | null, status: Int32Array, flags = MPOL_MF_MOVE): number {
    if (flags & ~(MPOL_MF_MOVE | MPOL_MF_MOVE_ALL)) return -Errno.EINVAL;
    if (flags & MPOL_MF_MOVE_ALL && !caller.cred.caps.has('CAP_SYS_NICE')) return -Errno.EPERM;
    if (!ptraceMayAccess(caller, target)) return -Errno.EPERM;
    if (status.length < pages.length || (nodes && nodes.length < pages.length)) {
      throw new KernelError('EFAULT', `move_pages: status${nodes ? ' and nodes' : ''} must hold one entry per page (${pages.length})`);
    }
    if (!nodes) {
      this.doPagesStat(target, pages, status);
      return 0;
    }
    return this.doPagesMove(target, pages, nodes, status, flags);
  }

  /** do_pages_stat(): the node of every page, in chunks of DO_PAGES_STAT_CHUNK_NR. */
  private doPagesStat(p: Process, pages: readonly number[], status: Int32Array): void {
    const mm = this.vm.check(p);
    for (let i = 0; i < pages.length; i++) {
      const r = this.lookup(mm, pages[i]!);
      status[i] = r < 0 ? r : this.vm.env.mem.pageZone(r).nid;
    }
  }

  /** follow_page(FOLL_GET | FOLL_DUMP): the pfn, or -EFAULT / -ENOENT. */
  private lookup(mm: MmStruct, addr: number): number {
    const vma = mm.vmaLookup(addr);
    // vma_migratable(): 2 MiB hugetlb VMAs migrate (hugepage_migration_supported).
    if (!vma || (!vmaMigratable(vma) && !(vma.flags & VM_HUGETLB))) return -Errno.EFAULT;
    const access = this.vm.access;
    const kind = access.followEntry(mm, addr);
    const pfn = access.followedPfn;
    if (kind === EntryKind.PRESENT && pfn >= 0) {
      // Special pages such as the zero page are never dumped or moved.
      if (this.vm.env.isZeroPfn(pfn) || this.vm.env.mem.frames.testFlag(pfn, PG.reserved)) return -Errno.EFAULT;
      return pfn;
    }
    if (kind === EntryKind.NONE) return vma.isAnonymous ? -Errno.EFAULT : -Errno.ENOENT;
    // Device-private, device-exclusive, migration, swap and poison entries: no page to report.
    return -Errno.ENOENT;
  }

  /** do_pages_move() */
  private doPagesMove(p: Process, pages: readonly number[], nodes: readonly number[], status: Int32Array, flags: number): number {
    const mem = this.vm.env.mem;
    const mm = this.vm.check(p);
    const list = this.migration.newList();
    let currentNode = -1;
    let start = 0;
    let i = 0;
    let err = 0;
    this.lru.lruCacheDisable();
    try {
      flush: {
        for (i = start = 0; i < pages.length; i++) {
          const node = nodes[i]!;
          err = -Errno.ENODEV;
          if (!Number.isInteger(node) || node < 0 || node >= mem.nodes.length) break flush;
          if (currentNode === -1) {
            currentNode = node;
            start = i;
          } else if (node !== currentNode) {
            err = this.moveAndStore(list, currentNode, status, start, i, pages.length);
            if (err) return err;
            start = i;
            currentNode = node;
          }
          err = this.addPageForMigration(mm, pages[i]!, currentNode, list, (flags & MPOL_MF_MOVE_ALL) !== 0);
          if (err > 0) continue;
          status[i] = err || currentNode;
          err = this.moveAndStore(list, currentNode, status, start, i, pages.length);
          if (err) return err > 0 ? err - 1 : err;
          currentNode = -1;
        }
        err = 0;
      }
      const err1 = this.moveAndStore(list, currentNode, status, start, i, pages.length);
      return err >= 0 ? err1 : err;
    } finally {
      this.lru.lruCacheEnable();
      if (!list.isEmpty) this.migration.putbackMovablePages(list);
      list.release();
    }
  }

  /**
   * add_page_for_migration(): 1 when queued, 0 when already on `node`, or -EFAULT, -ENOENT,
   * -EACCES (shared page without MPOL_MF_MOVE_ALL), -EBUSY (could not isolate).
   */
  private addPageForMigration(mm: MmStruct, addr: number, node: number, list: FolioList, migrateAll: boolean): number {
    const pfn = this.lookup(mm, addr);
    if (pfn < 0) return pfn;
    const mem = this.vm.env.mem;
    const head = mem.frames.compoundHead(pfn);
    if (mem.pageZone(head).nid === node) return 0;
    if (this.vm.folioMapcount(head) > 1 && !migrateAll) return -Errno.EACCES;
    const hugetlb = this.migration.env.hugetlb;
    if (hugetlb?.isHugetlb(head)) {
      // PageHuge: only the head page's address queues the folio (isolate_hugetlb).
      if (pfn !== head) return -Errno.EACCES;
      return hugetlb.isolate(head, (h) => list.add(h)) ? 1 : -Errno.EBUSY;
    }
    if (this.lru.isolateLruPage(head) !== 0) return -Errno.EBUSY;
    list.add(head);
    return 1;
  }

  /** move_pages_and_store_status() + do_move_pages_to_node() */
  private moveAndStore(list: FolioList, node: number, status: Int32Array, start: number, i: number, nrPages: number): number {
    if (list.isEmpty) return 0;
    const mtc = { nid: node, gfpMask: GFP_HIGHUSER_MOVABLE | __GFP_THISNODE };
    let err = this.migration.migratePagesToTarget(list, mtc, MigrateMode.SYNC, MigrateReason.MR_SYSCALL).ret;
    if (err) {
      this.migration.putbackMovablePages(list);
      // The pages not attempted count as not migrated too.
      if (err > 0) err += nrPages - i;
      return err;
    }
    for (let j = start; j < i; j++) status[j] = node;
    return 0;
  }
}
