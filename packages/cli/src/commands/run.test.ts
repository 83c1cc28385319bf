import { describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, SMALL_SCENARIO, tempDir } from '../testing';

const OUTPUT_FILES = [
  'summary.json',
  'proc/buddyinfo',
  'proc/pagetypeinfo',
  'proc/vmstat',
  'proc/zoneinfo',
  'proc/unusable_index',
  'proc/extfrag_index',
  'trace.txt',
];

async function runSmall(...extra: string[]): Promise<{ out: string; stdout: string }> {
  const out = tempDir();
  const r = await cli('run', SMALL_SCENARIO, '--out', out, ...extra);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return { out, stdout: r.stdout };
}

describe('mmsim run', () => {
  test('writes every output file and a summary table', async () => {
    const { out, stdout } = await runSmall();
    for (const f of OUTPUT_FILES) expect(existsSync(join(out, f))).toBe(true);
    expect(stdout).toMatch(/scenario small, seed 3/);
    expect(stdout).toMatch(/order\s+attempts\s+successes/);
    expect(stdout).toMatch(/extfrag events: \d+/);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.seed).toBe(3);
    expect(summary.workload.highOrder[0].orders).toHaveLength(10);
    expect(summary.fragmentation.unusableIndex[0].orders).toHaveLength(11);
    expect(summary.counters.nr_free_pages).toBe(summary.memory.freePages);
    // The fixture ends with free-all of the movable class; forever-lived unmovable pages remain.
    expect(summary.workload.livePages.movable).toBe(0);
    expect(summary.workload.livePages.unmovable).toBeGreaterThan(0);
    expect(summary.workload.steps.map((s: { kind: string }) => s.kind)).toEqual(['churn', 'advance', 'drain', 'high-order-attempts', 'free-all']);
  });

  test('the same seed gives byte-identical outputs', async () => {
    const a = await runSmall('--quiet');
    const b = await runSmall('--quiet');
    for (const f of OUTPUT_FILES) expect(readFileSync(join(b.out, f))).toEqual(readFileSync(join(a.out, f)));
  });

  test('--seed overrides the scenario seed and changes the result', async () => {
    const a = await runSmall('--quiet');
    const b = await runSmall('--quiet', '--seed', '4');
    const sa = JSON.parse(readFileSync(join(a.out, 'summary.json'), 'utf8'));
    const sb = JSON.parse(readFileSync(join(b.out, 'summary.json'), 'utf8'));
    expect(sb.seed).toBe(4);
    expect(sb.scenario.seed).toBe(4);
    expect(sb.counters).not.toEqual(sa.counters);
  });

  test('trace.txt records extfrag events by default and --trace chooses others', async () => {
    const a = await runSmall('--quiet');
    const byDefault = readFileSync(join(a.out, 'trace.txt'), 'utf8');
    expect(byDefault).toMatch(/^# tracer: nop/);
    expect(byDefault).toMatch(/mm_page_alloc_extfrag: page=/);
    expect(byDefault).not.toMatch(/mm_page_free:/);
    const b = await runSmall('--quiet', '--trace', 'mm_page_free');
    const chosen = readFileSync(join(b.out, 'trace.txt'), 'utf8');
    expect(chosen).toMatch(/mm_page_free: page=/);
    expect(chosen).not.toMatch(/mm_page_alloc_extfrag:/);
  });

  test('--quiet prints nothing', async () => {
    const { stdout } = await runSmall('--quiet');
    expect(stdout).toBe('');
  });

  test('outputs hold no host paths', async () => {
    const { out } = await runSmall('--quiet');
    for (const f of OUTPUT_FILES) expect(readFileSync(join(out, f), 'utf8')).not.toContain(out);
  });
});

describe('built-in scenarios', () => {
  test('mmsim scenarios lists every built-in with its description and provenance', async () => {
    const r = await cli('scenarios');
    expect(r.code).toBe(0);
    for (const name of ['stress-highalloc', 'compaction-test', 'thpscale', 'frag-quicksilver', 'frag-llfree', 'unmovable-interleave', 'pinned-scatter']) {
      expect(r.stdout).toMatch(new RegExp(`^${name} +\\S`, 'm'));
    }
    expect(r.stdout).toMatch(/from: experiments\.md W2: kselftest mm\/compaction_test\.c/);
  });

  test('mmsim run NAME runs the built-in at the --ram size', async () => {
    const out = tempDir();
    const r = await cli('run', 'compaction-test', '--ram', '64', '--out', out, '--quiet');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.scenario.name).toBe('compaction-test');
    expect(summary.scenario.machine.nodes[0].memory).toBe('64MiB');
    expect(summary.workload.steps.map((s: { kind: string }) => s.kind)).toEqual(['hugepages', 'mmap', 'munmap', 'hugepages']);
    expect(summary.workload.steps[3].detail.compactionTest.limit).toBe(3);
  });
});

describe('mmsim run: user errors exit 2 with one message', () => {
  const bad = tempDir();
  writeFileSync(join(bad, 'bad.json'), JSON.stringify({ name: 'x', seed: 1, machine: { nodes: [] }, workload: { phases: [] } }));
  writeFileSync(join(bad, 'odd.json'), JSON.stringify({ name: 'x', seed: 1, machine: { nodes: [{ memory: '5MiB' }], layout: 'flat' }, workload: { phases: [{ name: 'p', steps: [{ kind: 'drain' }] }] } }));

  test.each([
    ['missing file', ['run', join(bad, 'nope.yaml')], /cannot read scenario file .*nope\.yaml: no such file/],
    ['invalid scenario', ['run', join(bad, 'bad.json')], /bad\.json is not a valid scenario \(2 problems\):\n  - machine\.nodes: Too small.*\n  - workload\.phases: Too small/],
    ['machine the kernel refuses', ['run', join(bad, 'odd.json'), '--out', join(bad, 'o')], /scenario "x": EINVAL: /],
    ['bad seed', ['run', '--seed', 'abc'], /option '--seed <n>' argument 'abc' is invalid\. expected a non-negative integer/],
    ['bad trace list', ['run', '--trace', ','], /expected tracepoint names/],
    ['unknown tracepoint', ['run', SMALL_SCENARIO, '--trace', 'mm_bogus', '--out', join(bad, 't')], /--trace: EINVAL: cannot trace "mm_bogus"/],
    ['unknown option', ['run', '--sed', '1'], /unknown option '--sed'/],
    ['unknown built-in scenario', ['run', 'stress-lowalloc'], /no scenario file or built-in scenario "stress-lowalloc"; built-in scenarios: stress-highalloc, compaction-test, .*pinned-scatter/],
    ['--ram with a scenario file', ['run', SMALL_SCENARIO, '--ram', '64'], /--ram applies to built-in scenarios only/],
    ['--ram not a multiple of 4', ['run', 'thpscale', '--ram', '66'], /expected MiB of RAM, a multiple of 4/],
    ['unknown command', ['walk'], /unknown command 'walk'/],
    ['unknown bench suite', ['bench', 'nope'], /unknown benchmark suite "nope"; choose one of core, .*, all/],
  ])('%s', async (_, argv, message) => {
    const r = await cli(...argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  test('--help exits 0', async () => {
    const r = await cli('run', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--seed <n>/);
  });
});
