import type { z } from 'zod';

type Issue = z.core.$ZodIssue;
type PathKey = PropertyKey;

/** `machine.nodes[0].memory`: the path as a user would write it in a config file. */
export function formatPath(path: readonly PathKey[], root = ''): string {
  let out = root;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out || '(root)';
}

/** What one issue expected, in words; unions list what each alternative wanted. */
function describe(issue: Issue): string {
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const alternatives = issue.errors.map((branch) => {
      const first = branch[0];
      if (!first) return 'something else';
      const where = first.path.length ? ` at ${formatPath(first.path)}` : '';
      return `${describe(first)}${where}`;
    });
    const received = /, received (\w+)$/.exec(alternatives[0] ?? '')?.[1];
    const bare = alternatives.map((a) => a.replace(/, received \w+$/, ''));
    const unique = [...new Set(bare)].map((a, i) => (i > 0 ? a.replace(/^expected /, '') : a));
    return `${unique.join(' or ')}${received && alternatives.every((a) => a.endsWith(`received ${received}`)) ? `, received ${received}` : ''}`;
  }
  if (issue.code === 'invalid_type' && issue.message.endsWith('received undefined')) {
    return `is required (expected ${issue.expected})`;
  }
  if (issue.code === 'unrecognized_keys') {
    return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')} (check the spelling; unknown keys are rejected, not ignored)`;
  }
  return issue.message.replace(/^Invalid input: /, '');
}

/**
 * One line per problem, `  - <path>: <what was expected>`, so a user can fix every bad field of
 * a config in one go instead of one per run.
 */
export function formatIssues(issues: readonly Issue[], root = ''): string {
  return issues.map((issue) => `  - ${formatPath(issue.path, root)}: ${describe(issue)}`).join('\n');
}
