import { createKernel, type Kernel } from '../../kernel/kernel';
import { PAGE_SIZE } from '../../mem/constants';
import { NodeStat, ZoneStat } from '../../stat/vmstat-items';
import { MAP_ANONYMOUS, MAP_PRIVATE, PROT_READ, PROT_WRITE } from '../../vm/constants';
import type { Process } from '../../vm/process';
import { checkBuddy } from '../../zone/check-buddy';
import type { Zone } from '../../zone/zone';

/** A flat single-node machine (64 MiB by default) without THP; `boost` is vm.watermark_boost_factor. */
export function reclaimKernel(memory = '64MiB', boost?: number): Kernel {
  return createKernel({ machine: { nodes: [{ memory }], layout: 'flat' }, thp: 'never', ...(boost === undefined ? {} : { sysctl: { watermark_boost_factor: boost } }) });
}

export function onlyZone(kernel: Kernel): Zone {
  const zones = kernel.mem.populatedZones;
  if (zones.length !== 1) throw new Error(`expected one populated zone, got ${zones.length}`);
  return zones[0]!;
}

export function freePages(kernel: Kernel): number {
  return onlyZone(kernel).vmStat[ZoneStat.NR_FREE_PAGES]!;
}

/** The bytes page i of a test mapping holds: distinct per page and per seed. */
export function pattern(i: number, seed: number): Uint8Array {
  const b = new Uint8Array(PAGE_SIZE);
  let x = (i * 2654435761 + seed * 40503) >>> 0;
  for (let k = 0; k < PAGE_SIZE; k++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    b[k] = x >>> 24;
  }
  return b;
}

/** A process with `pages` anonymous pages, each written with {@link pattern}. */
export function anonWithBytes(kernel: Kernel, pages: number, seed = 1): { p: Process; addr: number } {
  const p = kernel.vm.createProcess({ comm: 'anon' });
  const addr = kernel.vm.mmap(p, { length: pages * PAGE_SIZE, prot: PROT_READ | PROT_WRITE, flags: MAP_PRIVATE | MAP_ANONYMOUS });
  for (let i = 0; i < pages; i++) kernel.vm.write(p, addr + i * PAGE_SIZE, pattern(i, seed));
  return { p, addr };
}

/** Buddy invariants hold and nothing is left isolated. */
export function expectClean(kernel: Kernel): void {
  expect(checkBuddy(kernel.mem).problems).toEqual([]);
  const node = kernel.mem.nodes[0]!.vmStat;
  expect([node[NodeStat.NR_ISOLATED_ANON], node[NodeStat.NR_ISOLATED_FILE]]).toEqual([0, 0]);
}
