import { GFP_HIGHUSER_MOVABLE, MigrateMode, MigrateReason, __GFP_THISNODE } from '@mmsim/core';
import { createTestKernel } from '@mmsim/testkit';
import fc from 'fast-check';
import { IZsmalloc, objToLocation, zsCompact, zsCreatePool, zsFree, zsMalloc, zsReadObject, zsVerifyService, zsWriteObject } from './index';

type Op =
  | { kind: 'malloc'; size: number; seed: number }
  | { kind: 'free'; pick: number }
  | { kind: 'write'; pick: number; seed: number }
  | { kind: 'migrate'; picks: number[]; node: number; mode: MigrateMode }
  | { kind: 'compact' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('malloc' as const), size: fc.oneof(fc.integer({ min: 1, max: 400 }), fc.integer({ min: 1, max: 4096 })), seed: fc.nat(255) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('free' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('write' as const), pick: fc.nat(), seed: fc.nat(255) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('migrate' as const), picks: fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), node: fc.nat(1), mode: fc.constantFrom(MigrateMode.ASYNC, MigrateMode.SYNC_LIGHT, MigrateMode.SYNC) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('compact' as const) }) },
);

const bytesOf = (seed: number, n: number) => new Uint8Array(n).map((_, i) => (seed + i * 13) & 0xff);

describe('zsmalloc property', () => {
  it('malloc / free / write / migrate_pages / zs_compact keep every live handle\'s bytes and the statistics consistent', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 60 }), (ops) => {
        const k = createTestKernel({ machine: { nodes: [{ memory: '32MiB', cpus: 1 }, { memory: '32MiB', cpus: 1 }], layout: 'flat' } });
        const pool = zsCreatePool(k, 'prop');
        const live = new Map<number, Uint8Array>();
        const pickLive = (n: number) => [...live.keys()][n % live.size]!;
        for (const op of ops) {
          if (op.kind === 'malloc') {
            const h = zsMalloc(pool, op.size);
            const data = bytesOf(op.seed, op.size);
            zsWriteObject(pool, h, data);
            live.set(h, data);
          } else if (op.kind === 'free' && live.size) {
            const h = pickLive(op.pick);
            zsFree(pool, h);
            live.delete(h);
          } else if (op.kind === 'write' && live.size) {
            const h = pickLive(op.pick);
            const data = bytesOf(op.seed, live.get(h)!.length);
            zsWriteObject(pool, h, data);
            live.set(h, data);
          } else if (op.kind === 'migrate' && live.size) {
            const list = k.migration.newList();
            for (const p of op.picks) {
              const pfn = objToLocation(pool.handleToObj(pickLive(p))).pfn;
              if (!list.pfns().includes(pfn) && k.migration.isolateMovablePage(pfn) === 0) list.add(pfn);
            }
            const res = k.migration.migratePages(list, (src) => k.migration.targetAllocator({ nid: op.node, gfpMask: GFP_HIGHUSER_MOVABLE | __GFP_THISNODE })(src), undefined, op.mode, MigrateReason.MR_COMPACTION);
            if (res.ret !== 0) throw new Error(`migrate_pages() failed: ${res.ret}`);
            list.release();
          } else if (op.kind === 'compact') {
            zsCompact(pool);
          }
          zsVerifyService(k.resolve(IZsmalloc));
          for (const [h, data] of live) {
            if (Buffer.compare(Buffer.from(zsReadObject(pool, h, data.length)), Buffer.from(data)) !== 0) throw new Error(`handle ${h} lost its bytes after ${op.kind}`);
          }
        }
        void k.dispose();
      }),
      { numRuns: 60, seed: 20240606 },
    );
  });
});
