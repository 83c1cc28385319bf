import { EventBus } from '../events/event-bus';
import { ExecutionContext } from '../kernel/current';
import { Printk } from '../kernel/printk';
import { VmStat } from '../stat/vmstat';
import { SimulatedClock } from '../time/clock';
import { MachineConfigSchema, VmSysctlSchema, type MachineConfigInput, type VmSysctlInput } from '../zone/machine-config';
import { PageAllocator } from '../zone/page-alloc';
import { PhysicalMemory } from '../zone/physical-memory';

/** A booted memory subsystem for core unit tests (createKernel lives above this layer). */
export function bootMemory(machine: MachineConfigInput = { nodes: [{ memory: '64MiB' }], layout: 'flat' }, sysctl: VmSysctlInput = {}) {
  const mem = new PhysicalMemory(MachineConfigSchema.parse(machine));
  const clock = new SimulatedClock();
  const events = new EventBus();
  const vmstat = new VmStat();
  const current = new ExecutionContext();
  const printk = new Printk(clock);
  const alloc = new PageAllocator(mem, events, vmstat, current, VmSysctlSchema.parse(sysctl), printk);
  alloc.boot();
  return { mem, clock, events, vmstat, current, printk, alloc };
}
