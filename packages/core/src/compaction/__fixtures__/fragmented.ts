import { createKernel, type Kernel } from '../../kernel/kernel';
import type { KernelConfigInput } from '../../kernel/kernel-config';
import { PAGE_SIZE, pageblock_order } from '../../mem/constants';
import { MAP_ANONYMOUS, MAP_PRIVATE, PROT_READ, PROT_WRITE } from '../../vm/constants';
import type { Process } from '../../vm/process';
import type { Zone } from '../../zone/zone';

/** Free blocks of pageblock order or more, counted in order-9 units (drains the pcp lists first). */
export function freeHugeBlocks(kernel: Kernel): number {
  kernel.alloc.drainAllPages();
  let n = 0;
  for (const zone of kernel.mem.populatedZones) {
    for (let o = pageblock_order; o < zone.nrFree.length; o++) n += zone.nrFree[o]! << (o - pageblock_order);
  }
  return n;
}

/** The one populated zone of a flat single-node machine. */
export function onlyZone(kernel: Kernel): Zone {
  const zones = kernel.mem.populatedZones;
  if (zones.length !== 1) throw new Error(`expected one populated zone, got ${zones.length}`);
  return zones[0]!;
}

export interface Fragmented {
  kernel: Kernel;
  keeper: Process;
  addr: number;
  pages: number;
  /** Checks that every page of the keeper still holds the bytes written before. */
  verify(): void;
}

/**
 * A small flat machine whose memory is fragmented the classic way: two processes fault pages in
 * alternately, each page written with its own bytes, then one exits, leaving every other page
 * free across the filled region.
 */
export function fragmentedKernel(pages = 4096, config: Partial<KernelConfigInput> = {}): Fragmented {
  const kernel = createKernel({ machine: { nodes: [{ memory: '64MiB' }], layout: 'flat' }, thp: 'never', ...config });
  const keeper = kernel.vm.createProcess({ comm: 'keeper' });
  const victim = kernel.vm.createProcess({ comm: 'victim' });
  const len = pages * PAGE_SIZE;
  const addr = kernel.vm.mmap(keeper, { length: len, prot: PROT_READ | PROT_WRITE, flags: MAP_PRIVATE | MAP_ANONYMOUS });
  const vaddr = kernel.vm.mmap(victim, { length: len, prot: PROT_READ | PROT_WRITE, flags: MAP_PRIVATE | MAP_ANONYMOUS });
  const bytes = new Uint8Array(4);
  for (let i = 0; i < pages; i++) {
    bytes[0] = i & 0xff;
    bytes[1] = (i >> 8) & 0xff;
    bytes[2] = 0xc3;
    bytes[3] = (i * 7) & 0xff;
    kernel.vm.write(keeper, addr + i * PAGE_SIZE, bytes);
    kernel.vm.write(victim, vaddr + i * PAGE_SIZE, bytes);
  }
  kernel.vm.exitProcess(victim);
  kernel.lru.lruAddDrainAll();
  kernel.alloc.drainAllPages();
  const verify = (): void => {
    for (let i = 0; i < pages; i++) {
      const got = kernel.vm.read(keeper, addr + i * PAGE_SIZE, 4);
      if (got[0] !== (i & 0xff) || got[1] !== ((i >> 8) & 0xff) || got[2] !== 0xc3 || got[3] !== ((i * 7) & 0xff)) {
        throw new Error(`page ${i} of the keeper lost its bytes: ${Array.from(got)}`);
      }
    }
  };
  return { kernel, keeper, addr, pages, verify };
}
