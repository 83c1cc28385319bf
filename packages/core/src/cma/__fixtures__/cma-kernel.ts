import { createKernel, type Kernel } from '../../kernel/kernel';
import type { MachineConfigInput } from '../../zone/machine-config';
import { PAGE_SIZE } from '../../mem/constants';
import { MAP_ANONYMOUS, MAP_PRIVATE, PROT_READ, PROT_WRITE } from '../../vm/constants';
import type { Process } from '../../vm/process';
import { checkBuddy } from '../../zone/check-buddy';
import type { Zone } from '../../zone/zone';

/** A 64 MiB flat single-node kernel, optionally with CMA areas. */
export function cmaKernel(cma: MachineConfigInput['cma'] = []): Kernel {
  return createKernel({ machine: { nodes: [{ memory: '64MiB' }], layout: 'flat', cma }, thp: 'never' });
}

export function onlyZone(kernel: Kernel): Zone {
  return kernel.mem.populatedZones[0]!;
}

/** A process with `pages` anonymous pages, page i holding the bytes [i, i>>8, 0x5a, tag]. */
export function anonProcess(kernel: Kernel, pages: number, tag = 0x11): { p: Process; addr: number; pfns(): number[]; verify(): void } {
  const p = kernel.vm.createProcess({ comm: 'anon' });
  const addr = kernel.vm.mmap(p, { length: pages * PAGE_SIZE, prot: PROT_READ | PROT_WRITE, flags: MAP_PRIVATE | MAP_ANONYMOUS });
  for (let i = 0; i < pages; i++) kernel.vm.write(p, addr + i * PAGE_SIZE, Uint8Array.of(i & 0xff, i >> 8, 0x5a, tag));
  kernel.lru.lruAddDrainAll();
  const pfns = (): number[] => Array.from({ length: pages }, (_, i) => kernel.vm.followPage(p, addr + i * PAGE_SIZE).pfn);
  const verify = (): void => {
    for (let i = 0; i < pages; i++) {
      const got = Array.from(kernel.vm.read(p, addr + i * PAGE_SIZE, 4));
      if (got.join() !== [i & 0xff, i >> 8, 0x5a, tag].join()) throw new Error(`page ${i} lost its bytes: ${got}`);
    }
  };
  return { p, addr, pfns, verify };
}

/** checkBuddy() problems after draining the per-cpu lists. */
export function buddyProblems(kernel: Kernel): string[] {
  kernel.alloc.drainAllPages();
  return checkBuddy(kernel.mem).problems;
}
