import { ContractViolation, Errno } from '../errors';
import { makeSched } from '../sync/__fixtures__/sched';
import type { MmuIntervalNotifier } from './interval-notifier';
import { MmuNotifierSubscriptions, type MmuNotifierOps } from './mmu-notifier';
import {
  MMU_NOTIFIER_RANGE_BLOCKABLE, MMU_NOTIFIER_RANGE_END_ALL, MmuNotifyEvent, mmuNotifierRangeInit,
  rangeForFolio, type MmuNotifierRange,
} from './mmu-notifier-range';

const KiB4 = 0x1000;
const block = (start: number, end: number, event = MmuNotifyEvent.UNMAP) => mmuNotifierRangeInit(event, MMU_NOTIFIER_RANGE_BLOCKABLE, start, end);
const nonblock = (start: number, end: number) => mmuNotifierRangeInit(MmuNotifyEvent.UNMAP, 0, start, end);

/** A well-behaved driver interval notifier (lib/test_hmm.c: dmirror_interval_invalidate) that logs calls. */
function driver(log: Array<[number, number, number, MmuNotifyEvent]> = [], opts: { busy?: () => boolean; self?: unknown } = {}) {
  return {
    log,
    invalidate(mni: MmuIntervalNotifier, range: MmuNotifierRange, curSeq: number): boolean {
      if (range.event === MmuNotifyEvent.MIGRATE && range.owner !== undefined && range.owner === opts.self) return true;
      if (!(range.flags & MMU_NOTIFIER_RANGE_BLOCKABLE) && opts.busy?.()) return false;
      mni.setSeq(curSeq);
      log.push([range.start, range.end, curSeq, range.event]);
      return true;
    },
  };
}

describe('MMU interval notifiers: the collision-retry sequence (mm/mmu_notifier.c, F66)', () => {
  it('seq starts at 2, is odd during an overlapping invalidation and even again after the last end', () => {
    const subs = new MmuNotifierSubscriptions();
    const d = driver();
    const mni = subs.insert(0x10000, 4 * KiB4, d);
    expect([subs.seq, mni.invalidateSeq]).toEqual([2, 1]);
    const seq = mni.readBegin();
    expect(seq).toBe(1);
    expect(mni.readRetry(seq)).toBe(false);

    const r = block(0x11000, 0x12000);
    expect(subs.invalidateRangeStart(r)).toBe(0);
    expect([subs.seq, subs.isInvalidating, mni.invalidateSeq]).toEqual([3, true, 3]);
    expect(d.log).toEqual([[0x11000, 0x12000, 3, MmuNotifyEvent.UNMAP]]);
    expect(mni.readRetry(seq)).toBe(true);
    expect(mni.readBegin()).toBe(-Errno.EAGAIN); // colliding invalidation in progress
    subs.invalidateRangeEnd(r);
    expect([subs.seq, subs.isInvalidating]).toEqual([4, false]);
    const seq2 = mni.readBegin();
    expect(seq2).toBe(3);
    expect(mni.readRetry(seq2)).toBe(false);
  });

  it('nested invalidations keep seq odd until the last one ends', () => {
    const subs = new MmuNotifierSubscriptions();
    const mni = subs.insert(0, 16 * KiB4, driver());
    const a = block(0, KiB4);
    const b = block(KiB4, 2 * KiB4);
    subs.invalidateRangeStart(a);
    subs.invalidateRangeStart(b);
    expect(subs.activeRanges).toBe(2);
    subs.invalidateRangeEnd(a);
    expect([subs.seq, mni.readBegin()]).toEqual([3, -Errno.EAGAIN]);
    subs.invalidateRangeEnd(b);
    expect([subs.seq, subs.activeRanges, mni.readBegin()]).toEqual([4, 0, 3]);
  });

  it.each<[string, number, number, boolean]>([
    ['ends just before the interval', 0, 0x10000, false],
    ['covers its first byte', 0xf000, 0x10001, true],
    ['covers its last byte', 0x13fff, 0x14000, true],
    ['starts just after it', 0x14000, 0x15000, false],
    ['covers everything', 0, MMU_NOTIFIER_RANGE_END_ALL, true],
  ])('a range that %s %s the interval [0x10000, 0x14000)', (_n, start, end, hits) => {
    const subs = new MmuNotifierSubscriptions();
    const d = driver();
    subs.insert(0x10000, 4 * KiB4, d);
    const r = block(start, end);
    subs.invalidateRangeStart(r);
    expect(d.log.length).toBe(hits ? 1 : 0);
    expect(subs.seq).toBe(hits ? 3 : 2);
    subs.invalidateRangeEnd(r);
    expect(subs.seq).toBe(hits ? 4 : 2);
  });

  it('calls overlapping notifiers in order of their start', () => {
    const subs = new MmuNotifierSubscriptions();
    const order: string[] = [];
    for (const [name, start] of [['c', 0x3000], ['a', 0x1000], ['b', 0x2000]] as const) {
      subs.insert(start, KiB4, { invalidate: (mni, _r, seq) => { mni.setSeq(seq); order.push(name); return true; } });
    }
    const r = block(0, 0x10000);
    subs.invalidateRangeStart(r);
    subs.invalidateRangeEnd(r);
    expect(order).toEqual(['a', 'b', 'c']);
  });

  it('a driver skips its own MIGRATE range (H6) and its seq does not move', () => {
    const subs = new MmuNotifierSubscriptions();
    const self = {};
    const d = driver([], { self });
    const mni = subs.insert(0, 4 * KiB4, d);
    const seq = mni.readBegin();
    const r = rangeForFolio(0, 0, MmuNotifyEvent.MIGRATE, MMU_NOTIFIER_RANGE_BLOCKABLE, self);
    subs.invalidateRangeStart(r);
    subs.invalidateRangeEnd(r);
    expect([d.log.length, mni.readRetry(seq)]).toEqual([0, false]);
  });

  it('readBeginWait sleeps in a task until the invalidation ends', () => {
    const { sched } = makeSched();
    const subs = new MmuNotifierSubscriptions();
    const mni = subs.insert(0, KiB4, driver());
    const r = block(0, KiB4);
    subs.invalidateRangeStart(r);
    const t = sched.spawn('dmirror_fault', function* () {
      return yield* mni.readBeginWait();
    });
    sched.run();
    expect(t.state).toBe('blocked');
    subs.invalidateRangeEnd(r);
    sched.run();
    expect([t.state, t.result]).toEqual(['done', 3]);
  });

  it('rejects set_seq with an even value and bad intervals', () => {
    const subs = new MmuNotifierSubscriptions();
    const mni = subs.insert(0, KiB4, driver());
    expect(() => mni.setSeq(2)).toThrow(/EINVAL.*odd/);
    expect(() => subs.insert(0, 0, driver())).toThrow(/EINVAL/);
    expect(() => subs.insert(-1, KiB4, driver())).toThrow(/EINVAL/);
    expect(() => subs.insert(MMU_NOTIFIER_RANGE_END_ALL, KiB4, driver())).toThrow(/EINVAL/);
    expect(() => subs.insert(0, KiB4, {} as never)).toThrow(/EINVAL.*invalidate/);
  });
});

describe('MMU notifiers: start/end pairing and -EAGAIN (F65)', () => {
  it('pairs every start with an end and refuses an end without a start', () => {
    const subs = new MmuNotifierSubscriptions();
    const r = block(0, KiB4);
    expect(subs.invalidateRangeStart(r)).toBe(0);
    expect(subs.activeRanges).toBe(1);
    subs.invalidateRangeEnd(r);
    expect(subs.activeRanges).toBe(0);
    expect(() => subs.invalidateRangeEnd(r)).toThrow(ContractViolation);
    expect(() => subs.invalidateRangeEnd(block(0, KiB4))).toThrow(/F65.*without a successful invalidate_range_start/);
    expect(subs.stats).toEqual({ starts: 1, ends: 1, failedStarts: 0 });
  });

  it('a busy interval notifier fails a non-blockable start with -EAGAIN; nothing stays open and end is refused', () => {
    const subs = new MmuNotifierSubscriptions();
    let busy = true;
    const d = driver([], { busy: () => busy });
    subs.insert(0, KiB4, d);
    const legacy = { calls: 0, invalidateRangeStart: () => { legacy.calls++; return 0; } };
    subs.register(legacy);
    const r = nonblock(0, KiB4);
    expect(subs.invalidateRangeStart(r)).toBe(-Errno.EAGAIN);
    expect([subs.seq, subs.isInvalidating, subs.activeRanges, legacy.calls]).toEqual([4, false, 0, 0]);
    expect(() => subs.invalidateRangeEnd(r)).toThrow(/F65/);
    busy = false;
    expect(subs.invalidateRangeStart(r)).toBe(0);
    subs.invalidateRangeEnd(r);
    expect(subs.stats).toEqual({ starts: 1, ends: 1, failedStarts: 1 });
  });

  it('legacy subscribers run newest first; a failed non-blockable start calls every end, including the ones that succeeded', () => {
    const subs = new MmuNotifierSubscriptions();
    const log: string[] = [];
    const mk = (name: string, fail: boolean): MmuNotifierOps => ({
      invalidateRangeStart: () => { log.push(`${name}.start`); return fail ? -Errno.EAGAIN : 0; },
      invalidateRangeEnd: () => log.push(`${name}.end`),
    });
    subs.register(mk('old', false));
    subs.register(mk('new', true));
    const mni = subs.insert(0, KiB4, driver());
    expect(subs.invalidateRangeStart(nonblock(0, KiB4))).toBe(-Errno.EAGAIN);
    expect(log).toEqual(['new.start', 'old.start', 'new.end', 'old.end']);
    // The interval side was ended too: seq is even, readers are not blocked.
    expect([subs.seq, subs.activeRanges, mni.readBegin()]).toEqual([4, 0, 3]);
  });

  it.each<[string, (subs: MmuNotifierSubscriptions) => void, RegExp]>([
    ['an interval notifier refusing a blockable range', (s) => { s.insert(0, KiB4, { invalidate: () => false }); }, /H6/],
    ['a legacy subscriber failing a blockable range', (s) => { s.register({ invalidateRangeStart: () => false }); }, /F65.*blockable/],
  ])('%s is a ContractViolation that leaves nothing open', (_n, setup, msg) => {
    const subs = new MmuNotifierSubscriptions();
    setup(subs);
    subs.insert(0x10000, KiB4, driver());
    expect(() => subs.invalidateRangeStart(block(0, 0x20000))).toThrow(msg);
    expect([subs.isInvalidating, subs.activeRanges]).toEqual([false, 0]);
  });

  it('a legacy subscriber failing a non-blockable range with another errno is a ContractViolation', () => {
    const subs = new MmuNotifierSubscriptions();
    subs.register({ invalidateRangeStart: () => -Errno.ENOMEM });
    expect(() => subs.invalidateRangeStart(nonblock(0, KiB4))).toThrow(/F65.*-12.*only with -EAGAIN/);
    expect(subs.activeRanges).toBe(0);
  });
});

describe('MMU interval notifiers: deferred insert/remove', () => {
  it('defers an insert during an invalidation to the final end', () => {
    const subs = new MmuNotifierSubscriptions();
    subs.insert(0, KiB4, driver());
    const r = block(0, KiB4);
    subs.invalidateRangeStart(r);
    const late = driver();
    const mni = subs.insert(0, 2 * KiB4, late);
    expect([subs.intervals.length, subs.deferred.length, mni.invalidateSeq]).toEqual([1, 1, 3]);
    expect(mni.readBegin()).toBe(-Errno.EAGAIN); // it must assume it is being invalidated
    const nested = block(KiB4, 2 * KiB4);
    subs.invalidateRangeStart(nested);
    subs.invalidateRangeEnd(nested);
    expect(late.log).toEqual([]);
    subs.invalidateRangeEnd(r);
    expect([subs.intervals.length, subs.deferred.length, mni.readBegin()]).toEqual([2, 0, 3]);
    const again = block(KiB4, 2 * KiB4);
    subs.invalidateRangeStart(again);
    subs.invalidateRangeEnd(again);
    expect(late.log).toEqual([[KiB4, 2 * KiB4, 5, MmuNotifyEvent.UNMAP]]);
  });

  it('an insert while only non-overlapping ranges are active goes in at once and makes seq odd', () => {
    const subs = new MmuNotifierSubscriptions();
    const r = block(0x100000, 0x101000);
    subs.invalidateRangeStart(r);
    expect(subs.seq).toBe(2);
    const mni = subs.insert(0, KiB4, driver());
    expect([subs.seq, subs.intervals.length, mni.invalidateSeq]).toEqual([3, 1, 3]);
    subs.invalidateRangeEnd(r);
    expect([subs.seq, mni.readBegin()]).toEqual([4, 3]);
  });

  it('defers a remove during an invalidation, with no callbacks after remove() returns', () => {
    const subs = new MmuNotifierSubscriptions();
    const d = driver();
    const mni = subs.insert(0, KiB4, d);
    const r = block(0, KiB4);
    subs.invalidateRangeStart(r);
    mni.remove();
    expect([subs.intervals.length, subs.deferred.length]).toEqual([1, 1]);
    const nested = block(0, KiB4);
    subs.invalidateRangeStart(nested);
    subs.invalidateRangeEnd(nested);
    expect(d.log.length).toBe(1);
    subs.invalidateRangeEnd(r);
    expect([subs.intervals.length, subs.deferred.length]).toEqual([0, 0]);
    expect(() => mni.remove()).toThrow(/EINVAL.*removed/);
  });

  it('removing a deferred insert before the end cancels it', () => {
    const subs = new MmuNotifierSubscriptions();
    subs.insert(0, KiB4, driver());
    const r = block(0, KiB4);
    subs.invalidateRangeStart(r);
    subs.insert(0, KiB4, driver()).remove();
    subs.invalidateRangeEnd(r);
    expect([subs.intervals.length, subs.deferred.length]).toEqual([1, 0]);
  });
});

describe('MMU notifiers: release on mm teardown (F67)', () => {
  it('sends every interval notifier a blockable RELEASE range over everything and calls legacy ->release once', () => {
    const subs = new MmuNotifierSubscriptions();
    const d1 = driver();
    const d2 = driver();
    subs.insert(0x1000, KiB4, d1);
    subs.insert(0x7fff_0000_0000, KiB4, d2);
    let released = 0;
    let starts = 0;
    const legacy = subs.register({ release: () => released++, invalidateRangeStart: () => { starts++; return 0; } });
    subs.release();
    expect(d1.log).toEqual([[0, MMU_NOTIFIER_RANGE_END_ALL, 3, MmuNotifyEvent.RELEASE]]);
    expect(d2.log).toEqual([[0, MMU_NOTIFIER_RANGE_END_ALL, 3, MmuNotifyEvent.RELEASE]]);
    expect([released, legacy.registered, subs.seq, subs.intervals.length]).toEqual([1, false, 4, 2]);
    legacy.unregister(); // already gone: no second ->release
    expect(released).toBe(1);
    const r = block(0, KiB4);
    subs.invalidateRangeStart(r);
    subs.invalidateRangeEnd(r);
    expect(starts).toBe(0);
    expect(() => subs.release()).toThrow(/EINVAL.*torn down/);
    expect(() => subs.insert(0, KiB4, driver())).toThrow(/EINVAL/);
  });

  it('mmu_notifier_unregister calls ->release of a live subscriber', () => {
    const subs = new MmuNotifierSubscriptions();
    let released = 0;
    const sub = subs.register({ release: () => released++ });
    sub.unregister();
    sub.unregister();
    expect([released, sub.registered]).toEqual([1, false]);
  });
});

describe('rangeForFolio', () => {
  it.each([
    [0x400000, 0, 0x401000],
    [0x400000, 9, 0x600000],
  ])('covers PAGE_SIZE << order from 0x%s (order %p)', (addr, order, end) => {
    expect(rangeForFolio(addr, order)).toEqual({ start: addr, end, event: MmuNotifyEvent.MIGRATE, flags: MMU_NOTIFIER_RANGE_BLOCKABLE });
  });

  it.each([[0x400001, 0], [-4096, 0], [0, -1], [0, 1.5]])('rejects addr %p order %p', (addr, order) => {
    expect(() => rangeForFolio(addr, order)).toThrow(/EINVAL/);
  });
});
