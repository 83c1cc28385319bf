/**
 * The execution context of the code running "now": which simulated CPU, and which task
 * (`current` in the kernel). The per-cpu page lists, numa_node_id() and trace output read it.
 * The scheduler of simulated tasks switches it; outside any task it is the boot context.
 */
export class ExecutionContext {
  cpu = 0;
  pid = 1;
  comm = 'init';
  /** PF_MEMALLOC: the task is in reclaim/compaction and may dip into reserves. */
  memalloc = false;
}
