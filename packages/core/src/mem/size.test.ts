import { KernelError } from '../errors';
import { formatSize, parseSize } from './size';

describe('parseSize', () => {
  it.each([
    ['4GiB', 4 * 1024 ** 3],
    ['512MiB', 512 * 1024 ** 2],
    ['512M', 512 * 1024 ** 2],
    ['64 KiB', 64 * 1024],
    ['1.5GiB', 1.5 * 1024 ** 3],
    ['65536', 65536],
    [4096, 4096],
  ])('parses %p', (input, bytes) => {
    expect(parseSize(input)).toBe(bytes);
  });

  it.each(['', 'lots', '4 GiBs', '-1', '1.1B'])('rejects %p with EINVAL', (input) => {
    expect(() => parseSize(input, 'nodes[0].memory')).toThrow(KernelError);
    try {
      parseSize(input, 'nodes[0].memory');
    } catch (e) {
      expect((e as KernelError).code).toBe('EINVAL');
      expect((e as KernelError).message).toContain('nodes[0].memory');
    }
  });

  it('formats with the largest unit that divides', () => {
    expect(formatSize(4 * 1024 ** 3)).toBe('4GiB');
    expect(formatSize(3 * 1024 ** 2)).toBe('3MiB');
    expect(formatSize(1000)).toBe('1000B');
  });
});
