import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CliIo } from '../io';
import { cli, SMALL_SCENARIO, tempDir } from '../testing';
import { sweepCommand } from './sweep';

/** The compiled CLI: `pnpm test` runs `tsc -b` first, so it is current. Worker threads need it. */
const DIST_MAIN = join(__dirname, '..', '..', 'dist', 'main.js');

function captureIo(): CliIo & { out: () => string } {
  let out = '';
  return { stdout: (t) => void (out += t), stderr: () => {}, stderrIsTTY: false, env: {}, out: () => out };
}

function distSweep(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [DIST_MAIN, 'sweep', ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const SETS = ['--set', 'seed=3,4', '--set', 'sysctl.extfrag_threshold=0,1000'];
const SLUGS = ['seed=3_sysctl.extfrag_threshold=0', 'seed=3_sysctl.extfrag_threshold=1000', 'seed=4_sysctl.extfrag_threshold=0', 'seed=4_sysctl.extfrag_threshold=1000'];

describe('mmsim sweep', () => {
  test('in-process: every variant gets its directory, sweep.csv and sweep.json hold keys and metrics', async () => {
    const out = tempDir();
    const io = captureIo();
    await sweepCommand(SMALL_SCENARIO, { set: ['seed=3,4', 'sysctl.extfrag_threshold=0,1000'], out, workers: false }, io);
    for (const slug of SLUGS) {
      const summary = JSON.parse(readFileSync(join(out, slug, 'summary.json'), 'utf8'));
      const [, seed, threshold] = /seed=(\d+)_sysctl.extfrag_threshold=(\d+)/.exec(slug)!;
      expect(summary.seed).toBe(Number(seed));
      expect(summary.scenario.sysctl.extfrag_threshold).toBe(Number(threshold));
      expect(existsSync(join(out, slug, 'proc', 'buddyinfo'))).toBe(true);
    }
    const json = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8'));
    expect(json.keys).toEqual(['seed', 'sysctl.extfrag_threshold']);
    expect(json.rows.map((r: { variant: string }) => r.variant)).toEqual(SLUGS);
    expect(json.rows[0].values).toEqual({ seed: 3, 'sysctl.extfrag_threshold': 0 });
    expect(json.metrics).toContain('counters.compact_stall');
    // extfrag_threshold 1000 makes every compaction attempt "not suitable" (fragmentation index
    // never exceeds it), so no compaction stalls; with 0 compaction runs.
    const stall = (i: number) => json.rows[i].metrics['counters.compact_stall'];
    expect(stall(1)).toBe(0);
    expect(stall(0)).toBeGreaterThan(0);
    const csv = readFileSync(join(out, 'sweep.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe(['variant', 'seed', 'sysctl.extfrag_threshold', ...json.metrics].join(','));
    expect(csv.slice(1).map((l) => l.split(',').slice(0, 3).join(','))).toEqual(SLUGS.map((s, i) => `${s},${3 + (i >> 1)},${i % 2 ? 1000 : 0}`));
    expect(io.out()).toMatch(/sweep small: 4 variants/);
  });

  test('worker threads (dist build): same results with 1 and 2 jobs, and equal to in-process', async () => {
    const one = tempDir();
    const two = tempDir();
    const r1 = distSweep(SMALL_SCENARIO, ...SETS, '--out', one, '--jobs', '1', '--quiet');
    const r2 = distSweep(SMALL_SCENARIO, ...SETS, '--out', two, '--jobs', '2');
    expect(r1.stderr).toBe('');
    expect(r1.status).toBe(0);
    expect(r2.status).toBe(0);
    expect(r2.stdout).toMatch(/sweep small: 4 variants/);
    expect(readFileSync(join(two, 'sweep.json'), 'utf8')).toBe(readFileSync(join(one, 'sweep.json'), 'utf8'));
    for (const slug of SLUGS) expect(readFileSync(join(two, slug, 'summary.json'))).toEqual(readFileSync(join(one, slug, 'summary.json')));
    const inProcess = tempDir();
    await sweepCommand(SMALL_SCENARIO, { set: ['seed=3,4', 'sysctl.extfrag_threshold=0,1000'], out: inProcess, workers: false, quiet: true }, captureIo());
    expect(readFileSync(join(inProcess, 'sweep.json'), 'utf8')).toBe(readFileSync(join(one, 'sweep.json'), 'utf8'));
  });

  test('a variant that fails at run time fails the sweep, naming the variant (workers and in-process alike)', async () => {
    const args = ['--set', 'machine.nodes.0.memory=64MiB,1MiB'];
    const r = distSweep(SMALL_SCENARIO, ...args, '--out', tempDir(), '--jobs', '2');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/run failed: variant machine\.nodes\.0\.memory=1MiB: .*EINVAL/);
    await expect(sweepCommand(SMALL_SCENARIO, { set: args.slice(1), out: tempDir(), workers: false, quiet: true }, captureIo())).rejects.toThrow(/^variant machine\.nodes\.0\.memory=1MiB: .*EINVAL/);
  });

  test.each([
    ['an unknown key', ['--set', 'sysctl.bogus=1'], /sysctl\.bogus/],
    ['an invalid value', ['--set', 'seed=1,-5'], /seed/],
    ['a malformed --set', ['--set', 'seed'], /expected key=value/],
    ['a bad --jobs', ['--jobs', '0'], /--jobs/],
  ])('%s is a usage error before anything runs', async (_n, args, message) => {
    const out = join(tempDir(), 'never');
    const r = await cli('sweep', SMALL_SCENARIO, ...args, '--out', out);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(existsSync(out)).toBe(false);
  });

  test('an unknown scenario name is a usage error', async () => {
    const r = await cli('sweep', 'no-such-scenario', '--set', 'seed=1');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no scenario file or built-in scenario "no-such-scenario"/);
  });

  test('a built-in scenario name resolves through the library; --set overrides its machine', async () => {
    const out = tempDir();
    await sweepCommand('frag-llfree', { set: ['seed=5', 'machine.nodes=[{"memory":"64MiB"}]'], out, workers: false, quiet: true }, captureIo());
    const json = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8'));
    expect(json.scenario).toBe('frag-llfree');
    const summary = JSON.parse(readFileSync(join(out, json.rows[0].variant, 'summary.json'), 'utf8'));
    expect(summary.seed).toBe(5);
    expect(summary.machine.maxPfn).toBe(16384);
  });
});
