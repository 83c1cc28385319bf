import { describe, expect, test } from '@jest/globals';
import { formatPath } from './issues';

describe('formatPath', () => {
  test.each([
    [[], '(root)'],
    [['seed'], 'seed'],
    [['workload', 'phases', 0, 'steps', 2, 'orders', 1], 'workload.phases[0].steps[2].orders[1]'],
    [['machine', 'nodes', 0, 'memory'], 'machine.nodes[0].memory'],
    [['sysctl', 'odd key'], 'sysctl["odd key"]'],
  ])('%j → %s', (path, expected) => {
    expect(formatPath(path)).toBe(expected);
  });
});
