import { KernelError } from '../errors';
import type { TimerId } from '../time/clock';
import type { WaitQueueEntry, WaitQueueHead } from './wait-queue';

/**
 * Task sleep states (include/linux/sched.h). A blocked task records the state it sleeps in; a
 * wake-up only takes effect when its mode shares a bit with that state (try_to_wake_up()).
 */
export const TASK_RUNNING = 0x0000;
export const TASK_INTERRUPTIBLE = 0x0001;
export const TASK_UNINTERRUPTIBLE = 0x0002;
export const TASK_WAKEKILL = 0x0100;
/** include/linux/sched.h: TASK_KILLABLE — sleeps through everything but a fatal signal. */
export const TASK_KILLABLE = TASK_WAKEKILL | TASK_UNINTERRUPTIBLE;
/** include/linux/sched.h: TASK_NORMAL — the mode of wake_up() */
export const TASK_NORMAL = TASK_INTERRUPTIBLE | TASK_UNINTERRUPTIBLE;

/** 'runnable' includes the task that is running right now. */
export type TaskState = 'runnable' | 'blocked' | 'done';

/** Sleep for `ns` of simulated time (schedule_timeout / msleep). Resumes with 0, -EINTR or the ns left. */
export interface SleepWait { readonly kind: 'sleep'; readonly ns: number; readonly state: number }
/** Sleep on a wait queue until wake_up (wait_event's prepare_to_wait + schedule). Resumes with 0 or -EINTR. */
export interface QueueWait { readonly kind: 'queue'; readonly queue: WaitQueueHead; readonly exclusive: boolean; readonly state: number }
/** set_current_state(state); io_schedule(): block until someone calls wakeUp(). Resumes with 0. */
export interface ScheduleWait { readonly kind: 'schedule'; readonly state: number }
/** cond_resched() / yield(): stay runnable, let the scheduler pick again. Resumes with 0. */
export interface YieldWait { readonly kind: 'yield' }

/** What a task generator yields to the scheduler: the one point where it may lose the CPU. */
export type Wait = SleepWait | QueueWait | ScheduleWait | YieldWait;

/** A task body: a generator that yields {@link Wait}s and returns the task's result. */
export type TaskBody<R = unknown> = (task: Task<any>) => Generator<Wait, R, unknown>;

/** The scheduler side a task needs (kernel/sched/core.c: try_to_wake_up). */
export interface TaskHost {
  wakeUpProcess(task: Task<any>, mode: number): boolean;
}

/**
 * A simulated kernel task (struct task_struct, the parts mmsim needs): identity, run state, the
 * state it sleeps in, a pending fatal signal, and its generator. Created by Scheduler.spawn().
 */
export class Task<R = unknown> {
  state: TaskState = 'runnable';
  /** task->__state while blocked (TASK_UNINTERRUPTIBLE, TASK_KILLABLE, ...); TASK_RUNNING otherwise. */
  sleepState = TASK_RUNNING;
  /** A SIGKILL is pending (fatal_signal_pending()). */
  fatalSignal = false;
  /** The generator's return value once `state === 'done'` without error. */
  result: R | undefined;
  /** What the generator threw, if it did. */
  error: unknown;
  /** Number of times the scheduler ran this task (for tests and traces). */
  slices = 0;
  /** @internal the generator being driven */
  readonly gen: Generator<Wait, R, unknown>;
  /** @internal value handed to the generator on its next resume */
  resumeValue: unknown = undefined;
  /** @internal pending sleep timer */
  timer: TimerId | undefined = undefined;
  /** @internal absolute deadline of the pending sleep */
  deadline = 0;
  /** @internal entry of a scheduler-managed queue wait */
  waitEntry: WaitQueueEntry | undefined = undefined;
  /** @internal what the task last blocked on */
  waitKind: Wait['kind'] | undefined = undefined;

  constructor(
    private readonly host: TaskHost,
    readonly pid: number,
    readonly comm: string,
    readonly cpu: number,
    body: TaskBody<R>,
  ) {
    this.gen = body(this);
  }

  /** kernel/signal.c: send SIGKILL; signal_wake_up() wakes the task if it sleeps killable or interruptible. */
  sendFatalSignal(): void {
    if (this.state === 'done') return;
    this.fatalSignal = true;
    this.host.wakeUpProcess(this, TASK_WAKEKILL | TASK_INTERRUPTIBLE);
  }

  /** kernel/sched/core.c: wake_up_state(); true if the task was blocked in a matching state. */
  wakeUp(mode = TASK_NORMAL): boolean {
    return this.host.wakeUpProcess(this, mode);
  }

  toString(): string {
    return `${this.comm}-${this.pid}`;
  }
}

/** include/linux/sched/signal.h: fatal_signal_pending() */
export function fatalSignalPending(task: Task<any>): boolean {
  return task.fatalSignal;
}

/**
 * include/linux/sched/signal.h: signal_pending_state(). mmsim models fatal signals only, so a
 * pending signal counts for TASK_INTERRUPTIBLE and TASK_WAKEKILL sleeps alike.
 */
export function signalPendingState(state: number, task: Task<any>): boolean {
  return (state & (TASK_INTERRUPTIBLE | TASK_WAKEKILL)) !== 0 && task.fatalSignal;
}

function checkState(state: number): void {
  if (state !== TASK_UNINTERRUPTIBLE && state !== TASK_KILLABLE && state !== TASK_INTERRUPTIBLE) {
    throw new KernelError('EINVAL', `sleep state must be TASK_UNINTERRUPTIBLE, TASK_KILLABLE or TASK_INTERRUPTIBLE, got 0x${state.toString(16)}`);
  }
}

const YIELD: YieldWait = Object.freeze({ kind: 'yield' });
const SCHEDULE_UNINTERRUPTIBLE: ScheduleWait = Object.freeze({ kind: 'schedule', state: TASK_UNINTERRUPTIBLE });
const SCHEDULE_KILLABLE: ScheduleWait = Object.freeze({ kind: 'schedule', state: TASK_KILLABLE });
const SCHEDULE_INTERRUPTIBLE: ScheduleWait = Object.freeze({ kind: 'schedule', state: TASK_INTERRUPTIBLE });

/** kernel/time/timer.c: schedule_timeout() in `state` (msleep is TASK_UNINTERRUPTIBLE). `yield sleep(ns)` */
export function sleep(ns: number, state = TASK_UNINTERRUPTIBLE): SleepWait {
  if (!Number.isFinite(ns) || ns < 0) throw new KernelError('EINVAL', `sleep(ns) needs a non-negative number of nanoseconds, got ${ns}`);
  checkState(state);
  return { kind: 'sleep', ns: Math.ceil(ns), state };
}

/**
 * kernel/sched/wait.c: prepare_to_wait() / prepare_to_wait_exclusive() + schedule() +
 * finish_wait(): one sleep on `queue`. Non-exclusive waiters go to the head of the queue,
 * exclusive ones to the tail, so wake_up() reaches every non-exclusive waiter and the first
 * exclusive one. The caller re-checks its condition after waking (wait_event loops).
 */
export function waitOn(queue: WaitQueueHead, opts: { exclusive?: boolean; state?: number } = {}): QueueWait {
  const state = opts.state ?? TASK_UNINTERRUPTIBLE;
  checkState(state);
  return { kind: 'queue', queue, exclusive: opts.exclusive ?? false, state };
}

/** kernel/sched/core.c: yield() / cond_resched(): give other runnable tasks a turn. */
export function yieldCpu(): YieldWait {
  return YIELD;
}

/**
 * set_current_state(state); io_schedule(): block until a wake-up in a matching mode (or, for
 * killable/interruptible sleeps, a fatal signal). Returns immediately if such a signal is already
 * pending, as __schedule() does. Callers keep their own wait-queue entry (page waits do).
 */
export function ioSchedule(state = TASK_UNINTERRUPTIBLE): ScheduleWait {
  if (state === TASK_UNINTERRUPTIBLE) return SCHEDULE_UNINTERRUPTIBLE;
  if (state === TASK_KILLABLE) return SCHEDULE_KILLABLE;
  if (state === TASK_INTERRUPTIBLE) return SCHEDULE_INTERRUPTIBLE;
  checkState(state);
  return SCHEDULE_UNINTERRUPTIBLE;
}

/** Whether a yielded value is one of the scheduler's Wait objects. */
export function isWait(value: unknown): value is Wait {
  if (typeof value !== 'object' || value === null) return false;
  const kind = (value as { kind?: unknown }).kind;
  return kind === 'sleep' || kind === 'queue' || kind === 'schedule' || kind === 'yield';
}
