import { Errno, KernelError } from '../errors';
import { TASK_KILLABLE, sleep, waitOn, yieldCpu, type Wait } from './task';
import { WaitQueueHead } from './wait-queue';
import { makeSched } from './__fixtures__/sched';

/** Runs `n` tasks that each log their pid at every slice, `slices` times; returns the log. */
function interleaving(seed: number | string, n = 4, slices = 6): number[] {
  const { sched } = makeSched(seed);
  const log: number[] = [];
  for (let i = 0; i < n; i++) {
    sched.spawn(`t${i}`, function* (task) {
      for (let s = 0; s < slices; s++) {
        log.push(task.pid);
        yield yieldCpu();
      }
    });
  }
  sched.run();
  return log;
}

describe('Scheduler', () => {
  it('switches ExecutionContext to the running task and restores it afterwards', () => {
    const { sched, ctx } = makeSched();
    const seen: Array<[number, number, string, boolean, string | undefined]> = [];
    sched.spawn('kcompactd0', function* (task) {
      seen.push([ctx.cpu, ctx.pid, ctx.comm, sched.inTask, sched.current?.comm]);
      yield yieldCpu();
      seen.push([ctx.cpu, ctx.pid, ctx.comm, sched.inTask, String(task)]);
    }, { cpu: 3, pid: 40 });
    expect(sched.inTask).toBe(false);
    sched.run();
    expect(seen).toEqual([
      [3, 40, 'kcompactd0', true, 'kcompactd0'],
      [3, 40, 'kcompactd0', true, 'kcompactd0-40'],
    ]);
    expect([ctx.cpu, ctx.pid, ctx.comm, sched.inTask, sched.current]).toEqual([0, 1, 'init', false, undefined]);
  });

  it('gives the same interleaving for the same seed', () => {
    for (const seed of [1, 2, 'scenario-a']) expect(interleaving(seed)).toEqual(interleaving(seed));
  });

  it('gives different interleavings for different seeds', () => {
    const logs = new Set([1, 2, 3, 4, 5].map((s) => interleaving(s).join(',')));
    expect(logs.size).toBeGreaterThan(1);
  });

  it('runs a forced order first (run({ order }) and schedule(pid))', () => {
    const { sched } = makeSched();
    const log: string[] = [];
    const body = function* (task: { comm: string }): Generator<Wait, void, unknown> {
      log.push(`${task.comm}1`);
      yield yieldCpu();
      log.push(`${task.comm}2`);
    };
    const a = sched.spawn('a', body);
    const b = sched.spawn('b', body);
    sched.schedule(b.pid);
    sched.run({ order: [a.pid, a.pid, b.pid] });
    expect(log).toEqual(['b1', 'a1', 'a2', 'b2']);
  });

  it('refuses to force a task that is not runnable', () => {
    const { sched } = makeSched();
    const q = new WaitQueueHead();
    const t = sched.spawn('sleeper', function* () {
      yield waitOn(q);
    });
    sched.step();
    sched.spawn('other', function* () {});
    expect(t.state).toBe('blocked');
    expect(() => sched.run({ order: [t.pid] })).toThrow(/forced schedule of sleeper-\d+ but it is blocked/);
  });

  it('advances the clock to the next timer when every task sleeps, waking in deadline order', () => {
    const { sched, clock } = makeSched();
    const woke: Array<[string, number]> = [];
    for (const [comm, ns] of [['slow', 5000], ['fast', 100], ['mid', 700]] as const) {
      sched.spawn(comm, function* () {
        const r = yield sleep(ns);
        woke.push([comm, clock.now()]);
        expect(r).toBe(0);
      });
    }
    sched.run();
    expect(woke).toEqual([['fast', 100], ['mid', 700], ['slow', 5000]]);
    expect(sched.tasks.every((t) => t.state === 'done')).toBe(true);
  });

  it.each([
    ['killable sleep is cut short by a fatal signal', TASK_KILLABLE, -Errno.EINTR, 0],
    ['uninterruptible sleep ignores the signal', undefined, 0, 10_000],
  ])('%s', (_name, state, expected, wokeAt) => {
    const { sched, clock } = makeSched();
    let r: unknown;
    let at = -1;
    const t = sched.spawn('sleeper', function* () {
      r = yield sleep(10_000, state);
      at = clock.now();
    });
    sched.step();
    t.sendFatalSignal();
    sched.run();
    expect([r, at, t.state]).toEqual([expected, wokeAt, 'done']);
  });

  it('returns the time left when a sleeper is woken early', () => {
    const { sched, clock } = makeSched();
    let r: unknown;
    const t = sched.spawn('sleeper', function* () {
      r = yield sleep(10_000);
    });
    sched.step();
    clock.advance(2_500);
    expect(t.wakeUp()).toBe(true);
    sched.run();
    expect(r).toBe(7_500);
  });

  it('records the result of a task and the error of one that throws (and rethrows it)', () => {
    const { sched } = makeSched();
    const ok = sched.spawn('ok', function* () {
      yield yieldCpu();
      return 42;
    });
    sched.run();
    expect([ok.state, ok.result, ok.error]).toEqual(['done', 42, undefined]);
    const bad = sched.spawn('bad', function* () {
      yield yieldCpu();
      throw new Error('oops');
    });
    expect(() => sched.run()).toThrow('oops');
    expect(bad.state).toBe('done');
    expect((bad.error as Error).message).toBe('oops');
  });

  it('rejects a yield that is not a Wait (forgotten yield*)', () => {
    const { sched } = makeSched();
    const t = sched.spawn('oops', function* () {
      yield (function* () {})() as unknown as Wait;
    });
    expect(() => sched.run()).toThrow(/yielded a generator, not a Wait.*yield\*/);
    expect(t.error).toBeInstanceOf(KernelError);
  });

  it('stops after maxSteps slices and reports a livelock without it', () => {
    const { sched } = makeSched();
    let slices = 0;
    sched.spawn('spin', function* () {
      for (;;) {
        slices++;
        yield yieldCpu();
      }
    });
    sched.run({ maxSteps: 3 });
    expect(slices).toBe(3);
    expect(sched.nrRunnable).toBe(1);
  });

  it('validates spawn arguments', () => {
    const { sched } = makeSched();
    sched.spawn('a', function* () {}, { pid: 7 });
    expect(() => sched.spawn('b', function* () {}, { pid: 7 })).toThrow(/EEXIST: .*pid 7 is already used/);
    expect(() => sched.spawn('', function* () {})).toThrow(/EINVAL/);
    expect(() => sched.spawn('c', function* () {}, { cpu: -1 })).toThrow(/EINVAL.*cpu/);
    expect(() => sched.schedule(999)).toThrow(/ESRCH/);
    expect(() => sleep(-1)).toThrow(/EINVAL/);
  });

  it('returns false from step() when nothing can run', () => {
    const { sched } = makeSched();
    expect(sched.step()).toBe(false);
  });
});
