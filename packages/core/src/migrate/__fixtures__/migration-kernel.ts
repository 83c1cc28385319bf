import { bootMemory } from '../../__fixtures__/boot';
import type { MachineConfigInput } from '../../zone/machine-config';
import { KernelRandom } from '../../random/kernel-random';
import { PageLocks } from '../../sync/page-lock';
import { Scheduler } from '../../sync/scheduler';
import { MovableOpsRegistry } from '../movable-ops';
import { Migration } from '../migration';
import type { MigrationEnv } from '../migration-env';

/** Booted memory plus page locks and the migration service, without address spaces. */
export function bootMigration(machine: MachineConfigInput = { nodes: [{ memory: '32MiB' }, { memory: '32MiB' }], layout: 'flat' }) {
  const k = bootMemory(machine);
  const sched = new Scheduler(k.current, k.clock, new KernelRandom(1).stream('sched'));
  const locks = new PageLocks(k.mem.frames, sched);
  const env: MigrationEnv = {
    mem: k.mem, alloc: k.alloc, vmstat: k.vmstat, events: k.events, current: k.current, locks,
    movable: new MovableOpsRegistry(k.mem.frames, k.mem.mappings),
    folioMapping: () => undefined,
  };
  return { ...k, sched, locks, env, migration: new Migration(env) };
}
