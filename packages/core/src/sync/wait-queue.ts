import { KernelError } from '../errors';
import { TASK_NORMAL, type Task } from './task';

/** include/linux/wait.h: wait_queue_entry flags. */
export const WQ_FLAG_EXCLUSIVE = 0x01;
export const WQ_FLAG_WOKEN = 0x02;
/** Page-lock hand-off: the waker takes the bit on the waiter's behalf (mm/filemap.c). */
export const WQ_FLAG_CUSTOM = 0x04;
/** The page bit was taken for (or by) this waiter. */
export const WQ_FLAG_DONE = 0x08;

/**
 * include/linux/wait.h: wait_queue_func_t. Returns > 0 if the entry was woken, 0 if it was not
 * (it does not count against nr_exclusive), < 0 to stop the walk.
 */
export type WakeFunction = (entry: WaitQueueEntry, mode: number, key: unknown) => number;

/**
 * include/linux/wait.h: struct wait_queue_entry. Linked into at most one {@link WaitQueueHead};
 * `task` is the sleeper (wq_entry->private).
 */
export class WaitQueueEntry {
  flags = 0;
  /** @internal list links */
  prev: WaitQueueEntry | null = null;
  /** @internal list links */
  next: WaitQueueEntry | null = null;
  /** The queue this entry is on, or null (list_empty(&entry->entry)). */
  queue: WaitQueueHead | null = null;

  constructor(
    public task: Task<any> | undefined,
    public func: WakeFunction = autoremoveWakeFunction,
  ) {}

  get queued(): boolean {
    return this.queue !== null;
  }
}

/**
 * kernel/sched/wait.c: default_wake_function() → try_to_wake_up(); autoremove_wake_function()
 * also unlinks the entry once the task was woken. Marks the entry WQ_FLAG_WOKEN (as
 * woken_wake_function does) so the sleeper can tell a wake-up from a signal.
 */
export function autoremoveWakeFunction(entry: WaitQueueEntry, mode: number): number {
  const woken = entry.task !== undefined && entry.task.wakeUp(mode);
  if (!woken) return 0;
  entry.flags |= WQ_FLAG_WOKEN;
  entry.queue?.remove(entry);
  return 1;
}

/**
 * include/linux/wait.h: struct wait_queue_head — a FIFO of sleepers. Kernel placement rules:
 * add_wait_queue()/prepare_to_wait() put non-exclusive entries at the head,
 * add_wait_queue_exclusive()/prepare_to_wait_exclusive() put exclusive entries at the tail, and
 * page waits put every entry at the tail (__add_wait_queue_entry_tail, mm/filemap.c).
 */
export class WaitQueueHead {
  private head: WaitQueueEntry | null = null;
  private tail: WaitQueueEntry | null = null;
  private count = 0;

  constructor(readonly name = 'wait_queue') {}

  /** include/linux/wait.h: waitqueue_active() */
  get active(): boolean {
    return this.head !== null;
  }

  /** Number of queued entries. */
  get length(): number {
    return this.count;
  }

  /** kernel/sched/wait.c: add_wait_queue() — non-exclusive, at the head. */
  addWaitQueue(entry: WaitQueueEntry): void {
    this.checkFree(entry);
    entry.flags &= ~WQ_FLAG_EXCLUSIVE;
    entry.queue = this;
    entry.prev = null;
    entry.next = this.head;
    if (this.head) this.head.prev = entry;
    else this.tail = entry;
    this.head = entry;
    this.count++;
  }

  /** kernel/sched/wait.c: add_wait_queue_exclusive() — exclusive, at the tail. */
  addWaitQueueExclusive(entry: WaitQueueEntry): void {
    entry.flags |= WQ_FLAG_EXCLUSIVE;
    this.addTail(entry);
  }

  /** include/linux/wait.h: __add_wait_queue_entry_tail() — at the tail, flags unchanged. */
  addTail(entry: WaitQueueEntry): void {
    this.checkFree(entry);
    entry.queue = this;
    entry.next = null;
    entry.prev = this.tail;
    if (this.tail) this.tail.next = entry;
    else this.head = entry;
    this.tail = entry;
    this.count++;
  }

  /** kernel/sched/wait.c: remove_wait_queue() / list_del_init(). No-op if not on this queue. */
  remove(entry: WaitQueueEntry): void {
    if (entry.queue !== this) return;
    if (entry.prev) entry.prev.next = entry.next;
    else this.head = entry.next;
    if (entry.next) entry.next.prev = entry.prev;
    else this.tail = entry.prev;
    entry.prev = entry.next = null;
    entry.queue = null;
    this.count--;
  }

  /**
   * kernel/sched/wait.c: __wake_up_common(). Walks the queue in order calling each entry's wake
   * function; stops after `nrExclusive` exclusive entries were woken (0 = no limit) or when a wake
   * function returns < 0. Returns how many entries were woken.
   */
  wakeUpCommon(mode: number, nrExclusive: number, key?: unknown): number {
    let woken = 0;
    let curr = this.head;
    while (curr) {
      const next = curr.next;
      const flags = curr.flags;
      const ret = curr.func(curr, mode, key);
      if (ret < 0) break;
      if (ret > 0) woken++;
      if (ret > 0 && (flags & WQ_FLAG_EXCLUSIVE) !== 0 && --nrExclusive === 0) break;
      curr = next;
    }
    return woken;
  }

  /** include/linux/wait.h: wake_up() — every non-exclusive waiter up to and including the first exclusive one woken. */
  wakeUp(key?: unknown): number {
    return this.wakeUpCommon(TASK_NORMAL, 1, key);
  }

  /** include/linux/wait.h: wake_up_nr() */
  wakeUpNr(nr: number, key?: unknown): number {
    if (!Number.isInteger(nr) || nr < 1) throw new KernelError('EINVAL', `wake_up_nr needs a positive count, got ${nr}`);
    return this.wakeUpCommon(TASK_NORMAL, nr, key);
  }

  /** include/linux/wait.h: wake_up_all() */
  wakeUpAll(key?: unknown): number {
    return this.wakeUpCommon(TASK_NORMAL, 0, key);
  }

  /** The queued entries, head first. Allocates: for tests and diagnostics. */
  entries(): WaitQueueEntry[] {
    const out: WaitQueueEntry[] = [];
    for (let e = this.head; e; e = e.next) out.push(e);
    return out;
  }

  private checkFree(entry: WaitQueueEntry): void {
    if (entry.queue !== null) {
      throw new KernelError('EBUSY', `wait queue entry of ${entry.task?.toString() ?? 'no task'} is already on ${entry.queue.name}; remove it first (finish_wait)`);
    }
  }
}
