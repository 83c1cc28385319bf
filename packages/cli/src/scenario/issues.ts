import type { z } from 'zod';

/** `workload.phases[0].steps[2].orders[1]` from a zod issue path; `(root)` for the top level. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$-]*$/.test(key)) out += out ? `.${key}` : key;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out || '(root)';
}

/**
 * One line per issue, `path: what was expected`. zod's unknown-key and discriminator messages are
 * rewritten to name the key and the accepted values, which is what a user needs to fix the file.
 */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => {
    const i = issue as z.core.$ZodIssue & { keys?: string[]; note?: string; discriminator?: string; options?: unknown[] };
    let message = issue.message;
    if (issue.code === 'unrecognized_keys' && i.keys) {
      message = `unknown key${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `"${k}"`).join(', ')}`;
    } else if (issue.code === 'invalid_union' && i.note === 'No matching discriminator' && i.discriminator) {
      message = `"${i.discriminator}" must be one of ${(i.options ?? []).map((o) => JSON.stringify(o)).join(', ') || 'the documented values'}`;
    } else if (issue.code === 'invalid_union') {
      // A plain union (size: string | number) reports "Invalid input"; say which types would do.
      const expected = issue.errors.flat().filter((e) => e.code === 'invalid_type' && e.path.length === 0).map((e) => (e as { expected: string }).expected);
      if (expected.length) message = `expected ${[...new Set(expected)].join(' or ')}`;
    }
    return `${formatPath(issue.path)}: ${message}`;
  });
}
