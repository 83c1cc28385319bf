import { ContractViolation, Errno } from '../errors';
import { PG } from '../mem/page-flags';
import { NodeStat } from '../stat/vmstat-items';
import { LruList } from './lru-list';
import { bootLru } from './__fixtures__/lru-kernel';

type K = ReturnType<typeof bootLru>;

/** An anon or file folio on the LRU (drained). */
function onLru(k: K, kind: 'anon' | 'file' = 'anon', order = 0): number {
  const pfn = k.folio(kind, order);
  k.lru.folioAddLru(pfn);
  k.lru.lruAddDrain();
  return pfn;
}

const isolated = (k: K) => [k.node(0, NodeStat.NR_ISOLATED_ANON), k.node(0, NodeStat.NR_ISOLATED_FILE)];

describe('Lru: isolation and putback (mm/vmscan.c, mm/migrate.c)', () => {
  it.each<['anon' | 'file', number, LruList, number[]]>([
    ['anon', 0, LruList.LRU_INACTIVE_ANON, [1, 0]],
    ['file', 0, LruList.LRU_INACTIVE_FILE, [0, 1]],
    ['anon', 9, LruList.LRU_INACTIVE_ANON, [512, 0]],
    ['file', 3, LruList.LRU_INACTIVE_FILE, [0, 8]],
  ])('isolate/putback of a %s order-%p folio keeps node and zone counters exact', (kind, order, list, iso) => {
    const k = bootLru();
    const pfn = onLru(k, kind, order);
    const nr = 1 << order;
    expect(k.lru.isolateLruPage(pfn)).toBe(0);
    expect(k.lru.onLru(pfn)).toBe(false);
    expect(k.f.refcount[pfn]).toBe(2);
    expect(k.lru.lruvecSize(0, list)).toBe(0);
    expect(k.mem.pageZone(pfn).vmStat[1 + list]).toBe(0);
    expect(isolated(k)).toEqual(iso);
    k.checkCounters();
    k.lru.putbackLruPage(pfn);
    expect(isolated(k)).toEqual([0, 0]);
    k.lru.lruAddDrain();
    expect(k.lru.lruvecSize(0, list)).toBe(nr);
    expect(k.f.refcount[pfn]).toBe(1);
    k.checkCounters();
  });

  it('folio_isolate_lru / folio_putback_lru do not touch NR_ISOLATED', () => {
    const k = bootLru();
    const pfn = onLru(k, 'file');
    expect(k.lru.folioIsolateLru(pfn)).toBe(true);
    expect(k.lru.folioIsolateLru(pfn)).toBe(false);
    expect(isolated(k)).toEqual([0, 0]);
    k.lru.folioPutbackLru(pfn);
    k.lru.lruAddDrain();
    expect([k.lru.onLru(pfn), k.f.refcount[pfn]]).toEqual([true, 1]);
    k.checkCounters();
  });

  it('keeps the active flag across isolation, so putback returns the folio to the active list', () => {
    const k = bootLru();
    const pfn = k.folio('anon');
    k.f.setFlag(pfn, PG.active);
    k.lru.folioAddLru(pfn);
    k.lru.lruAddDrain();
    k.lru.isolateLruPage(pfn);
    k.lru.putbackLruPage(pfn);
    k.lru.lruAddDrain();
    expect(k.lru.lruvecSize(0, LruList.LRU_ACTIVE_ANON)).toBe(1);
  });

  it('unaccountIsolated (migrate_folio_done) returns NR_ISOLATED for a migrated LRU folio, and ignores movable pages', () => {
    const k = bootLru();
    const pfn = onLru(k, 'anon');
    k.lru.isolateLruPage(pfn);
    k.lru.unaccountIsolated(pfn);
    expect(isolated(k)).toEqual([0, 0]);
    expect(() => k.lru.unaccountIsolated(pfn)).toThrow(/LRU2/);
    const mov = k.movable();
    k.lru.unaccountIsolated(mov);
    expect(isolated(k)).toEqual([0, 0]);
  });

  describe('NR_ISOLATED_* never counts non-LRU pages and never goes negative', () => {
    it.each<[string, (k: K) => number, number]>([
      ['a page that was never on an LRU', (k) => k.folio('anon'), -Errno.EBUSY],
      ['a folio still in the lru_add batch', (k) => {
        const p = k.folio('file');
        k.lru.folioAddLru(p);
        return p;
      }, -Errno.EBUSY],
      ['a movable_ops page (M8)', (k) => k.movable(), -Errno.EBUSY],
      ['a folio already isolated', (k) => {
        const p = onLru(k, 'anon');
        k.lru.folioIsolateLru(p);
        return p;
      }, -Errno.EBUSY],
    ])('isolating %s fails without accounting', (_n, make, rc) => {
      const k = bootLru();
      const pfn = make(k);
      const ref = k.f.refcount[pfn];
      expect(k.lru.isolateLruPage(pfn)).toBe(rc);
      expect(isolated(k)).toEqual([0, 0]);
      expect(k.f.refcount[pfn]).toBe(ref);
      k.checkCounters();
    });

    it.each<[string, (k: K) => number, RegExp]>([
      ['a movable_ops page', (k) => k.movable(), /M8.*movable_ops/],
      ['a folio isolated without accounting (folio_isolate_lru)', (k) => {
        const p = onLru(k, 'anon');
        k.lru.folioIsolateLru(p);
        return p;
      }, /LRU2.*nr_isolated_anon of node 0 from 0 to -1/],
      ['a folio that is on the LRU', (k) => onLru(k, 'file'), /LRU1.*never isolated/],
      ['a folio put back twice', (k) => {
        const p = onLru(k, 'anon');
        k.lru.isolateLruPage(p);
        k.lru.putbackLruPage(p);
        return p;
      }, /LRU1.*put back twice/],
      ['a folio put back twice, after a drain', (k) => {
        const p = onLru(k, 'anon');
        k.lru.isolateLruPage(p);
        k.lru.putbackLruPage(p);
        k.lru.lruAddDrain();
        return p;
      }, /LRU1/],
      ['a folio whose type changed while isolated (anon → file)', (k) => {
        const p = onLru(k, 'anon');
        k.lru.isolateLruPage(p);
        k.f.clearFlag(p, PG.swapbacked);
        return p;
      }, /LRU2.*nr_isolated_file/],
    ])('putting back %s is a ContractViolation that changes nothing', (_n, make, msg) => {
      const k = bootLru();
      const pfn = make(k);
      const before = [...isolated(k), k.f.flags[pfn], k.f.refcount[pfn]];
      let err: unknown;
      try {
        k.lru.putbackLruPage(pfn);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ContractViolation);
      expect(String(err)).toMatch(msg);
      expect([...isolated(k), k.f.flags[pfn], k.f.refcount[pfn]]).toEqual(before);
      k.checkCounters();
    });
  });

  it('folioDelFromLru takes a folio off the LRU (and out of mlock) so it can be freed', () => {
    const k = bootLru();
    const pfn = onLru(k, 'anon');
    k.lru.mlockFolio(pfn);
    k.lru.lruAddDrain();
    expect(k.lru.lruvecSize(0, LruList.LRU_UNEVICTABLE)).toBe(1);
    k.lru.folioDelFromLru(pfn);
    expect(k.f.flags[pfn]! & ((1 << PG.lru) | (1 << PG.unevictable) | (1 << PG.mlocked) | (1 << PG.active))).toBe(0);
    expect([k.lru.lruvecSize(0, LruList.LRU_UNEVICTABLE), k.zoneMlock(), k.event('unevictable_pgs_cleared')]).toEqual([0, 0, 1]);
    k.f.mapping[pfn] = 0;
    k.f.clearFlag(pfn, PG.swapbacked);
    expect(() => k.alloc.putPage(pfn)).not.toThrow();
    k.checkCounters();
  });

  it('putFolio releases LRU state when it drops the last reference', () => {
    const k = bootLru();
    const pfn = onLru(k, 'file');
    k.alloc.getPage(pfn);
    k.lru.putFolio(pfn);
    expect(k.lru.onLru(pfn)).toBe(true);
    k.lru.putFolio(pfn);
    expect(k.lru.lruvecSize(0, LruList.LRU_INACTIVE_FILE)).toBe(0);
    expect(k.f.refcount[pfn]).toBe(0);
    k.checkCounters();
  });
});
