import { Errno, KernelError } from '../errors';
import type { ExecutionContext } from '../kernel/current';
import type { RandomStream } from '../random/random-stream';
import type { SimulatedClock } from '../time/clock';
import {
  TASK_RUNNING, Task, isWait, signalPendingState,
  type TaskBody, type TaskHost, type Wait,
} from './task';
import { WQ_FLAG_EXCLUSIVE, WQ_FLAG_WOKEN, WaitQueueEntry } from './wait-queue';

export interface SpawnOptions {
  /** CPU the task runs on (ExecutionContext.cpu while it runs); default: the spawner's CPU. */
  cpu?: number;
  /** Explicit pid; default: the next free one. */
  pid?: number;
}

export interface RunOptions {
  /** Stop after this many task slices even if tasks are still runnable. */
  maxSteps?: number;
  /** Pids to run first, one slice each, in this order (a forced interleaving); then seeded-random picks. */
  order?: readonly number[];
}

/** Slices run() allows when no maxSteps is given before it reports a livelock. */
export const DEFAULT_MAX_STEPS = 10_000_000;

/**
 * A deterministic scheduler of simulated kernel tasks (DESIGN.md "Time, randomness,
 * concurrency"). Each task is a generator; one step runs one task until it yields a
 * {@link Wait} (its next possible sleep point) or returns. The next task is chosen from the
 * runnable ones by the seeded random stream, or forced by a test (`run({ order })`,
 * `schedule(pid)`), so the same seed gives the same interleaving. When every task sleeps on a
 * timer, the clock advances to the next timer. While a task runs, ExecutionContext's
 * cpu/pid/comm are the task's (kernel `current`); they are restored afterwards.
 */
export class Scheduler implements TaskHost {
  private readonly all: Task<any>[] = [];
  private readonly byPid = new Map<number, Task<any>>();
  /** Runnable tasks, in the order they became runnable. */
  private readonly runqueue: Task<any>[] = [];
  private readonly forced: number[] = [];
  private running: Task<any> | undefined;
  private nextPid = 2;
  private timerSleepers = 0;

  constructor(
    private readonly ctx: ExecutionContext,
    private readonly clock: SimulatedClock,
    private readonly rng: RandomStream,
  ) {}

  /** kernel/fork.c: kernel_thread()/copy_process(): a new runnable task. */
  spawn<R = unknown>(comm: string, body: TaskBody<R>, opts: SpawnOptions = {}): Task<R> {
    if (typeof comm !== 'string' || comm.length === 0) throw new KernelError('EINVAL', 'spawn() needs a non-empty task name (comm)');
    if (typeof body !== 'function') throw new KernelError('EINVAL', `spawn("${comm}") needs a generator function body: function* (task) { ... }`);
    const cpu = opts.cpu ?? this.ctx.cpu;
    if (!Number.isInteger(cpu) || cpu < 0) throw new KernelError('EINVAL', `spawn("${comm}"): cpu must be a non-negative integer, got ${cpu}`);
    let pid = opts.pid;
    if (pid === undefined) {
      while (this.byPid.has(this.nextPid) || this.nextPid === this.ctx.pid) this.nextPid++;
      pid = this.nextPid++;
    } else if (!Number.isInteger(pid) || pid < 1) {
      throw new KernelError('EINVAL', `spawn("${comm}"): pid must be a positive integer, got ${pid}`);
    } else if (this.byPid.has(pid)) {
      throw new KernelError('EEXIST', `spawn("${comm}"): pid ${pid} is already used by ${this.byPid.get(pid)!.toString()}; pick another pid or omit it`);
    }
    const task = new Task<R>(this, pid, comm, cpu, body);
    if (!task.gen || typeof task.gen.next !== 'function') {
      throw new KernelError('EINVAL', `spawn("${comm}"): the body must be a generator function (function*), it returned ${String(task.gen)}`);
    }
    this.all.push(task);
    this.byPid.set(pid, task);
    this.runqueue.push(task);
    return task;
  }

  /** The task running now (kernel `current`), or undefined outside any task. */
  get current(): Task<any> | undefined {
    return this.running;
  }

  get inTask(): boolean {
    return this.running !== undefined;
  }

  /** Every task spawned on this scheduler, in spawn order. */
  get tasks(): readonly Task<any>[] {
    return this.all;
  }

  /** The task with this pid. */
  task(pid: number): Task<any> | undefined {
    return this.byPid.get(pid);
  }

  /** Number of runnable tasks. */
  get nrRunnable(): number {
    return this.runqueue.length;
  }

  /** Force the next pick(s): `pid` runs next (after earlier forced picks). */
  schedule(pid: number): void {
    if (!this.byPid.has(pid)) throw new KernelError('ESRCH', `schedule(${pid}): no task has pid ${pid}; spawn it first`);
    this.forced.push(pid);
  }

  /**
   * The current task, or a KernelError for code that may sleep but runs outside any task
   * (the simulator's might_sleep()).
   */
  requireTask(what: string): Task<any> {
    const t = this.running;
    if (t) return t;
    throw new KernelError('EAGAIN', `${what} may sleep and can only run inside a simulated task: use the trylock/…OrFail variant outside tasks, or spawn a task (scheduler.spawn) and \`yield*\` it there`);
  }

  /**
   * Runs tasks until all are done or blocked with no timer to wait for (or `maxSteps` slices).
   * A task that throws ends with `task.error` set and the error is rethrown from run().
   */
  run(opts: RunOptions = {}): void {
    if (this.running) throw new KernelError('EINVAL', `run() called from inside task ${this.running.toString()}; tasks yield, they do not run the scheduler`);
    const limit = opts.maxSteps ?? DEFAULT_MAX_STEPS;
    if (!Number.isInteger(limit) || limit < 0) throw new KernelError('EINVAL', `run(): maxSteps must be a non-negative integer, got ${opts.maxSteps}`);
    if (opts.order) for (const pid of opts.order) this.schedule(pid);
    let steps = 0;
    while (steps < limit) {
      if (!this.step()) return;
      steps++;
    }
    if (opts.maxSteps === undefined && this.runqueue.length > 0) {
      throw new KernelError('EAGAIN', `scheduler ran ${limit} slices and tasks are still runnable (${this.runqueue.map(String).join(', ')}): a task may spin on yieldCpu(); pass maxSteps to stop early on purpose`);
    }
  }

  /** Runs one slice of one task; advances the clock first if every task sleeps. False if nothing could run. */
  step(): boolean {
    if (this.running) throw new KernelError('EINVAL', `step() called from inside task ${this.running.toString()}`);
    while (this.runqueue.length === 0) {
      if (this.timerSleepers === 0) return false;
      const due = this.clock.nextDue();
      if (due === undefined) return false;
      this.clock.advanceTo(due);
    }
    const i = this.pickNext();
    const task = this.runqueue[i]!;
    this.runqueue.splice(i, 1);
    this.runSlice(task);
    return true;
  }

  /**
   * kernel/sched/core.c: try_to_wake_up(): make a task blocked in a state matching `mode`
   * runnable. Returns false (and changes nothing) if it was not blocked in such a state.
   */
  wakeUpProcess(task: Task<any>, mode: number): boolean {
    if (task.state !== 'blocked' || (task.sleepState & mode) === 0) return false;
    if (task.timer !== undefined) {
      this.clock.clearTimeout(task.timer);
      task.timer = undefined;
      this.timerSleepers--;
      // schedule_timeout(): an early wake returns the time left, a fatal signal -EINTR.
      task.resumeValue = signalPendingState(task.sleepState, task) ? -Errno.EINTR : Math.max(1, task.deadline - this.clock.now());
    }
    task.state = 'runnable';
    task.sleepState = TASK_RUNNING;
    this.runqueue.push(task);
    return true;
  }

  private pickNext(): number {
    if (this.forced.length > 0) {
      const pid = this.forced.shift()!;
      const i = this.runqueue.findIndex((t) => t.pid === pid);
      if (i < 0) {
        const t = this.byPid.get(pid)!;
        this.forced.length = 0;
        throw new KernelError('EINVAL', `forced schedule of ${t.toString()} but it is ${t.state}${t.waitKind ? ` (waiting: ${t.waitKind})` : ''}; force only runnable tasks`);
      }
      return i;
    }
    return this.runqueue.length === 1 ? 0 : this.rng.int(0, this.runqueue.length - 1);
  }

  private runSlice(task: Task<any>): void {
    const saved = { cpu: this.ctx.cpu, pid: this.ctx.pid, comm: this.ctx.comm };
    this.ctx.cpu = task.cpu;
    this.ctx.pid = task.pid;
    this.ctx.comm = task.comm;
    this.running = task;
    task.slices++;
    const resume = this.takeResumeValue(task);
    let r: IteratorResult<Wait, unknown>;
    try {
      r = task.gen.next(resume);
    } catch (err) {
      task.state = 'done';
      task.error = err;
      throw err;
    } finally {
      this.running = undefined;
      this.ctx.cpu = saved.cpu;
      this.ctx.pid = saved.pid;
      this.ctx.comm = saved.comm;
    }
    if (r.done) {
      task.state = 'done';
      task.result = r.value;
      return;
    }
    this.block(task, r.value);
  }

  /** finish_wait() for scheduler-managed queue waits; the value the generator resumes with. */
  private takeResumeValue(task: Task<any>): unknown {
    const entry = task.waitEntry;
    if (entry) {
      task.waitEntry = undefined;
      entry.queue?.remove(entry);
      if (entry.flags & WQ_FLAG_WOKEN) return 0;
      return task.fatalSignal ? -Errno.EINTR : 0;
    }
    const v = task.resumeValue;
    task.resumeValue = undefined;
    return v;
  }

  private block(task: Task<any>, wait: Wait): void {
    if (!isWait(wait)) {
      task.state = 'done';
      task.error = new KernelError('EINVAL', `task ${task.toString()} yielded ${describe(wait)}, not a Wait: call blocking helpers with \`yield*\` (yield* locks.lockPage(pfn)) and yield only sleep()/waitOn()/yieldCpu()/ioSchedule()`);
      throw task.error;
    }
    task.waitKind = wait.kind;
    if (wait.kind === 'yield') {
      task.resumeValue = 0;
      this.runqueue.push(task);
      return;
    }
    // __schedule(): a killable/interruptible sleep with a fatal signal pending does not sleep.
    if (signalPendingState(wait.state, task)) {
      task.resumeValue = -Errno.EINTR;
      this.runqueue.push(task);
      return;
    }
    task.state = 'blocked';
    task.sleepState = wait.state;
    task.resumeValue = 0;
    if (wait.kind === 'sleep') {
      task.deadline = this.clock.now() + wait.ns;
      this.timerSleepers++;
      task.timer = this.clock.setTimeout(() => this.timerExpired(task), wait.ns);
    } else if (wait.kind === 'queue') {
      const entry = new WaitQueueEntry(task);
      if (wait.exclusive) {
        entry.flags = WQ_FLAG_EXCLUSIVE;
        wait.queue.addTail(entry);
      } else {
        wait.queue.addWaitQueue(entry);
      }
      task.waitEntry = entry;
    }
  }

  /** kernel/time/timer.c: process_timeout() */
  private timerExpired(task: Task<any>): void {
    task.timer = undefined;
    this.timerSleepers--;
    task.resumeValue = 0;
    task.state = 'runnable';
    task.sleepState = TASK_RUNNING;
    this.runqueue.push(task);
  }
}

function describe(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (v && typeof v === 'object' && typeof (v as Generator).next === 'function') return 'a generator';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}
