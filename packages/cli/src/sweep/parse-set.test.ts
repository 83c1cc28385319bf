import { describe, expect, test } from '@jest/globals';
import { UsageError } from '../cli-error';
import { parseSetArg, parseSetArgs } from './parse-set';

describe('parseSetArg', () => {
  test.each([
    ['seed=1,2,3', 'seed', [1, 2, 3]],
    ['sysctl.extfrag_threshold=0,500', 'sysctl.extfrag_threshold', [0, 500]],
    ['machine.nodes.0.memory=2GiB,4GiB', 'machine.nodes.0.memory', ['2GiB', '4GiB']],
    ['machine.nodes=[{"memory":"64MiB"}],[{"memory":"32MiB"},{"memory":"32MiB"}]', 'machine.nodes', [[{ memory: '64MiB' }], [{ memory: '32MiB' }, { memory: '32MiB' }]]],
    ['name="a,b",c', 'name', ['a,b', 'c']],
    ['flag=true,null', 'flag', [true, null]],
  ])('%s', (arg, key, values) => {
    expect(parseSetArg(arg)).toEqual({ key, values });
  });

  test.each([['seed'], ['=1'], ['seed=1,,2'], ['a..b=1'], ['machine.nodes.0x=1']])('%s is a usage error', (arg) => {
    expect(() => parseSetArg(arg)).toThrow(UsageError);
  });

  test('a key given twice is refused', () => {
    expect(() => parseSetArgs(['seed=1', 'seed=2'])).toThrow(/seed is given twice/);
  });
});
