import { describe, expect, test } from '@jest/globals';

import { DEFAULT_SCENARIO } from './default-scenario';
import { parseScenarioText, validateScenario } from './load';
import { problems } from './__fixtures__/problems';

const machine = { nodes: [{ memory: '64MiB' }], layout: 'flat' };
const churn = {
  kind: 'churn',
  allocations: 100,
  mix: [{ class: 'movable', gfp: 'GFP_HIGHUSER_MOVABLE', weight: 1, orders: [{ order: 0, weight: 1 }], lifetime: { dist: 'fixed', ms: 1 } }],
};
const base = { name: 'small', seed: 7, machine, workload: { phases: [{ name: 'p', steps: [churn] }] } };

/** `base` with the first step replaced. */
function withStep(step: unknown): unknown {
  return { ...base, workload: { phases: [{ name: 'p', steps: [churn, { kind: 'drain' }, step] }] } };
}

describe('scenario schema: accepted', () => {
  test.each([
    ['minimal churn', base],
    ['the default scenario', DEFAULT_SCENARIO],
    ['every step kind', withStep({ kind: 'high-order-attempts', orders: [1, 9, 10], count: 2, gfp: 'GFP_KERNEL|__GFP_NOWARN' })],
    ['free-all by class', withStep({ kind: 'free-all', classes: ['movable'] })],
    ['advance', withStep({ kind: 'advance', ms: 10 })],
    ['numeric gfp', withStep({ kind: 'high-order-attempts', orders: [2], count: 1, gfp: 0xcc0 })],
    ['sysctl and description', { ...base, description: 'd', sysctl: { watermark_boost_factor: 0 } }],
  ])('%s', (_, data) => {
    expect(() => validateScenario(data)).not.toThrow();
  });

  test('defaults are filled in', () => {
    const s = validateScenario(base);
    const step = s.workload.phases[0]!.steps[0]!;
    expect(step).toMatchObject({ kind: 'churn', intervalUs: 1, placement: 'interleave' });
    expect(s.machine.nodes[0]!.cpus).toBe(1);
  });
});

describe('scenario schema: rejected with path and expectation', () => {
  test.each([
    ['unknown top-level key', { ...base, seeds: 3 }, '(root): unknown key "seeds"'],
    ['missing seed', { ...base, seed: undefined }, 'seed: Invalid input: expected number'],
    ['order out of range', withStep({ kind: 'high-order-attempts', orders: [1, 11], count: 1, gfp: 'GFP_KERNEL' }), 'workload.phases[0].steps[2].orders[1]: Too big: expected number to be <=10'],
    ['order not a number', withStep({ kind: 'high-order-attempts', orders: ['one'], count: 1, gfp: 'GFP_KERNEL' }), 'workload.phases[0].steps[2].orders[0]: Invalid input: expected number, received string'],
    ['unknown step kind', withStep({ kind: 'defrag' }), 'workload.phases[0].steps[2].kind: "kind" must be one of "churn", "free-all", "drain", "advance", "high-order-attempts", "mmap", "fault", "munmap", "pin", "hugepages", "compact", "sysctl", "alloc", "free"'],
    ['unknown gfp flag', withStep({ kind: 'high-order-attempts', orders: [1], count: 1, gfp: 'GFP_KERNAL' }), 'workload.phases[0].steps[2].gfp: EINVAL: unknown GFP flag "GFP_KERNAL"'],
    ['gfp of the wrong type', withStep({ kind: 'high-order-attempts', orders: [1], count: 1, gfp: true }), 'workload.phases[0].steps[2].gfp: expected string or number'],
    ['unknown key in a step', withStep({ kind: 'drain', all: true }), 'workload.phases[0].steps[2]: unknown key "all"'],
    ['bad lifetime', withStep({ ...churn, mix: [{ ...churn.mix[0], lifetime: { dist: 'uniform', minMs: 5, maxMs: 1 } }] }), 'workload.phases[0].steps[2].mix[0].lifetime.minMs: minMs must not exceed maxMs'],
    ['duplicate classes', withStep({ ...churn, mix: [churn.mix[0], churn.mix[0]] }), 'workload.phases[0].steps[2].mix: class names must be unique'],
    ['empty phases', { ...base, workload: { phases: [] } }, 'workload.phases: Too small'],
    ['bad machine key', { ...base, machine: { ...machine, numa: true } }, 'machine: unknown key "numa"'],
    ['bad name', { ...base, name: '../etc' }, 'name: letters, digits'],
  ])('%s', (_, data, expected) => {
    expect(problems(data)).toContain(expected);
  });

  test('every problem is listed, one per line', () => {
    const message = problems({ ...base, seed: -1, workload: { phases: [{ name: '', steps: [] }] } });
    expect(message).toMatch(/3 problems/);
    expect(message.split('\n').filter((l) => l.startsWith('  - '))).toHaveLength(3);
  });
});

describe('scenario files', () => {
  test.each([
    ['JSON', 'x.json', JSON.stringify(base)],
    ['YAML', 'x.yaml', 'name: small\nseed: 7\nmachine:\n  nodes: [{ memory: 64MiB }]\n  layout: flat\nworkload:\n  phases:\n    - name: p\n      steps:\n        - kind: drain\n'],
  ])('%s parses', (_, file, text) => {
    expect(parseScenarioText(text, file).name).toBe('small');
  });

  test.each([
    ['broken JSON', 'x.json', '{ "name": ', /x\.json: cannot parse/],
    ['broken YAML', 'x.yml', 'name: [unclosed', /x\.yml: cannot parse/],
  ])('%s is a usage error', (_, file, text, expected) => {
    expect(() => parseScenarioText(text, file)).toThrow(expected);
  });
});
