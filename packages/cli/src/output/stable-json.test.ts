import { describe, expect, test } from '@jest/globals';
import { toStableJson } from './stable-json';

describe('toStableJson', () => {
  test.each([
    [{ b: 1, a: [1, 2] }, '{\n  "b": 1,\n  "a": [\n    1,\n    2\n  ]\n}\n'],
    [[], '[]\n'],
  ])('%j', (value, text) => {
    expect(toStableJson(value)).toBe(text);
  });

  test.each([[Infinity], [NaN]])('refuses %p instead of writing null', (bad) => {
    expect(() => toStableJson({ x: bad })).toThrow(/cannot write/);
  });
});
