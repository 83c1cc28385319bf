import { describe, expect, test } from '@jest/globals';

import { validateScenario } from './load';
import { problems } from './__fixtures__/problems';

const machine = { nodes: [{ memory: '64MiB' }], layout: 'flat' };
const mmap = { kind: 'mmap', region: 'anon', size: { fraction: 0.5, of: 'MemTotal' } };

function scenario(steps: unknown[], phase: Record<string, unknown> = {}): unknown {
  return { name: 's', seed: 1, machine, workload: { phases: [{ name: 'p', steps, ...phase }] } };
}

describe('address-space, hugetlb and allocator steps: accepted', () => {
  test.each([
    ['mmap by fraction', mmap],
    ['mmap in MiB, file-backed, THP, locked', { kind: 'mmap', region: 'f', size: { mib: 8 }, backing: 'file', thp: 'hugepage', locked: true }],
    ['fault with stride', { kind: 'fault', region: 'anon', write: false, stridePages: 16 }],
    ['munmap a sub-range of every 2 MiB', { kind: 'munmap', region: 'anon', chunk: { mib: 2 }, offsetKiB: 0, lengthKiB: 1024 }],
    ['munmap every other chunk', { kind: 'munmap', region: 'anon', chunk: { fraction: 0.1, of: 'MemFree' }, every: 2, startAt: 1, deferredSplit: false }],
    ['pin', { kind: 'pin', region: 'anon', fraction: 0.01 }],
    ['hugepages with the compaction_test rule', { kind: 'hugepages', count: 100000, passRule: 'compaction_test' }],
    ['compact', { kind: 'compact' }],
    ['sysctl', { kind: 'sysctl', name: 'min_free_kbytes', value: 1024 }],
    ['alloc', { kind: 'alloc', pool: 'kernel', gfp: 'GFP_KERNEL', order: 0, size: { fraction: 1, of: 'MemFree' } }],
    ['free random', { kind: 'free', pool: 'kernel', pick: 'random', fraction: 0.5 }],
    ['free every other', { kind: 'free', pool: 'kernel', pick: 'every-other' }],
    ['fault writing text, paced', { kind: 'fault', region: 'anon', data: 'text', paceUs: 20 }],
    ['zram-swap by fraction with a mem_limit', { kind: 'zram-swap', disksize: { fraction: 1, of: 'MemTotal' }, memLimit: { mib: 8 }, priority: 5 }],
    ['zram-stat', { kind: 'zram-stat' }],
    ['balloon by fraction with driver options', { kind: 'balloon', target: { fraction: 0.5, of: 'MemTotal' }, hostLatencyNs: 1000, deflateOnOom: false }],
    ['balloon by pages', { kind: 'balloon', target: { pages: 0 }, settleMs: 100 }],
  ])('%s', (_, step) => {
    expect(() => validateScenario(scenario([step]))).not.toThrow();
  });

  test('defaults are filled in', () => {
    const s = validateScenario(scenario([mmap, { kind: 'fault', region: 'anon' }, { kind: 'munmap', region: 'anon' }]));
    expect(s.workload.phases[0]!.steps).toEqual([
      { ...mmap, backing: 'anon', thp: 'default', locked: false },
      { kind: 'fault', region: 'anon', write: true, stridePages: 1, data: 'none', paceUs: 0 },
      { kind: 'munmap', region: 'anon', offsetKiB: 0, every: 1, startAt: 0, deferredSplit: true },
    ]);
  });

  test('a phase may repeat until no free order-9 block is left', () => {
    expect(validateScenario(scenario([mmap], { repeat: { max: 4, until: 'no-free-order9' } })).workload.phases[0]!.repeat).toEqual({ max: 4, until: 'no-free-order9' });
  });
});

describe('address-space, hugetlb and allocator steps: rejected with path and expectation', () => {
  const at = 'workload.phases[0].steps[0]';
  test.each([
    ['fraction above 1', { ...mmap, size: { fraction: 1.5, of: 'MemTotal' } }, `${at}.size.fraction: Too big: expected number to be <=1`],
    ['size of an unknown base', { ...mmap, size: { fraction: 0.5, of: 'SwapTotal' } }, `${at}.size: a size is`],
    ['region name with a capital', { ...mmap, region: 'Anon' }, `${at}.region: a lower-case name`],
    ['unknown THP advice', { ...mmap, thp: 'always' }, `${at}.thp: Invalid option`],
    ['unaligned munmap offset', { kind: 'munmap', region: 'anon', offsetKiB: 3 }, `${at}.offsetKiB: offsetKiB must be a multiple of the 4 KiB page`],
    ['zero-stride fault', { kind: 'fault', region: 'anon', stridePages: 0 }, `${at}.stridePages: Too small`],
    ['pin of nothing', { kind: 'pin', region: 'anon', fraction: 0 }, `${at}.fraction: Too small`],
    ['unknown key in pin', { kind: 'pin', region: 'anon', fraction: 0.1, longterm: false }, `${at}: unknown key "longterm"`],
    ['unknown pass rule', { kind: 'hugepages', count: 1, passRule: 'thp' }, `${at}.passRule: Invalid input: expected "compaction_test"`],
    ['sysctl without a runtime handler', { kind: 'sysctl', name: 'watermark_boost_factor', value: 0 }, `${at}.name: Invalid option`],
    ['alloc with a bad gfp', { kind: 'alloc', pool: 'k', gfp: 'GFP_KERNAL', size: { mib: 1 } }, `${at}.gfp: EINVAL: unknown GFP flag "GFP_KERNAL"`],
    ['random free without a fraction', { kind: 'free', pool: 'k', pick: 'random' }, `${at}.fraction: fraction is required with pick: random and not allowed otherwise`],
    ['zram-swap below the boot-time swap priority', { kind: 'zram-swap', disksize: { mib: 8 }, priority: -2 }, `${at}.priority: Too small`],
    ['zram-swap with an unimplemented compressor', { kind: 'zram-swap', disksize: { mib: 8 }, algorithm: 'zstd' }, `${at}.algorithm: Invalid input: expected "deflate"`],
    ['balloon target of MemFree', { kind: 'balloon', target: { fraction: 0.5, of: 'MemFree' } }, `${at}.target: a balloon target is { fraction: 0..1, of: MemTotal } or { pages: N }`],
    ['unknown key in balloon', { kind: 'balloon', target: { pages: 1 }, oom: true }, `${at}: unknown key "oom"`],
    ['every-other free with a fraction', { kind: 'free', pool: 'k', pick: 'every-other', fraction: 0.5 }, `${at}.fraction: fraction is required with pick: random`],
  ])('%s', (_, step, expected) => {
    expect(problems(scenario([step]))).toContain(expected);
  });

  test('an unknown repeat condition', () => {
    expect(problems(scenario([mmap], { repeat: { max: 2, until: 'forever' } }))).toContain('workload.phases[0].repeat.until: until must be "no-free-order9"');
  });
});
