import { ContractViolation, KernelError } from '../errors';
import { PAGE_SIZE } from '../mem/constants';
import { PAGE_MAPPING_KSM } from '../mem/mapping';
import { PG, PG_anon_exclusive } from '../mem/page-flags';
import type { AnonVma } from './anon-vma';
import { MmuNotifyEvent } from './deps';
import type { VmEnv } from './env';
import type { MmStruct } from './mm';
import { pteIndex } from './page-table';
import { EntryKind, KIND_MASK, PTE_WRITE } from './pte';
import type { Rmap } from './rmap';
import type { VmArea } from './vma';

const ANON_EXCL = 1 << PG_anon_exclusive;

/** mm/ksm.c: struct ksm_rmap_item — one merged mapping: (mm, address, anon_vma). */
export interface RmapItem {
  mm: MmStruct;
  addr: number;
  anonVma: AnonVma;
}

/**
 * mm/ksm.c: struct ksm_stable_node. Registered in the mapping registry; a KSM page's mapping
 * word is `word(id, PAGE_MAPPING_KSM)`. `kpfn` is the KSM page; `items` its rmap_items.
 */
export class StableNode {
  readonly items: RmapItem[] = [];
  id = 0;
  word = 0;
  constructor(public kpfn: number) {}
}

/** A mapping KSM may merge: a present, small, anonymous page in a private anonymous VMA. */
export interface KsmTarget {
  vma: VmArea;
  addr: number;
}

/** mm/ksm.c: merging identical anonymous pages into one write-protected KSM page. */
export class Ksm {
  constructor(private readonly env: VmEnv, private readonly rmap: Rmap) {}

  /**
   * mm/ksm.c: try_to_merge_one_page() over a set of mappings: the first page becomes the KSM
   * page (write_protect_page, stable node, PAGE_MAPPING_KSM); every other page with identical
   * bytes is replaced by it read-only (replace_page) and freed. Pages that differ, or that are
   * pinned (refcount above mapcount), are left alone. Returns the number of mappings that now
   * share the KSM page (including the first); its pfn is `rmap`'s stable node kpfn.
   */
  merge(targets: readonly KsmTarget[]): { kpfn: number; merged: number } {
    const env = this.env;
    const f = env.frames;
    if (targets.length === 0) throw new KernelError('EINVAL', 'ksmMerge needs at least one address');
    const first = targets[0];
    const kpfn = this.presentPfn(first);
    let node = this.rmap.stableNode(kpfn);
    if (!node) {
      if (f.refcount[kpfn] !== this.rmap.folioMapcount(kpfn)) throw new KernelError('EBUSY', `page at 0x${first.addr.toString(16)} is pinned; KSM cannot merge it`);
      node = new StableNode(kpfn);
      node.id = env.mem.mappings.register(node);
      node.word = env.mem.mappings.word(node.id, PAGE_MAPPING_KSM);
      this.writeProtect(first, kpfn);
      f.mapping[kpfn] = node.word;
      f.flags[kpfn] &= ~ANON_EXCL;
      node.items.push({ mm: first.vma.mm, addr: first.addr, anonVma: first.vma.anonVma! });
    }
    const kbytes = env.mem.content.read(kpfn);
    let merged = 1;
    for (let k = 1; k < targets.length; k++) {
      const t = targets[k];
      const old = this.presentPfn(t);
      if (old === kpfn) { merged++; continue; }
      if (f.refcount[old] !== 1 || f.mapcount[old] !== 1 || !sameBytes(kbytes, env.mem.content.read(old))) continue;
      this.replacePage(t, old, kpfn);
      node.items.push({ mm: t.vma.mm, addr: t.addr, anonVma: t.vma.anonVma! });
      merged++;
    }
    return { kpfn, merged };
  }

  private presentPfn(t: KsmTarget): number {
    const pt = t.vma.mm.pgtables.pteTable(t.addr);
    const j = pteIndex(t.addr);
    if (!pt || (pt.bits[j] & KIND_MASK) !== EntryKind.PRESENT || this.env.isZeroPfn(pt.val[j])) {
      throw new KernelError('EINVAL', `no anonymous page is mapped at 0x${t.addr.toString(16)}; write to it before merging`);
    }
    const pfn = pt.val[j];
    if (this.env.frames.flags[pfn] & ((1 << PG.head) | (1 << PG.tail))) {
      throw new KernelError('EINVAL', `0x${t.addr.toString(16)} is part of a THP; KSM merges base pages only`);
    }
    return pfn;
  }

  /** mm/ksm.c: write_protect_page(). */
  private writeProtect(t: KsmTarget, pfn: number): void {
    const mm = t.vma.mm;
    const range = this.env.invalidateStart(mm, t.addr, t.addr + PAGE_SIZE, MmuNotifyEvent.CLEAR);
    const pt = mm.pgtables.pteTable(t.addr)!;
    pt.bits[pteIndex(t.addr)] &= ~PTE_WRITE;
    if (pt.val[pteIndex(t.addr)] !== pfn) throw new ContractViolation('VM-KSM', 'PTE changed under write_protect_page', { pfn, flags: this.env.frames.flags[pfn] });
    this.env.invalidateEnd(mm, range);
  }

  /** mm/ksm.c: replace_page(): map the KSM page read-only where `old` was, and drop `old`. */
  private replacePage(t: KsmTarget, old: number, kpfn: number): void {
    const env = this.env;
    const mm = t.vma.mm;
    const range = env.invalidateStart(mm, t.addr, t.addr + PAGE_SIZE, MmuNotifyEvent.CLEAR);
    const pt = mm.pgtables.pteTable(t.addr)!;
    const j = pteIndex(t.addr);
    env.alloc.getPage(kpfn);
    this.rmap.addAnonRmap(kpfn, t.vma, false, false);
    pt.val[j] = kpfn;
    pt.bits[j] = (pt.bits[j] & ~PTE_WRITE & ~KIND_MASK) | EntryKind.PRESENT;
    this.rmap.removeRmap(old, t.vma, false);
    env.putFolio(old);
    env.invalidateEnd(mm, range);
  }

  /**
   * Called after a KSM page lost a mapping: once it is mapped nowhere the stable node goes
   * (mm/ksm.c: remove_node_from_stable_tree) and the page is an ordinary page again.
   */
  unmapped(head: number): void {
    if (this.rmap.folioMapped(head)) return;
    const node = this.rmap.stableNode(head);
    if (!node) return;
    this.env.mem.mappings.unregister(node.id);
    this.env.frames.mapping[head] = 0;
  }

  /** mm/ksm.c: folio_migrate_ksm(): the stable node follows its page to newPfn. */
  folioMigrateKsm(newPfn: number, oldPfn: number): void {
    const node = this.rmap.stableNode(oldPfn) ?? this.rmap.stableNode(newPfn);
    if (!node || node.kpfn !== oldPfn) throw new KernelError('EINVAL', `pfn ${oldPfn} is not a KSM page`);
    node.kpfn = newPfn;
  }
}

/**
 * mm/ksm.c: rmap_walk_ksm(): every (vma, address) a KSM page may be mapped at — for each
 * rmap_item, the VMAs of its anon_vma containing the address, the item's own mm first, then
 * forked children (search_new_forks).
 */
export function ksmTargets(node: StableNode): [VmArea, number][] {
  const out: [VmArea, number][] = [];
  for (const forks of [false, true]) {
    for (const item of node.items) {
      for (const vma of item.anonVma.vmas) {
        if ((vma.mm !== item.mm) === forks && vma.contains(item.addr)) out.push([vma, item.addr]);
      }
    }
  }
  return out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
