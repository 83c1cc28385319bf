import { Errno } from '../errors';
import { TASK_KILLABLE, waitOn } from './task';
import { WaitQueueHead } from './wait-queue';
import { makeSched } from './__fixtures__/sched';

type Kind = 'x' | 's';

/** Queues tasks on one wait queue (in this order, x = exclusive, s = shared), then wakes. */
function wakeScenario(kinds: Kind[], wake: (q: WaitQueueHead) => void) {
  const { sched } = makeSched();
  const q = new WaitQueueHead('test');
  const woken: string[] = [];
  const tasks = kinds.map((k, i) =>
    sched.spawn(`${k}${i}`, function* (task) {
      const r = yield waitOn(q, { exclusive: k === 'x' });
      woken.push(task.comm);
      return r;
    }),
  );
  sched.run({ order: tasks.map((t) => t.pid) });
  expect(q.length).toBe(kinds.length);
  wake(q);
  sched.run();
  return { woken: woken.sort(), q, tasks };
}

describe('wait queues (kernel/sched/wait.c)', () => {
  it.each<[string, Kind[], (q: WaitQueueHead) => void, string[]]>([
    ['wake_up: every shared waiter and the first exclusive one', ['x', 's', 'x', 's'], (q) => q.wakeUp(), ['s1', 's3', 'x0']],
    ['wake_up: only exclusive waiters → just the first', ['x', 'x', 'x'], (q) => q.wakeUp(), ['x0']],
    ['wake_up: only shared waiters → all', ['s', 's'], (q) => q.wakeUp(), ['s0', 's1']],
    ['wake_up_nr(2)', ['x', 'x', 'x', 's'], (q) => q.wakeUpNr(2), ['s3', 'x0', 'x1']],
    ['wake_up_all', ['x', 's', 'x'], (q) => q.wakeUpAll(), ['s1', 'x0', 'x2']],
  ])('%s', (_name, kinds, wake, expected) => {
    const { woken, q } = wakeScenario(kinds, wake);
    expect(woken).toEqual(expected);
    expect(q.length).toBe(kinds.length - expected.length);
  });

  it('puts exclusive waiters at the tail (FIFO) and shared waiters at the head', () => {
    const { sched } = makeSched();
    const q = new WaitQueueHead();
    const tasks = ['x0', 's1', 'x2', 's3'].map((c) => sched.spawn(c, function* () {
      yield waitOn(q, { exclusive: c.startsWith('x') });
    }));
    sched.run({ order: tasks.map((t) => t.pid) });
    expect(q.entries().map((e) => e.task!.comm)).toEqual(['s3', 's1', 'x0', 'x2']);
    const runnable = () => tasks.filter((t) => t.state === 'runnable').map((t) => t.comm);
    q.wakeUp();
    expect(runnable()).toEqual(['x0', 's1', 's3']);
    sched.run();
    q.wakeUp();
    expect(runnable()).toEqual(['x2']);
  });

  it('a killable waiter returns -EINTR on a fatal signal and leaves the queue', () => {
    const { sched } = makeSched();
    const q = new WaitQueueHead();
    const t = sched.spawn('w', function* () {
      return yield waitOn(q, { exclusive: true, state: TASK_KILLABLE });
    });
    sched.run();
    t.sendFatalSignal();
    sched.run();
    expect([t.state, t.result, q.length]).toEqual(['done', -Errno.EINTR, 0]);
  });

  it('an uninterruptible waiter sleeps through a fatal signal until woken', () => {
    const { sched } = makeSched();
    const q = new WaitQueueHead();
    const t = sched.spawn('w', function* () {
      return yield waitOn(q);
    });
    sched.run();
    t.sendFatalSignal();
    sched.run();
    expect(t.state).toBe('blocked');
    q.wakeUp();
    sched.run();
    expect([t.state, t.result]).toEqual(['done', 0]);
  });

  it('wake_up skips an exclusive waiter already woken by a signal and wakes the next one', () => {
    const { sched } = makeSched();
    const q = new WaitQueueHead();
    const [a, b] = ['a', 'b'].map((c) => sched.spawn(c, function* () {
      return yield waitOn(q, { exclusive: true, state: TASK_KILLABLE });
    }));
    sched.run({ order: [a!.pid, b!.pid] });
    a!.sendFatalSignal();
    expect(q.wakeUp()).toBe(1);
    sched.run();
    expect([a!.result, b!.result, q.length]).toEqual([-Errno.EINTR, 0, 0]);
  });

  it('does not sleep at all in a killable wait when a fatal signal is already pending', () => {
    const { sched } = makeSched();
    const q = new WaitQueueHead();
    const t = sched.spawn('w', function* (task) {
      task.sendFatalSignal();
      return yield waitOn(q, { state: TASK_KILLABLE });
    });
    sched.run();
    expect([t.result, q.length]).toEqual([-Errno.EINTR, 0]);
  });

  it('rejects an entry that is already queued and bad wake counts', () => {
    const q = new WaitQueueHead('q1');
    const { sched } = makeSched();
    sched.spawn('w', function* () {
      yield waitOn(q);
    });
    sched.run();
    const e = q.entries()[0]!;
    expect(() => new WaitQueueHead('q2').addTail(e)).toThrow(/EBUSY.*already on q1/);
    expect(() => q.wakeUpNr(0)).toThrow(/EINVAL/);
  });
});
