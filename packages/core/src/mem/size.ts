import { KernelError } from '../errors';

const UNITS: Record<string, number> = {
  '': 1, B: 1,
  K: 1024, KB: 1024, KIB: 1024,
  M: 1024 ** 2, MB: 1024 ** 2, MIB: 1024 ** 2,
  G: 1024 ** 3, GB: 1024 ** 3, GIB: 1024 ** 3,
  T: 1024 ** 4, TB: 1024 ** 4, TIB: 1024 ** 4,
};

/**
 * Parses a memory size such as "4GiB", "512M", "64 KiB" or a plain byte count. Units are binary
 * (the kernel's memparse: K/M/G mean 2^10/2^20/2^30) whether written KB or KiB.
 */
export function parseSize(value: string | number, what = 'size'): number {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new KernelError('EINVAL', `${what} must be a non-negative whole number of bytes, got ${value}`);
    }
    return value;
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(value);
  const unit = m ? UNITS[m[2]!.toUpperCase()] : undefined;
  if (!m || unit === undefined) {
    throw new KernelError('EINVAL', `${what} "${value}" is not a size; write it like "4GiB", "512MiB" or "65536"`);
  }
  const bytes = Number(m[1]) * unit;
  if (!Number.isSafeInteger(bytes)) {
    throw new KernelError('EINVAL', `${what} "${value}" is not a whole number of bytes`);
  }
  return bytes;
}

/** Formats a byte count with the largest binary unit that divides it: 4294967296 → "4GiB". */
export function formatSize(bytes: number): string {
  for (const [unit, size] of [['TiB', 1024 ** 4], ['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return `${bytes}B`;
}
