import { PG } from '../mem/page-flags';
import { LruList } from './lru-list';
import { bootLru } from './__fixtures__/lru-kernel';

type K = ReturnType<typeof bootLru>;

function onLru(k: K, order = 0): number {
  const pfn = k.folio('anon', order);
  k.lru.folioAddLru(pfn);
  k.lru.lruAddDrain();
  return pfn;
}

const counters = (k: K) => ({
  inactive: k.lru.lruvecSize(0, LruList.LRU_INACTIVE_ANON),
  unevictable: k.lru.lruvecSize(0, LruList.LRU_UNEVICTABLE),
  nr_mlock: k.zoneMlock(),
  mlocked: k.event('unevictable_pgs_mlocked'),
  munlocked: k.event('unevictable_pgs_munlocked'),
  culled: k.event('unevictable_pgs_culled'),
  rescued: k.event('unevictable_pgs_rescued'),
});

describe('Lru: mlock / munlock (mm/mlock.c)', () => {
  it('mlock counts at once and moves the folio to the unevictable LRU when the batch drains', () => {
    const k = bootLru();
    const pfn = onLru(k);
    k.lru.mlockFolio(pfn);
    expect(k.f.testFlag(pfn, PG.mlocked)).toBe(true);
    expect(counters(k)).toEqual({ inactive: 1, unevictable: 0, nr_mlock: 1, mlocked: 1, munlocked: 0, culled: 0, rescued: 0 });
    k.lru.lruAddDrain();
    expect(counters(k)).toEqual({ inactive: 0, unevictable: 1, nr_mlock: 1, mlocked: 1, munlocked: 0, culled: 1, rescued: 0 });
    expect(k.f.testFlag(pfn, PG.unevictable)).toBe(true);
    expect(k.f.refcount[pfn]).toBe(1);
    // v6.x does not link unevictable folios; they are counted only.
    expect(k.lru.lruFolios(0, LruList.LRU_UNEVICTABLE)).toEqual([]);
    k.checkCounters();
  });

  it('keeps an mlock_count: the folio stays unevictable until the last munlock', () => {
    const k = bootLru();
    const pfn = onLru(k);
    k.lru.mlockFolio(pfn);
    k.lru.lruAddDrain();
    k.lru.mlockFolio(pfn); // a second VM_LOCKED mapping
    k.lru.lruAddDrain();
    expect(k.lru.lruvecs.mlockCount(pfn)).toBe(2);
    expect(counters(k).mlocked).toBe(1); // PG_mlocked was already set
    k.lru.munlockFolio(pfn);
    k.lru.lruAddDrain();
    expect(counters(k)).toMatchObject({ unevictable: 1, nr_mlock: 1, munlocked: 0 });
    k.lru.munlockFolio(pfn);
    k.lru.lruAddDrain();
    expect(counters(k)).toEqual({ inactive: 1, unevictable: 0, nr_mlock: 0, mlocked: 1, munlocked: 1, culled: 1, rescued: 1 });
    expect(k.f.flags[pfn]! & ((1 << PG.mlocked) | (1 << PG.unevictable))).toBe(0);
    k.checkCounters();
  });

  it('counts a THP in base pages and drains it at once', () => {
    const k = bootLru();
    const thp = onLru(k, 9);
    k.lru.mlockFolio(thp);
    expect(counters(k)).toMatchObject({ unevictable: 512, nr_mlock: 512, mlocked: 512, culled: 512 });
    k.lru.munlockFolio(thp + 3);
    expect(counters(k)).toMatchObject({ inactive: 512, unevictable: 0, nr_mlock: 0, munlocked: 512, rescued: 512 });
    k.checkCounters();
  });

  it('mlock of an isolated folio only sets PG_mlocked; putback then culls it to the unevictable list', () => {
    const k = bootLru();
    const pfn = onLru(k);
    k.lru.isolateLruPage(pfn);
    k.lru.mlockFolio(pfn);
    k.lru.lruAddDrain();
    expect(counters(k)).toMatchObject({ unevictable: 0, nr_mlock: 1, culled: 0 });
    k.lru.putbackLruPage(pfn);
    k.lru.lruAddDrain();
    expect(counters(k)).toMatchObject({ inactive: 0, unevictable: 1, nr_mlock: 1, culled: 1 });
    k.checkCounters();
  });

  it('munlock of an isolated folio clears PG_mlocked; putback rescues it to the inactive list', () => {
    const k = bootLru();
    const pfn = onLru(k);
    k.lru.mlockFolio(pfn);
    k.lru.lruAddDrain();
    k.lru.isolateLruPage(pfn);
    k.lru.munlockFolio(pfn);
    k.lru.lruAddDrain();
    // Off the LRU and still PG_unevictable: counted as stranded, not munlocked.
    expect(k.event('unevictable_pgs_stranded')).toBe(1);
    expect(counters(k)).toMatchObject({ nr_mlock: 0, munlocked: 0 });
    k.lru.putbackLruPage(pfn);
    k.lru.lruAddDrain();
    expect(counters(k)).toMatchObject({ inactive: 1, unevictable: 0, rescued: 1 });
    k.checkCounters();
  });

  it('mlock_new_folio puts a new folio of a VM_LOCKED vma straight on the unevictable LRU', () => {
    const k = bootLru();
    const pfn = k.folio('anon');
    k.lru.mlockNewFolio(pfn);
    expect(counters(k)).toMatchObject({ nr_mlock: 1, mlocked: 1, unevictable: 0 });
    k.lru.lruAddDrainAll();
    expect(counters(k)).toMatchObject({ unevictable: 1, culled: 1 });
    expect(k.lru.onLru(pfn)).toBe(true);
    expect(() => k.lru.mlockNewFolio(pfn)).toThrow(/LRU1/);
    k.checkCounters();
  });
});
