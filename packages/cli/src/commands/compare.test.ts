import { describe, expect, test } from '@jest/globals';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, tempDir } from '../testing';

/** A run directory holding `summary` as its summary.json (raw text when a string). */
function runDir(summary: unknown): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'summary.json'), typeof summary === 'string' ? summary : JSON.stringify(summary));
  return dir;
}

const A = {
  scenario: { name: 'x', seed: 1, machine: { nodes: [{ memory: 64 }] } },
  seed: 1,
  counters: { compact_stall: 10, compact_fail: 0, pgmigrate_success: 200 },
  workload: { highOrder: [{ orders: [{ order: 9, successes: 4 }] }] },
  label: 'text is not compared',
};
const B = {
  scenario: { name: 'x', seed: 2, machine: { nodes: [{ memory: 128 }] } },
  seed: 2,
  counters: { compact_stall: 15, compact_fail: 3, compact_success: 7 },
  workload: { highOrder: [{ orders: [{ order: 9, successes: 2 }] }] },
  metrics: { p99LatencyUs: 1.5 },
};

describe('mmsim compare', () => {
  test('prints every numeric leaf side by side with deltas and flags one-run keys', async () => {
    const r = await cli('compare', runDir(A), runDir(B));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const line = (key: string) => r.stdout.split('\n').find((l) => l.startsWith(`${key} `))?.trim().split(/\s{2,}/);
    expect(line('counters.compact_stall')).toEqual(['counters.compact_stall', '10', '15', '+5', '+50%']);
    expect(line('workload.highOrder.0.orders.0.successes')).toEqual(['workload.highOrder.0.orders.0.successes', '4', '2', '-2', '-50%']);
    // a = 0: the absolute delta is shown, the ratio is undefined.
    expect(line('counters.compact_fail')).toEqual(['counters.compact_fail', '0', '3', '+3', '-']);
    expect(line('counters.pgmigrate_success')).toEqual(['counters.pgmigrate_success', '200', '-', '-', '-', 'only A']);
    expect(line('metrics.p99LatencyUs')).toEqual(['metrics.p99LatencyUs', '-', '1.5', '-', '-', 'only B']);
    expect(r.stdout).not.toMatch(/^scenario\./m);
    expect(r.stdout).not.toMatch(/label/);
    expect(r.stdout).toMatch(/8 keys, 4 changed, 3 in one run only/);
  });

  test('--json gives the rows and --only keeps a prefix or a glob', async () => {
    const a = runDir(A);
    const b = runDir(B);
    const prefix = await cli('compare', a, b, '--json', '--only', 'counters');
    expect(prefix.code).toBe(0);
    const doc = JSON.parse(prefix.stdout);
    expect(doc.a).toBe(a);
    expect(doc.rows).toEqual([
      { key: 'counters.compact_fail', a: 0, b: 3, delta: 3 },
      { key: 'counters.compact_stall', a: 10, b: 15, delta: 5, deltaPct: 50 },
      { key: 'counters.compact_success', b: 7, only: 'b' },
      { key: 'counters.pgmigrate_success', a: 200, only: 'a' },
    ]);
    const glob = JSON.parse((await cli('compare', a, b, '--json', '--only', '*compact_s*')).stdout);
    expect(glob.rows.map((row: { key: string }) => row.key)).toEqual(['counters.compact_stall', 'counters.compact_success']);
    // A prefix matches whole key segments only.
    expect(JSON.parse((await cli('compare', a, b, '--json', '--only', 'count')).stdout).rows).toEqual([]);
  });

  test('identical runs show no changes', async () => {
    const r = await cli('compare', runDir(A), runDir(A));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/6 keys, 0 changed, 0 in one run only/);
  });

  test.each([
    ['a missing directory', () => join(tempDir(), 'nope'), /does not exist/],
    ['a directory without summary.json', () => tempDir(), /has no summary\.json/],
    ['invalid JSON', () => runDir('{ not json'), /summary\.json is not valid JSON/],
    ['a file instead of a directory', () => { const d = tempDir(); mkdirSync(join(d, 'x')); writeFileSync(join(d, 'f'), ''); return join(d, 'f'); }, /is not a directory/],
  ])('%s is a usage error', async (_name, makeDir, message) => {
    const r = await cli('compare', runDir(A), makeDir());
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
  });
});
