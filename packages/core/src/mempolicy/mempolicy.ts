import { Errno, KernelError } from '../errors';
import { PAGE_SIZE } from '../mem/constants';
import type { Lru } from '../lru/lru';
import { MigrateMode, MigrateReason } from '../migrate/migrate-mode';
import type { Migration } from '../migrate/migration';
import type { Process } from '../vm/process';
import type { Vm } from '../vm/vm';
import type { VmArea } from '../vm/vma';
import type { VmPolicyLookup } from '../vm/env';
import { GFP_HIGHUSER_MOVABLE, __GFP_THISNODE } from '../zone/gfp';
import { ptraceMayAccess } from './move-pages';
import { MPOL_MF_INVERT, MPOL_MF_MOVE, MPOL_MF_MOVE_ALL, MPOL_MF_STRICT, queuePagesRange } from './page-queue';

/** include/uapi/linux/mempolicy.h: policy modes. */
export const enum MpolMode {
  DEFAULT = 0,
  PREFERRED = 1,
  BIND = 2,
  INTERLEAVE = 3,
  LOCAL = 4,
  PREFERRED_MANY = 5,
}

/** A memory policy over a range of an address space (struct mempolicy, mode + nodes). */
export interface MemPolicy {
  mode: MpolMode;
  nodes: number[];
}

/**
 * NUMA memory policies and the migrations they ask for (mm/mempolicy.c: do_mbind,
 * kernel_migrate_pages, do_migrate_pages, migrate_to_node).
 *
 * A policy set by mbind() places every page later faulted in its range (vma_alloc_folio:
 * MPOL_BIND and MPOL_PREFERRED_MANY restrict the nodes, MPOL_PREFERRED prefers one,
 * MPOL_INTERLEAVE spreads by page offset); DEFAULT and LOCAL use the faulting CPU's node.
 */
export class MemPolicies implements VmPolicyLookup {
  private readonly policies = new WeakMap<VmArea, { start: number; end: number; policy: MemPolicy }[]>();

  constructor(private readonly vm: Vm, private readonly lru: Lru, private readonly migration: Migration) {
    vm.env.policy = this;
  }

  /**
   * policy_node() / policy_nodemask() / interleave_nid(): where a page of `vma` at `addr` goes,
   * or null for the local node.
   */
  placement(vma: VmArea, addr: number): { nid: number; nodemask?: readonly number[] } | null {
    const ranges = this.policies.get(vma);
    if (!ranges) return null;
    for (let i = ranges.length - 1; i >= 0; i--) {
      const r = ranges[i]!;
      if (addr < r.start || addr >= r.end) continue;
      const { mode, nodes } = r.policy;
      const local = this.vm.env.mem.cpuNode(this.vm.env.current.cpu);
      switch (mode) {
        case MpolMode.BIND:
          return { nid: nodes.includes(local) ? local : nodes[0]!, nodemask: nodes };
        case MpolMode.PREFERRED_MANY:
          return { nid: nodes.includes(local) ? local : nodes[0]!, nodemask: nodes };
        case MpolMode.PREFERRED:
          return { nid: nodes[0]! };
        case MpolMode.INTERLEAVE: {
          const off = vma.pgoff + (addr - vma.start) / PAGE_SIZE;
          return { nid: nodes[off % nodes.length]!, nodemask: nodes };
        }
        default:
          return null;
      }
    }
    return null;
  }

  private checkNodes(nodes: readonly number[], what: string): Set<number> {
    const n = this.vm.env.mem.nodes.length;
    for (const node of nodes) {
      if (!Number.isInteger(node) || node < 0 || node >= n) throw new KernelError('EINVAL', `${what}: node ${node} is not a memory node of this machine (0..${n - 1})`);
    }
    return new Set(nodes);
  }

  /**
   * mbind(2): set `policy` on [start, start+len) of `p` and, with MPOL_MF_MOVE(_ALL), migrate the
   * pages that sit on nodes outside the policy (MR_MEMPOLICY_MBIND). Returns 0, -EIO when
   * MPOL_MF_STRICT and some page could not be moved, or -EINVAL / -EPERM.
   */
  mbind(p: Process, start: number, len: number, policy: MemPolicy, flags: number): number {
    if (start % PAGE_SIZE || len < 0) return -Errno.EINVAL;
    if (flags & ~(MPOL_MF_STRICT | MPOL_MF_MOVE | MPOL_MF_MOVE_ALL)) return -Errno.EINVAL;
    if (flags & MPOL_MF_MOVE_ALL && !p.cred.caps.has('CAP_SYS_NICE')) return -Errno.EPERM;
    if (policy.mode < MpolMode.DEFAULT || policy.mode > MpolMode.PREFERRED_MANY) return -Errno.EINVAL;
    const nodes = this.checkNodes(policy.nodes, 'mbind');
    if ((policy.mode === MpolMode.BIND || policy.mode === MpolMode.INTERLEAVE || policy.mode === MpolMode.PREFERRED) && nodes.size === 0) return -Errno.EINVAL;
    const end = start + Math.ceil(len / PAGE_SIZE) * PAGE_SIZE;
    const mm = this.vm.check(p);
    const vmas = mm.vmasIn(start, end);
    // The whole range must be mapped (mbind fails with -EFAULT on holes).
    let cursor = start;
    for (const vma of vmas) {
      if (vma.start > cursor) return -Errno.EFAULT;
      cursor = vma.end;
    }
    if (cursor < end) return -Errno.EFAULT;
    for (const vma of vmas) {
      const list = this.policies.get(vma) ?? [];
      list.push({ start: Math.max(start, vma.start), end: Math.min(end, vma.end), policy: { mode: policy.mode, nodes: [...policy.nodes] } });
      this.policies.set(vma, list);
    }
    if (!(flags & (MPOL_MF_MOVE | MPOL_MF_MOVE_ALL)) || policy.mode === MpolMode.DEFAULT || policy.mode === MpolMode.LOCAL) return 0;
    // do_mbind(): pages still in per-cpu LRU batches cannot be isolated.
    this.lru.lruAddDrainAll();
    const list = this.migration.newList();
    const failedIsolation = queuePagesRange(this.vm, this.lru, p, start, end, nodes, flags | MPOL_MF_INVERT, list);
    let nrFailed = failedIsolation;
    if (!list.isEmpty) {
      const order = [...nodes];
      let next = 0;
      // alloc_migration_target_by_mpol(): interleave round-robins, the others use the first node.
      const target = (src: number): number => {
        const nid = policy.mode === MpolMode.INTERLEAVE ? order[next++ % order.length]! : order[0]!;
        return this.migration.targetAllocator({ nid, nodemask: order, gfpMask: GFP_HIGHUSER_MOVABLE })(src);
      };
      const res = this.migration.migratePages(list, target, undefined, MigrateMode.SYNC, MigrateReason.MR_MEMPOLICY_MBIND);
      if (res.ret) this.migration.putbackMovablePages(list);
      nrFailed += res.ret > 0 ? res.ret : 0;
    }
    list.release();
    return flags & MPOL_MF_STRICT && nrFailed ? -Errno.EIO : 0;
  }

  /** get_mempolicy(MPOL_F_ADDR): the policy recorded for `addr`, or DEFAULT. */
  getPolicy(p: Process, addr: number): MemPolicy {
    const vma = this.vm.check(p).vmaLookup(addr);
    const ranges = vma ? this.policies.get(vma) : undefined;
    for (let i = (ranges?.length ?? 0) - 1; i >= 0; i--) {
      const r = ranges![i]!;
      if (addr >= r.start && addr < r.end) return { mode: r.policy.mode, nodes: [...r.policy.nodes] };
    }
    return { mode: MpolMode.DEFAULT, nodes: [] };
  }

  /**
   * migrate_pages(2): move every page of `target` from the nodes in `from` to the nodes in `to`
   * (mapped by position, as do_migrate_pages does). Without CAP_SYS_NICE only pages mapped once
   * move, and `to` must be nodes the caller may use. Returns the number of pages not migrated or
   * a negative errno.
   */
  migratePages(caller: Process, target: Process, from: readonly number[], to: readonly number[]): number {
    if (!ptraceMayAccess(caller, target)) return -Errno.EPERM;
    this.checkNodes(from, 'migrate_pages old_nodes');
    this.checkNodes(to, 'migrate_pages new_nodes');
    const flags = caller.cred.caps.has('CAP_SYS_NICE') ? MPOL_MF_MOVE_ALL : MPOL_MF_MOVE;
    let busy = 0;
    this.lru.lruAddDrainAll();
    // do_migrate_pages(): pair each source with the node at the same position of `to`; when a
    // destination is also a pending source, do the pair whose destination is not first.
    const pending = new Map<number, number>();
    from.forEach((s, i) => pending.set(s, to[i % to.length]!));
    while (pending.size) {
      let pick: [number, number] | undefined;
      for (const [s, d] of pending) {
        if (s === d) continue;
        if (!pending.has(d) || pending.get(d) === d) {
          pick = [s, d];
          break;
        }
        pick ??= [s, d];
      }
      if (!pick) break;
      pending.delete(pick[0]);
      busy += this.migrateToNode(target, pick[0], pick[1], flags);
    }
    return busy;
  }

  /** migrate_to_node(): everything of the mm on `source` to `dest`; returns pages not migrated. */
  private migrateToNode(p: Process, source: number, dest: number, flags: number): number {
    const list = this.migration.newList();
    const notIsolated = queuePagesRange(this.vm, this.lru, p, 0, Number.MAX_SAFE_INTEGER, new Set([source]), flags, list);
    let failed = notIsolated;
    if (!list.isEmpty) {
      const mtc = { nid: dest, gfpMask: GFP_HIGHUSER_MOVABLE | __GFP_THISNODE };
      const res = this.migration.migratePagesToTarget(list, mtc, MigrateMode.SYNC, MigrateReason.MR_SYSCALL);
      if (res.ret) this.migration.putbackMovablePages(list);
      failed += res.ret > 0 ? res.ret : 0;
    }
    list.release();
    return failed;
  }
}
