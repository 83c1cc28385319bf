/**
 * tinybench 6 is ESM-only. This CommonJS package loads it with a real dynamic import (kept as
 * `import()` by `module: node20`), so nothing that jest loads ever evaluates it (toolchain.md P9).
 */
export type Tinybench = typeof import('tinybench');

export function loadTinybench(): Promise<Tinybench> {
  return import('tinybench');
}
