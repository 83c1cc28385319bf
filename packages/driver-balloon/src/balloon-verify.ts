import { PG_isolated, PageType } from '@mmsim/core';
import type { BalloonDeps } from './balloon-deps';
import type { VirtioBalloon } from './virtio-balloon';

/**
 * The balloon's integrity check (kernel.md §4.2 "driver-balloon", F52–F58), run by tests after
 * every step. Throws an Error naming the first broken rule:
 *  - `|pages list| + isolated_pages == num_pages`, and the isolated count matches the pages;
 *  - every list page is PageOffline, movable with balloon_mops, private = the device, referenced
 *    and not PG_isolated; every isolated page is PG_isolated and holds the core's extra reference;
 *  - the host never holds a pfn the guest may use: host ⊆ list ∪ isolated ∪ deflates in flight;
 *    once both virtqueues are drained the host's set equals the guest's balloon exactly;
 *  - without DEFLATE_ON_OOM, each zone's managed pages were lowered by exactly the balloon pages
 *    (and not yet released deflated pages) it holds.
 */
export function verifyBalloon(deps: BalloonDeps, vb: VirtioBalloon): void {
  const { mem, movable, entry } = deps;
  const f = mem.frames;
  const b = vb.bDevInfo;
  const fail = (what: string): never => {
    throw new Error(`balloon: ${what}`);
  };
  const hex = (pfn: number) => `0x${pfn.toString(16)}`;
  const list = b.listPfns();
  if (b.isolatedPages !== b.isolated.size) fail(`isolated_pages is ${b.isolatedPages} but ${b.isolated.size} pages are isolated`);
  if (list.length + b.isolatedPages !== vb.numPages) fail(`list (${list.length}) + isolated_pages (${b.isolatedPages}) != num_pages (${vb.numPages})`);
  const owned = new Set<number>();
  for (const pfn of list) {
    if (owned.has(pfn)) fail(`page ${hex(pfn)} is twice on the balloon list`);
    owned.add(pfn);
    if (b.isolated.has(pfn)) fail(`page ${hex(pfn)} is both on the list and isolated`);
    if (f.testFlag(pfn, PG_isolated)) fail(`page ${hex(pfn)} on the list is PG_isolated`);
    if (f.refcount[pfn]! < 1) fail(`page ${hex(pfn)} on the list has refcount ${f.refcount[pfn]}`);
  }
  for (const pfn of b.isolated) {
    owned.add(pfn);
    if (!f.testFlag(pfn, PG_isolated)) fail(`page ${hex(pfn)} counted isolated is not PG_isolated`);
    if (f.refcount[pfn]! < 2) fail(`isolated page ${hex(pfn)} has refcount ${f.refcount[pfn]}, expected the balloon's and the core's references`);
  }
  for (const pfn of owned) {
    if (f.pageType(pfn) !== PageType.offline) fail(`balloon page ${hex(pfn)} is not PageOffline`);
    if (movable.opsOf(pfn) !== entry) fail(`balloon page ${hex(pfn)} is not movable with balloon_mops`);
    if (f.private[pfn] !== b.id) fail(`balloon page ${hex(pfn)} has page->private ${f.private[pfn]}, not the device`);
  }
  for (const pfn of vb.host.held) {
    if (!owned.has(pfn) && !vb.pendingDeflate.has(pfn)) fail(`the host holds ${hex(pfn)}, which the guest does not consider ballooned`);
  }
  if (!vb.inflateVq.inFlight && !vb.deflateVq.inFlight) {
    if (vb.host.held.size !== owned.size) fail(`with the virtqueues drained the host holds ${vb.host.held.size} pages but the guest's balloon has ${owned.size}`);
  }
  if (!vb.features.deflateOnOom) {
    const perZone = new Map<number, number>();
    for (const pfn of [...owned, ...vb.pendingDeflate]) {
      const idx = mem.zones.indexOf(mem.pageZone(pfn));
      perZone.set(idx, (perZone.get(idx) ?? 0) + 1);
    }
    for (const idx of new Set([...perZone.keys(), ...vb.managedDelta.keys()])) {
      const want = -(perZone.get(idx) ?? 0);
      const got = vb.managedDelta.get(idx) ?? 0;
      if (want !== got) fail(`zone ${mem.zones[idx]?.name ?? idx}: managed pages adjusted by ${got}, but the balloon holds ${-want} of its pages`);
    }
  }
}
