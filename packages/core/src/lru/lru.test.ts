import { PG } from '../mem/page-flags';
import { NodeStat } from '../stat/vmstat-items';
import { PAGEVEC_SIZE } from './folio-batch';
import { LruList } from './lru-list';
import { bootLru } from './__fixtures__/lru-kernel';

const TWO_NODES = { nodes: [{ memory: '64MiB', cpus: 2 }, { memory: '64MiB', cpus: 2 }], layout: 'flat' as const };

describe('Lru: folio_add_lru and the per-cpu batch (mm/swap.c)', () => {
  it(`holds ${PAGEVEC_SIZE - 1} folios in the batch and drains when the ${PAGEVEC_SIZE}th arrives`, () => {
    const k = bootLru();
    const pfns = Array.from({ length: PAGEVEC_SIZE }, () => k.folio('anon'));
    for (const pfn of pfns.slice(0, -1)) k.lru.folioAddLru(pfn);
    expect(k.lru.pendingInBatches()).toBe(PAGEVEC_SIZE - 1);
    expect(k.lru.lruvecSize(0, LruList.LRU_INACTIVE_ANON)).toBe(0);
    expect(k.lru.onLru(pfns[0]!)).toBe(false);
    expect(k.f.refcount[pfns[0]!]).toBe(2); // the batch's reference
    k.lru.folioAddLru(pfns.at(-1)!);
    expect(k.lru.pendingInBatches()).toBe(0);
    expect(k.lru.lruvecSize(0, LruList.LRU_INACTIVE_ANON)).toBe(PAGEVEC_SIZE);
    expect(pfns.every((p) => k.lru.onLru(p) && k.f.refcount[p] === 1)).toBe(true);
    // lruvec_add_folio adds at the head: newest first.
    expect(k.lru.lruFolios(0, LruList.LRU_INACTIVE_ANON)).toEqual([...pfns].reverse());
    k.checkCounters();
  });

  it.each<[string, 'anon' | 'file', PG[], LruList]>([
    ['anon inactive', 'anon', [], LruList.LRU_INACTIVE_ANON],
    ['anon active', 'anon', [PG.active], LruList.LRU_ACTIVE_ANON],
    ['file inactive', 'file', [], LruList.LRU_INACTIVE_FILE],
    ['file active', 'file', [PG.active], LruList.LRU_ACTIVE_FILE],
    ['mlocked → unevictable', 'anon', [PG.mlocked], LruList.LRU_UNEVICTABLE],
  ])('lru_add_fn puts a %s folio on the right list with node and zone counters', (_n, kind, flags, list) => {
    const k = bootLru();
    const pfn = k.folio(kind);
    for (const b of flags) k.f.setFlag(pfn, b);
    k.lru.folioAddLru(pfn);
    k.lru.lruAddDrain();
    expect(k.lru.lruvecSize(0, list)).toBe(1);
    expect(k.node(0, NodeStat.NR_INACTIVE_ANON + list)).toBe(1);
    expect(k.mem.pageZone(pfn).vmStat[1 + list]).toBe(1);
    k.checkCounters();
  });

  it('drains a large folio at once and counts it in base pages', () => {
    const k = bootLru();
    const thp = k.folio('anon', 9);
    k.lru.folioAddLru(thp + 5); // any page of the folio names the folio
    expect(k.lru.pendingInBatches()).toBe(0);
    expect(k.lru.lruvecSize(0, LruList.LRU_INACTIVE_ANON)).toBe(512);
    expect(k.lru.onLru(thp + 100)).toBe(true);
    k.checkCounters();
  });

  it('lruAddDrainAll drains the batches of every CPU into each folio\'s own node', () => {
    const k = bootLru(TWO_NODES);
    const placed: Array<[number, number]> = [];
    for (let cpu = 0; cpu < 4; cpu++) {
      k.current.cpu = cpu;
      const nid = cpu % 2;
      const pfn = k.folio('file', 0, nid);
      k.lru.folioAddLru(pfn);
      placed.push([pfn, nid]);
    }
    k.current.cpu = 0;
    k.lru.lruAddDrain();
    expect(k.lru.pendingInBatches()).toBe(3);
    k.lru.lruAddDrainAll();
    expect(k.lru.pendingInBatches()).toBe(0);
    expect([k.lru.lruvecSize(0, LruList.LRU_INACTIVE_FILE), k.lru.lruvecSize(1, LruList.LRU_INACTIVE_FILE)]).toEqual([2, 2]);
    for (const [pfn, nid] of placed) expect(k.lru.lruFolios(nid, LruList.LRU_INACTIVE_FILE)).toContain(pfn);
    k.checkCounters();
  });

  it('lru_cache_disable drains everywhere and makes later adds take effect at once', () => {
    const k = bootLru(TWO_NODES);
    k.current.cpu = 3;
    const a = k.folio();
    k.lru.folioAddLru(a);
    k.current.cpu = 0;
    k.lru.lruCacheDisable();
    expect(k.lru.onLru(a)).toBe(true);
    const b = k.folio();
    k.lru.folioAddLru(b);
    expect(k.lru.onLru(b)).toBe(true);
    k.lru.lruCacheEnable();
    expect(() => k.lru.lruCacheEnable()).toThrow(/EINVAL/);
  });

  it('frees a folio whose last reference was the batch\'s, taking it off the LRU first', () => {
    const k = bootLru();
    const free0 = k.mem.zones.reduce((n, z) => n + (z ? z.freePages : 0), 0);
    const pfn = k.folio('anon');
    k.f.mapping[pfn] = 0;
    k.lru.folioAddLru(pfn);
    k.alloc.putPage(pfn); // the owner lets go while the folio is still in the batch
    k.lru.lruAddDrainAll();
    expect(k.lru.onLru(pfn)).toBe(false);
    expect(k.lru.lruvecSize(0, LruList.LRU_INACTIVE_ANON)).toBe(0);
    k.alloc.drainAllPages();
    expect(k.mem.zones.reduce((n, z) => n + (z ? z.freePages : 0), 0)).toBe(free0);
    k.checkCounters();
  });

  it.each([
    ['a folio already on the LRU', (k: ReturnType<typeof bootLru>) => {
      const p = k.folio();
      k.lru.folioAddLru(p);
      k.lru.lruAddDrain();
      k.lru.folioAddLru(p);
    }, /LRU1.*already on an LRU/],
    ['a folio twice into the batch', (k: ReturnType<typeof bootLru>) => {
      const p = k.folio();
      k.lru.folioAddLru(p);
      k.lru.folioAddLru(p);
    }, /LRU1.*twice/],
    ['an active+unevictable folio', (k: ReturnType<typeof bootLru>) => {
      const p = k.folio();
      k.f.setFlag(p, PG.active);
      k.f.setFlag(p, PG.unevictable);
      k.lru.folioAddLru(p);
    }, /LRU1.*PG_active and PG_unevictable/],
    ['a free page', (k: ReturnType<typeof bootLru>) => {
      const p = k.folio();
      k.f.mapping[p] = 0;
      k.f.clearFlag(p, PG.swapbacked);
      k.alloc.putPage(p);
      k.lru.folioAddLru(p);
    }, /PG5/],
  ])('rejects adding %s', (_n, act, msg) => {
    const k = bootLru();
    expect(() => act(k)).toThrow(msg);
    k.checkCounters();
  });

  it('validates pfns and cpus', () => {
    const k = bootLru();
    expect(() => k.lru.folioAddLru(-1)).toThrow(/EINVAL/);
    expect(() => k.lru.onLru(1e9)).toThrow(/EINVAL/);
    expect(() => k.lru.lruAddDrain(7)).toThrow(/EINVAL: cpu 7 does not exist/);
    expect(() => k.lru.lruvecSize(3, LruList.LRU_ACTIVE_ANON)).toThrow(/EINVAL: node 3/);
    expect(() => k.lru.lruvecSize(0, 9 as LruList)).toThrow(/EINVAL: lru list 9/);
  });
});

describe('Lru: activation (mm/swap.c)', () => {
  it('folio_mark_accessed: referenced first, then activated through the activate batch', () => {
    const k = bootLru();
    const pfn = k.folio('file');
    k.lru.folioAddLru(pfn);
    k.lru.lruAddDrain();
    k.lru.folioMarkAccessed(pfn);
    expect([k.f.testFlag(pfn, PG.referenced), k.f.testFlag(pfn, PG.active)]).toEqual([true, false]);
    k.lru.folioMarkAccessed(pfn);
    expect(k.f.testFlag(pfn, PG.referenced)).toBe(false);
    expect(k.lru.lruvecSize(0, LruList.LRU_ACTIVE_FILE)).toBe(0); // still batched
    k.lru.lruAddDrain();
    expect(k.lru.lruvecSize(0, LruList.LRU_ACTIVE_FILE)).toBe(1);
    expect(k.event('pgactivate')).toBe(1);
    k.checkCounters();
  });

  it('folio_mark_accessed on a folio still in the lru_add batch sets PG_active directly', () => {
    const k = bootLru();
    const pfn = k.folio('anon');
    k.lru.folioAddLru(pfn);
    k.lru.folioMarkAccessed(pfn);
    k.lru.folioMarkAccessed(pfn);
    k.lru.lruAddDrain();
    expect(k.lru.lruvecSize(0, LruList.LRU_ACTIVE_ANON)).toBe(1);
    expect(k.event('pgactivate')).toBe(0);
    k.checkCounters();
  });

  it('folio_deactivate moves an active folio to the inactive list and counts pgdeactivate', () => {
    const k = bootLru();
    const pfn = k.folio('anon', 2);
    k.f.setFlag(pfn, PG.active);
    k.lru.folioAddLru(pfn);
    k.lru.folioDeactivate(pfn);
    expect(k.lru.lruvecSize(0, LruList.LRU_INACTIVE_ANON)).toBe(4);
    expect(k.event('pgdeactivate')).toBe(4);
    k.lru.folioDeactivate(pfn); // already inactive: no-op
    k.lru.lruAddDrain();
    expect(k.event('pgdeactivate')).toBe(4);
    k.checkCounters();
  });

  it('a folio isolated while queued for activation is skipped by the drain', () => {
    const k = bootLru();
    const pfn = k.folio('file');
    k.lru.folioAddLru(pfn);
    k.lru.lruAddDrain();
    k.lru.folioActivate(pfn);
    expect(k.lru.isolateLruPage(pfn)).toBe(0);
    k.lru.lruAddDrain();
    expect(k.f.testFlag(pfn, PG.active)).toBe(false);
    expect(k.f.refcount[pfn]).toBe(2);
    k.lru.putbackLruPage(pfn);
    k.lru.lruAddDrain();
    expect(k.lru.lruvecSize(0, LruList.LRU_INACTIVE_FILE)).toBe(1);
    k.checkCounters();
  });
});
