import {
  GFP_HIGHUSER_MOVABLE, MADV_HUGEPAGE, MAP_ANONYMOUS, MAP_PRIVATE, MigrateMode, MigrateReason, PAGE_SIZE, PMD_SIZE, PROT_READ, PROT_WRITE,
  __GFP_THISNODE, createKernel, type Kernel, type Process,
} from '@mmsim/core';
import { populateRefpool, refpoolDriver } from '@mmsim/testkit';
import { performance } from 'node:perf_hooks';
import type { BenchSuite, SuiteResult } from './suite';

/** Pages moved by move_pages in the anon benchmark (the 1,000,000). */
const ANON_PAGES = 1_000_000;
const THP_COUNT = 256;
const MOVABLE_PAGES = 100_000;

function machine(nodeMemory: string): Kernel {
  return createKernel({ machine: { nodes: [{ memory: nodeMemory }, { memory: nodeMemory }], layout: 'flat' }, thp: 'madvise', seed: 1 });
}

/**
 * Maps `pages` private anonymous pages, faults them in and stamps page i with fingerprint i + 1.
 * The stamps are implied by the page order, not kept in a Map: a Map keyed by 1M addresses (above
 * 2^31, so each a heap-allocated number) filled V8's young generation right before the timed call,
 * and two ~50 ms scavenges copying it landed inside every timed move_pages.
 */
function populateAnon(kernel: Kernel, p: Process, pages: number, huge: boolean): { start: number; addrs: number[] } {
  const length = pages * PAGE_SIZE;
  let start = kernel.vm.mmap(p, { length: length + (huge ? PMD_SIZE : 0), prot: PROT_READ | PROT_WRITE, flags: MAP_PRIVATE | MAP_ANONYMOUS });
  if (huge) {
    start = Math.ceil(start / PMD_SIZE) * PMD_SIZE;
    kernel.vm.madvise(p, start, length, MADV_HUGEPAGE);
  }
  kernel.vm.touch(p, start, length, true);
  const step = huge ? PMD_SIZE : PAGE_SIZE;
  const addrs: number[] = [];
  for (let a = start; a < start + length; a += step) addrs.push(a);
  for (let i = 0; i < pages; i++) kernel.mem.content.setFingerprint(kernel.vm.followPage(p, start + i * PAGE_SIZE).pfn, i + 1);
  return { start, addrs };
}

/** Every page still holds its stamp (read through the process's page tables) and sits on `node`. */
function verify(kernel: Kernel, p: Process, start: number, pages: number, node: number): void {
  for (let i = 0; i < pages; i++) {
    const a = start + i * PAGE_SIZE;
    const pfn = kernel.vm.followPage(p, a).pfn;
    if (kernel.mem.content.fingerprint(pfn) !== i + 1) throw new Error(`page at 0x${a.toString(16)} lost its contents`);
    if (kernel.mem.pageZone(pfn).nid !== node) throw new Error(`page at 0x${a.toString(16)} is not on node ${node}`);
  }
}

/** move_pages(MIGRATE_SYNC) of every page to node 1, timed; contents verified after. */
function movePagesRate(huge: boolean): { perSec: number; pages: number } {
  const kernel = machine(huge ? '2GiB' : '8GiB');
  const p = kernel.vm.createProcess({ comm: 'bench', uid: 0 });
  const pages = huge ? THP_COUNT * 512 : ANON_PAGES;
  const { start, addrs } = populateAnon(kernel, p, pages, huge);
  const status = new Int32Array(addrs.length);
  const nodes = new Array<number>(addrs.length).fill(1);
  const t0 = performance.now();
  const ret = kernel.movePages.movePages(p, p, addrs, nodes, status);
  const ms = performance.now() - t0;
  if (ret !== 0) throw new Error(`move_pages left ${ret} pages behind`);
  verify(kernel, p, start, pages, 1);
  return { perSec: Math.round((addrs.length * 1000) / ms), pages };
}

/** refpool pages isolated and migrated by migratePages (MIGRATE_SYNC) to the other node. */
function movableOpsRate(): number {
  const kernel = machine('2GiB');
  kernel.loadDriver(refpoolDriver);
  const pfns = populateRefpool(kernel, MOVABLE_PAGES);
  const target = kernel.migration.targetAllocator({ nid: 1, gfpMask: GFP_HIGHUSER_MOVABLE | __GFP_THISNODE });
  const t0 = performance.now();
  const list = kernel.migration.newList();
  for (const pfn of pfns) if (kernel.migration.isolateMovablePage(pfn) === 0) list.add(pfn);
  const res = kernel.migration.migratePages(list, target, undefined, MigrateMode.SYNC, MigrateReason.MR_COMPACTION);
  const ms = performance.now() - t0;
  if (res.ret !== 0 || res.succeeded !== pfns.length) throw new Error(`movable_ops migration left ${res.ret} pages behind`);
  return Math.round((pfns.length * 1000) / ms);
}

export const migrateSuite: BenchSuite = {
  name: 'migrate',
  description: 'move_pages of 1M anonymous pages and of THPs, movable_ops migration of a driver',
  async run(log): Promise<SuiteResult> {
    // Two identical runs on fresh kernels: the first one also pays for JIT compilation of the
    // migration path (reported as the cold figure); the second is the steady-state rate that the
    // target and the kernel's published figure (~0.8M pages/s) are about.
    log(`move_pages: ${ANON_PAGES.toLocaleString('en-US')} anonymous 4 KiB pages, node 0 -> 1 (cold, then warm)`);
    const cold = movePagesRate(false);
    const anon = movePagesRate(false);
    log(`move_pages: ${THP_COUNT} THPs, node 0 -> 1`);
    const thp = movePagesRate(true);
    log(`migratePages: ${MOVABLE_PAGES.toLocaleString('en-US')} refpool pages, node 0 -> 1`);
    const movable = movableOpsRate();
    return {
      metrics: [
        { key: 'migrateAnonPagesPerSec', value: anon.perSec, unit: 'pages/s', description: `move_pages(MIGRATE_SYNC) of ${anon.pages} private anonymous pages mapped once, contents verified after; second run in the process (JIT warm)` },
        { key: 'migrateAnonPagesPerSecCold', value: cold.perSec, unit: 'pages/s', description: 'the same, first run in the process (includes JIT compilation of the migration path)' },
        { key: 'migrateThpPerSec', value: thp.perSec, unit: 'THP/s', description: `move_pages of ${THP_COUNT} 2 MiB THPs (PMD-mapped), contents verified after` },
        { key: 'migrateThpPagesPerSec', value: thp.perSec * 512, unit: 'pages/s', description: 'the THP rate in base pages' },
        { key: 'movableOpsPagesPerSec', value: movable, unit: 'pages/s', description: `isolate + migratePages(MIGRATE_SYNC) of ${MOVABLE_PAGES} pages of the testkit's refpool driver` },
      ],
      targets: [{ metric: 'migrateAnonPagesPerSec', op: '>=', value: 1_000_000 }],
    };
  },
};
