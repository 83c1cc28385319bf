/**
 * `--only` filter: a pattern with `*` (any run of characters, dots included) must match the whole
 * key; a pattern without `*` is a prefix, matching itself and anything below it (`counters`
 * matches `counters.compact_stall` but not `countersX`).
 */
export function keyFilter(pattern: string): (key: string) => boolean {
  if (pattern.includes('*')) {
    const source = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
    const re = new RegExp(`^${source}$`);
    return (key) => re.test(key);
  }
  const p = pattern.endsWith('.') ? pattern.slice(0, -1) : pattern;
  return (key) => key === p || key.startsWith(`${p}.`);
}
