import { ContractViolation, Errno, KernelError } from '../errors';
import { PG } from '../mem/page-flags';
import { sleep, waitOn, yieldCpu } from './task';
import { WaitQueueHead } from './wait-queue';
import { makeSched } from './__fixtures__/sched';

const PFN = 8;

/** A holder that keeps the page locked for `holdNs`, then unlocks. */
function spawnHolder(k: ReturnType<typeof makeSched>, holdNs = 1000, pfn = PFN) {
  return k.sched.spawn('holder', function* () {
    yield* k.locks.lockPage(pfn);
    yield sleep(holdNs);
    k.locks.unlockPage(pfn);
  });
}

describe('PageLocks: trylock / unlock (mm/filemap.c)', () => {
  it('trylock takes a free lock once; unlock releases it', () => {
    const { locks } = makeSched();
    expect(locks.trylockPage(PFN)).toBe(true);
    expect(locks.isLocked(PFN)).toBe(true);
    expect(locks.trylockPage(PFN)).toBe(false);
    expect(locks.lockPageOrFail(PFN)).toBe(-Errno.EAGAIN);
    locks.unlockPage(PFN);
    expect(locks.isLocked(PFN)).toBe(false);
    expect(locks.lockPageOrFail(PFN)).toBe(0);
  });

  it('unlocking an unlocked page is a ContractViolation and changes nothing', () => {
    const { locks, frames } = makeSched();
    const before = frames.flags[PFN];
    expect(() => locks.unlockPage(PFN)).toThrow(ContractViolation);
    expect(() => locks.unlockPage(PFN)).toThrow(/SYNC1.*not locked/);
    expect(frames.flags[PFN]).toBe(before);
  });

  it('acts on the compound head: locking a tail page locks the folio', () => {
    const { locks, frames } = makeSched();
    const head = 16;
    frames.flags[head] |= 1 << PG.head;
    for (let p = head; p < head + 4; p++) frames.order[p] = 2;
    for (let p = head + 1; p < head + 4; p++) frames.flags[p] |= 1 << PG.tail;
    expect(locks.trylockPage(head + 3)).toBe(true);
    expect(frames.testFlag(head, PG.locked)).toBe(true);
    expect(frames.testFlag(head + 3, PG.locked)).toBe(false);
    expect(locks.isLocked(head + 1)).toBe(true);
    locks.unlockPage(head + 2);
    expect(locks.isLocked(head)).toBe(false);
  });

  it.each([-1, 1.5, 64, NaN])('rejects pfn %p with EINVAL', (pfn) => {
    const { locks } = makeSched();
    expect(() => locks.trylockPage(pfn)).toThrow(KernelError);
    expect(() => locks.isLocked(pfn)).toThrow(/EINVAL/);
  });

  it.each([
    ['lockPage', (k: ReturnType<typeof makeSched>) => k.locks.lockPage(PFN)],
    ['lockPageKillable', (k: ReturnType<typeof makeSched>) => k.locks.lockPageKillable(PFN)],
    ['waitOnPageLocked', (k: ReturnType<typeof makeSched>) => k.locks.waitOnPageLocked(PFN)],
    ['waitOnPageWriteback', (k: ReturnType<typeof makeSched>) => k.locks.waitOnPageWriteback(PFN)],
  ])('%s outside a task throws a KernelError pointing at trylock, even when uncontended', (_n, call) => {
    const k = makeSched();
    expect(() => call(k).next()).toThrow(/EAGAIN: .*inside a simulated task.*trylock/);
    expect(k.locks.isLocked(PFN)).toBe(false);
  });
});

describe('PageLocks: waiters', () => {
  // Seed regression: "page-lock waiters are served in FIFO order" (commits 3510ca20ece0 and
  // 9c3a815f471a: page waitqueue entries are always added at the tail).
  it.each([
    [1, 0], [1, 5], [7, 0], [7, 5], ['fifo', 5], [42, 3],
  ])('page-lock waiters are served in FIFO order (seed %p, page_lock_unfairness %p)', (seed, unfairness) => {
    const k = makeSched(seed);
    k.locks.pageLockUnfairness = unfairness;
    const acquired: string[] = [];
    const arrived: string[] = [];
    const gate = new WaitQueueHead('gate');
    const holder = k.sched.spawn('holder', function* () {
      yield* k.locks.lockPage(PFN);
      yield waitOn(gate);
      k.locks.unlockPage(PFN);
    });
    for (let i = 0; i < 6; i++) {
      k.sched.spawn(`w${i}`, function* (task) {
        yield yieldCpu();
        arrived.push(task.comm);
        yield* k.locks.lockPage(PFN);
        acquired.push(task.comm);
        yield yieldCpu();
        yield yieldCpu();
        k.locks.unlockPage(PFN);
      });
    }
    // Everyone queues behind the holder, in a seeded order, and the scheduler runs out of work.
    k.sched.run({ order: [holder.pid] });
    const queued = k.locks.lockWaiters(PFN).map((t) => t.comm);
    expect(queued).toEqual(arrived);
    expect(queued).toHaveLength(6);
    expect(k.locks.hasWaiters(PFN)).toBe(true);
    gate.wakeUp();
    k.sched.run();
    expect(acquired).toEqual(queued);
    expect(k.locks.isLocked(PFN)).toBe(false);
    expect(k.locks.hasWaiters(PFN)).toBe(false);
    expect(k.sched.tasks.every((t) => t.state === 'done')).toBe(true);
  });

  it.each([
    // unfairness 0: the unlocker hands the lock to the first waiter; a trylock right after fails.
    [0, false, ['a', 'b']],
    // default 5: the woken waiter must take the lock itself; a thief gets it first and the waiter
    // re-queues at the tail, behind b.
    [5, true, ['b', 'a']],
  ])('page_lock_unfairness %p: trylock after unlock succeeds=%p, then order %p', (unfairness, stolen, order) => {
    const k = makeSched();
    k.locks.pageLockUnfairness = unfairness;
    const acquired: string[] = [];
    let stole: boolean | undefined;
    const holder = k.sched.spawn('holder', function* () {
      yield* k.locks.lockPage(PFN);
      yield sleep(100);
      k.locks.unlockPage(PFN);
      stole = k.locks.trylockPage(PFN);
      if (stole) {
        yield sleep(100);
        k.locks.unlockPage(PFN);
      }
    });
    const waiters = ['a', 'b'].map((c) => k.sched.spawn(c, function* (task) {
      yield* k.locks.lockPage(PFN);
      acquired.push(task.comm);
      k.locks.unlockPage(PFN);
    }));
    k.sched.run({ order: [holder.pid, waiters[0]!.pid, waiters[1]!.pid] });
    expect(stole).toBe(stolen);
    expect(acquired).toEqual(order);
  });

  it('PG_waiters is set exactly while the page has waiters', () => {
    const k = makeSched();
    spawnHolder(k);
    expect(k.locks.hasWaiters(PFN)).toBe(false);
    const w = k.sched.spawn('w', function* () {
      yield* k.locks.lockPage(PFN);
      k.locks.unlockPage(PFN);
    });
    k.sched.run({ maxSteps: 2, order: [1 + 1, w.pid] });
    expect(k.locks.lockWaiters(PFN)).toEqual([w]);
    expect(k.locks.hasWaiters(PFN)).toBe(true);
    k.sched.run();
    expect(k.locks.hasWaiters(PFN)).toBe(false);
  });

  it('an uncontended unlock leaves the wait table alone (no PG_waiters, no wake-up walk)', () => {
    const k = makeSched();
    const other = 9;
    spawnHolder(k, 1000, other);
    k.sched.run({ maxSteps: 1 });
    const q = k.locks.waitTable.queueFor(other);
    k.locks.trylockPage(PFN);
    k.locks.unlockPage(PFN);
    expect(q.length).toBe(0);
    expect(k.locks.hasWaiters(PFN)).toBe(false);
  });

  it('waitOnPageLocked (shared) wakes every shared waiter ahead of the first lock waiter; later ones wait for the next unlock', () => {
    const k = makeSched();
    k.locks.pageLockUnfairness = 0;
    const log: string[] = [];
    const holder = spawnHolder(k, 100);
    const shared = (c: string) => k.sched.spawn(c, function* () {
      yield* k.locks.waitOnPageLocked(PFN);
      log.push(`${c} saw unlock, locked=${k.locks.isLocked(PFN)}`);
    });
    const s1 = shared('s1');
    const s2 = shared('s2');
    const x = k.sched.spawn('x', function* () {
      yield* k.locks.lockPage(PFN);
      log.push('x locked');
      yield sleep(100);
      k.locks.unlockPage(PFN);
    });
    const s3 = shared('s3');
    k.sched.run({ order: [holder.pid, s1.pid, s2.pid, x.pid, s3.pid] });
    expect(log.slice(0, 2).sort()).toEqual(['s1 saw unlock, locked=true', 's2 saw unlock, locked=true']);
    expect(log.slice(2)).toEqual(['x locked', 's3 saw unlock, locked=false']);
  });

  it('lock_page (uninterruptible) still takes the lock with a fatal signal pending', () => {
    const k = makeSched();
    spawnHolder(k);
    const w = k.sched.spawn('w', function* () {
      yield* k.locks.lockPage(PFN);
      return k.locks.isLocked(PFN);
    });
    k.sched.run({ maxSteps: 2 });
    w.sendFatalSignal();
    k.sched.run();
    expect([w.state, w.result]).toEqual(['done', true]);
  });
});

describe('PageLocks: lock_page_killable', () => {
  it.each([0, 5])('takes the lock if woken, even when the fatal signal arrives before it runs (unfairness %p)', (unfairness) => {
    const k = makeSched();
    k.locks.pageLockUnfairness = unfairness;
    const holder = spawnHolder(k);
    const w = k.sched.spawn('w', function* () {
      return yield* k.locks.lockPageKillable(PFN);
    });
    const other = k.sched.spawn('other', function* () {
      yield* k.locks.lockPage(PFN);
      k.locks.unlockPage(PFN);
    });
    // holder locks and sleeps; w, then other queue behind it.
    k.sched.run({ order: [holder.pid, w.pid, other.pid], maxSteps: 3 });
    // The holder unlocks (waking w), then w is killed before it gets the CPU.
    k.clock.advance(1000);
    k.sched.run({ order: [holder.pid], maxSteps: 1 });
    w.sendFatalSignal();
    k.sched.run({ order: [w.pid], maxSteps: 1 });
    expect([w.state, w.result, k.locks.isLocked(PFN)]).toEqual(['done', 0, true]);
    // w holds the lock: the other waiter is still queued and runs once w's lock is released.
    expect(other.state).toBe('blocked');
    k.locks.unlockPage(PFN);
    k.sched.run();
    expect(other.state).toBe('done');
  });

  it('returns -EINTR when killed before being woken, leaving the lock to its holder', () => {
    const k = makeSched();
    const holder = spawnHolder(k);
    const w = k.sched.spawn('w', function* () {
      return yield* k.locks.lockPageKillable(PFN);
    });
    k.sched.run({ order: [holder.pid, w.pid], maxSteps: 2 });
    w.sendFatalSignal();
    k.sched.run({ order: [w.pid], maxSteps: 1 });
    expect([w.state, w.result]).toEqual(['done', -Errno.EINTR]);
    expect(k.locks.isLocked(PFN)).toBe(true);
    expect(k.locks.lockWaiters(PFN)).toEqual([]);
    // PG_waiters may stay set until the next wake-up clears it (mm/filemap.c comment).
    k.sched.run();
    expect([k.locks.isLocked(PFN), k.locks.hasWaiters(PFN)]).toEqual([false, false]);
  });

  it.each([
    ['free lock: the fast path succeeds', false, 0, true],
    ['held lock: does not sleep, -EINTR', true, -Errno.EINTR, false],
  ])('with a fatal signal already pending, %s', (_n, held, expected, ours) => {
    const k = makeSched();
    if (held) k.locks.trylockPage(PFN);
    const w = k.sched.spawn('w', function* (task) {
      task.sendFatalSignal();
      const r = yield* k.locks.lockPageKillable(PFN);
      return [r, task.slices];
    });
    k.sched.run();
    expect(w.result).toEqual([expected, 1]);
    expect(k.locks.isLocked(PFN)).toBe(ours || held);
  });
});

describe('PageLocks: writeback', () => {
  it('waitOnPageWriteback sleeps until endPageWriteback and wakes all waiters', () => {
    const k = makeSched();
    k.locks.trylockPage(PFN);
    k.locks.setPageWriteback(PFN);
    k.locks.unlockPage(PFN);
    expect(k.locks.waitOnPageWritebackOrFail(PFN)).toBe(-Errno.EBUSY);
    const done: number[] = [];
    const ws = [0, 1, 2].map((i) => k.sched.spawn(`w${i}`, function* () {
      yield* k.locks.waitOnPageWriteback(PFN);
      done.push(i);
    }));
    k.sched.run();
    expect(ws.map((w) => w.state)).toEqual(['blocked', 'blocked', 'blocked']);
    expect(k.locks.writebackWaiters(PFN)).toHaveLength(3);
    expect(k.locks.hasWaiters(PFN)).toBe(true);
    k.locks.endPageWriteback(PFN);
    k.sched.run();
    expect(done.sort()).toEqual([0, 1, 2]);
    expect(k.locks.isWriteback(PFN)).toBe(false);
    expect(k.locks.hasWaiters(PFN)).toBe(false);
    expect(k.locks.waitOnPageWritebackOrFail(PFN)).toBe(0);
  });

  it('does not sleep when the page is not under writeback', () => {
    const k = makeSched();
    const w = k.sched.spawn('w', function* (task) {
      yield* k.locks.waitOnPageWriteback(PFN);
      return task.slices;
    });
    k.sched.run();
    expect(w.result).toBe(1);
  });

  it('killable writeback wait returns -EINTR on a fatal signal', () => {
    const k = makeSched();
    k.locks.trylockPage(PFN);
    k.locks.setPageWriteback(PFN);
    const w = k.sched.spawn('w', function* () {
      return yield* k.locks.waitOnPageWritebackKillable(PFN);
    });
    k.sched.run();
    w.sendFatalSignal();
    k.sched.run();
    expect([w.result, k.locks.isWriteback(PFN)]).toEqual([-Errno.EINTR, true]);
  });

  it.each([
    ['start without the page lock', (k: ReturnType<typeof makeSched>) => k.locks.setPageWriteback(PFN), /SYNC1.*locked/],
    ['start twice', (k: ReturnType<typeof makeSched>) => {
      k.locks.trylockPage(PFN);
      k.locks.setPageWriteback(PFN);
      k.locks.setPageWriteback(PFN);
    }, /SYNC2.*already under writeback/],
    ['end without writeback', (k: ReturnType<typeof makeSched>) => k.locks.endPageWriteback(PFN), /SYNC2.*not under writeback/],
  ])('%s is a ContractViolation', (_n, act, msg) => {
    const k = makeSched();
    expect(() => act(k)).toThrow(msg);
  });
});
