import { describe, expect, test } from '@jest/globals';
import { UsageError } from '../cli-error';
import { loadScenarioFile } from '../scenario/load';
import { SMALL_SCENARIO } from '../testing';
import { buildVariants, cartesian, setPath, variantSlug } from './variants';

describe('sweep variants', () => {
  test('cartesian product, first axis slowest', () => {
    expect(cartesian([{ key: 'a', values: [1, 2] }, { key: 'b', values: ['x', 'y', 'z'] }])).toEqual([
      { a: 1, b: 'x' }, { a: 1, b: 'y' }, { a: 1, b: 'z' }, { a: 2, b: 'x' }, { a: 2, b: 'y' }, { a: 2, b: 'z' },
    ]);
    expect(cartesian([])).toEqual([{}]);
  });

  test('setPath creates missing objects and arrays, and refuses to step into a scalar', () => {
    const o: Record<string, unknown> = { seed: 1 };
    setPath(o, 'sysctl.extfrag_threshold', 500);
    setPath(o, 'list.0.v', 'x');
    expect(o).toEqual({ seed: 1, sysctl: { extfrag_threshold: 500 }, list: [{ v: 'x' }] });
    expect(() => setPath(o, 'seed.x', 1)).toThrow(/seed is 1, not an object/);
  });

  test('slugs are file-name safe', () => {
    expect(variantSlug({ seed: 1, 'machine.nodes.0.memory': '2GiB' }, 0)).toBe('seed=1_machine.nodes.0.memory=2GiB');
    expect(variantSlug({ x: [1, { a: '/' }] }, 3)).toBe('x=-1-a-');
    expect(variantSlug({}, 3)).toBe('variant-3');
  });

  test('each variant is the base scenario with its values set, validated', () => {
    const base = loadScenarioFile(SMALL_SCENARIO);
    const vs = buildVariants(base, [{ key: 'seed', values: [7, 8] }, { key: 'machine.nodes.0.memory', values: ['32MiB'] }]);
    expect(vs.map((v) => [v.slug, v.scenario.seed, v.scenario.machine.nodes[0]!.memory])).toEqual([
      ['seed=7_machine.nodes.0.memory=32MiB', 7, '32MiB'],
      ['seed=8_machine.nodes.0.memory=32MiB', 8, '32MiB'],
    ]);
    // The base is not modified.
    expect(base.seed).toBe(3);
  });

  test.each([
    ['an unknown key', 'sysctl.no_such_knob', [1], /sysctl\.no_such_knob/],
    ['a bad value', 'seed', [-1], /seed/],
  ])('%s is a usage error naming the key', (_n, key, values, message) => {
    const base = loadScenarioFile(SMALL_SCENARIO);
    let err: unknown;
    try {
      buildVariants(base, [{ key, values }]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(message);
  });
});
