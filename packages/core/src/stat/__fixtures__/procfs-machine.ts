import { EventBus } from '../../events/event-bus';
import { ExecutionContext } from '../../kernel/current';
import { Printk } from '../../kernel/printk';
import { SimulatedClock } from '../../time/clock';
import { GFP_HIGHUSER_MOVABLE, GFP_KERNEL, __GFP_RECLAIMABLE } from '../../zone/gfp';
import { MachineConfigSchema, VmSysctlSchema, type MachineConfigInput } from '../../zone/machine-config';
import { PageAllocator } from '../../zone/page-alloc';
import { PhysicalMemory } from '../../zone/physical-memory';
import { ProcFs } from '../procfs';
import { VmStat } from '../vmstat';

/** A booted machine with its /proc views, for the /proc golden-text tests. */
export function bootMachine(config: MachineConfigInput): { mem: PhysicalMemory; alloc: PageAllocator; vmstat: VmStat; procfs: ProcFs } {
  const mem = new PhysicalMemory(MachineConfigSchema.parse(config));
  const vmstat = new VmStat();
  const alloc = new PageAllocator(mem, new EventBus(), vmstat, new ExecutionContext(), VmSysctlSchema.parse({}), new Printk(new SimulatedClock()));
  alloc.boot();
  return { mem, alloc, vmstat, procfs: new ProcFs(mem, alloc, vmstat) };
}

/**
 * A fixed alloc/free sequence: 8 unmovable order-0 pages, an unmovable order-3 and a reclaimable
 * order-2 block (each steals an order-10 block, two pageblocks, from MOVABLE), four movable THP-size
 * blocks; then the second THP, the order-3 block and four order-0 pages are freed. Four order-0
 * pages stay on cpu 0's per-cpu list.
 */
export function fixedSequence(alloc: PageAllocator): void {
  const kernel: number[] = [];
  for (let i = 0; i < 8; i++) kernel.push(alloc.allocPagesPfn(GFP_KERNEL, 0));
  const big = alloc.allocPagesPfn(GFP_KERNEL, 3);
  alloc.allocPagesPfn(GFP_KERNEL | __GFP_RECLAIMABLE, 2);
  const user: number[] = [];
  for (let i = 0; i < 4; i++) user.push(alloc.allocPagesPfn(GFP_HIGHUSER_MOVABLE, 9));
  alloc.freePages(user[1]!, 9);
  alloc.freePages(big, 3);
  for (const p of kernel.slice(0, 4)) alloc.freePages(p, 0);
}
