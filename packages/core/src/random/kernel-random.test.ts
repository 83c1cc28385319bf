import { KernelError } from '../errors';
import { KernelRandom } from './kernel-random';

const draw = (r: KernelRandom, name: string, n = 20) => Array.from({ length: n }, () => r.stream(name).int(0, 1_000_000));

describe('KernelRandom', () => {
  it('replays the same sequence for the same seed and stream name', () => {
    expect(draw(new KernelRandom(42), 'workload')).toEqual(draw(new KernelRandom(42), 'workload'));
    expect(draw(new KernelRandom('experiment-7'), 'w')).toEqual(draw(new KernelRandom('experiment-7'), 'w'));
  });

  it('gives different sequences to different names and different seeds', () => {
    const r = new KernelRandom(42);
    expect(draw(r, 'workload')).not.toEqual(draw(r, 'driver:zsmalloc'));
    expect(draw(new KernelRandom(42), 'workload')).not.toEqual(draw(new KernelRandom(43), 'workload'));
    expect(draw(new KernelRandom('a'), 'workload')).not.toEqual(draw(new KernelRandom('b'), 'workload'));
  });

  it('treats 1 and "1" as the same seed (the CLI passes seeds as strings)', () => {
    expect(draw(new KernelRandom(1), 'x')).toEqual(draw(new KernelRandom('1'), 'x'));
  });

  it('does not depend on stream creation order or on draws from other streams', () => {
    const a = new KernelRandom(7);
    const aFirst = draw(a, 'first', 10);
    const aSecond = draw(a, 'second', 10);

    const b = new KernelRandom(7);
    b.stream('second');
    draw(b, 'noise', 500);
    const bSecond = draw(b, 'second', 10);
    const bFirst = draw(b, 'first', 10);

    expect(bFirst).toEqual(aFirst);
    expect(bSecond).toEqual(aSecond);
  });

  it('returns the same stream object per name, and fork() restarts it', () => {
    const r = new KernelRandom(3);
    expect(r.stream('s')).toBe(r.stream('s'));
    const first = r.stream('s').int(0, 1 << 30);
    expect(r.fork('s').int(0, 1 << 30)).toBe(first);
  });

  it('rejects seeds that are neither a finite number nor a string', () => {
    expect(() => new KernelRandom(Number.NaN)).toThrow(KernelError);
    expect(() => new KernelRandom({} as unknown as string)).toThrow(/finite number or a string/);
  });
});

describe('RandomStream', () => {
  const s = () => new KernelRandom(99).stream('t');

  it('int(min, max) covers both bounds and nothing outside', () => {
    const st = s();
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) seen.add(st.int(-2, 2));
    expect([...seen].sort()).toEqual([-1, -2, 0, 1, 2].sort());
    expect(st.int(5, 5)).toBe(5);
  });

  it('float() stays in [0, 1) and is not constant', () => {
    const st = s();
    const values = Array.from({ length: 1000 }, () => st.float());
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(new Set(values).size).toBeGreaterThan(990);
  });

  it('bool(p) honours the extremes and is roughly fair in between', () => {
    const st = s();
    expect(Array.from({ length: 100 }, () => st.bool(0)).some(Boolean)).toBe(false);
    expect(Array.from({ length: 100 }, () => st.bool(1)).every(Boolean)).toBe(true);
    const heads = Array.from({ length: 4000 }, () => st.bool(0.25)).filter(Boolean).length;
    expect(heads).toBeGreaterThan(800);
    expect(heads).toBeLessThan(1200);
  });

  it('pick() returns members; shuffle() permutes in place', () => {
    const st = s();
    const items = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    for (let i = 0; i < 50; i++) expect(items).toContain(st.pick(items));
    const copy = items.slice();
    const result = st.shuffle(copy);
    expect(result).toBe(copy);
    expect(copy.slice().sort()).toEqual(items);
    expect(copy).not.toEqual(items);
  });

  it('rejects invalid arguments with EINVAL', () => {
    const st = s();
    expect(() => st.int(3, 2)).toThrow(/min <= max/);
    expect(() => st.int(0.5, 2)).toThrow(KernelError);
    expect(() => st.pick([])).toThrow(/empty array/);
    expect(() => st.bool(1.5)).toThrow(/probability/);
  });
});
