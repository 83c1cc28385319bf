import { describe, expect, test } from '@jest/globals';
import { renderTable } from './table';

describe('renderTable', () => {
  test('aligns numbers right and text left, with a rule under the header', () => {
    expect(renderTable(['order', 'label'], [[1, 'a'], [10, 'bcd']])).toBe(
      ['order  label', '-----  -----', '    1  a', '   10  bcd', ''].join('\n'),
    );
  });
});
