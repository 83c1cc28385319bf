import { bootMemory } from '../__fixtures__/boot';
import { ALLOC_CMA, ALLOC_HIGHATOMIC, ALLOC_MIN_RESERVE, ALLOC_NON_BLOCK, ALLOC_OOM, ALLOC_WMARK_LOW } from './alloc-flags';
import { GFP_ATOMIC, GFP_NOWAIT, GFP_TRANSHUGE_LIGHT, __GFP_NOWARN } from './gfp';
import { MigrateType } from './migratetype';
import { Wmark } from './zone';
import { ZoneType } from './zone-type';
import { zoneWatermarkOk } from './watermarks';

describe('__setup_per_zone_wmarks / calculate_min_free_kbytes', () => {
  it('a flat 64 MiB zone: min_free_kbytes = sqrt(65536 KiB * 16) = 1024, min 256, low 320, high 384', () => {
    const { alloc, mem } = bootMemory({ nodes: [{ memory: '64MiB' }], layout: 'flat', reserveMemmap: false });
    const zone = mem.populatedZones[0]!;
    expect(alloc.minFreeKbytes).toBe(1024);
    // tmp = max(min/4 = 64, managed * 10 / 10000 = 16) = 64
    expect(Array.from(zone.watermark)).toEqual([256, 320, 384, 448]);
  });

  it('the x86_64 two-node 4 GiB machine spreads min over lowmem zones in proportion to their size', () => {
    const { alloc, mem } = bootMemory({ nodes: [{ memory: '2GiB' }, { memory: '2GiB' }] });
    // lowmem = 511744 + 262144 + 253952 managed pages = 4111360 KiB; sqrt(4111360 * 16) = 8110
    expect(alloc.minFreeKbytes).toBe(8110);
    const [n0dma32, n1dma32, n1normal] = mem.populatedZones;
    // pages_min = 8110 >> 2 = 2027; node 0 DMA32: 2027 * 511744 / 1027840 = 1009
    expect(Array.from(n0dma32!.watermark)).toEqual([1009, 1520, 2031, 2542]);
    expect(n1dma32!.watermark[Wmark.MIN]).toBe(Math.floor((2027 * 262144) / 1027840));
    expect(n1normal!.watermark[Wmark.MIN]).toBe(Math.floor((2027 * 253952) / 1027840));
    // lowmem_reserve: node 1 DMA32 keeps Normal's managed / 256 back from Normal-capable requests.
    expect(Array.from(n1dma32!.lowmemReserve)).toEqual([0, Math.floor(253952 / 256), 0, 0]);
    expect(Array.from(n0dma32!.lowmemReserve)).toEqual([0, 0, 0, 0]);
  });

  it('ZONE_MOVABLE gets a small fixed min: clamp(managed / 1024, SWAP_CLUSTER_MAX, 128)', () => {
    const { mem } = bootMemory({ nodes: [{ memory: '1GiB' }], layout: 'flat', movablecore: '256MiB' });
    const movable = mem.nodes[0]!.zones[ZoneType.MOVABLE]!;
    expect(movable.managedPages).toBe(65536);
    expect(movable.watermark[Wmark.MIN]).toBe(64);
  });

  it('writing min_free_kbytes recomputes the watermarks', () => {
    const { alloc, mem } = bootMemory({ nodes: [{ memory: '64MiB' }], layout: 'flat', reserveMemmap: false });
    alloc.setMinFreeKbytes(4096);
    expect(mem.populatedZones[0]!.watermark[Wmark.MIN]).toBe(1024);
    expect(() => alloc.setMinFreeKbytes(-1)).toThrow(/min_free_kbytes/);
  });
});

describe('__zone_watermark_ok', () => {
  const { mem } = bootMemory({ nodes: [{ memory: '64MiB' }], layout: 'flat', reserveMemmap: false });
  const zone = mem.populatedZones[0]!;
  it.each([
    // free pages, order, mark, flags, ok?
    [1000, 0, 999, 0, true],
    [1000, 0, 1000, 0, false], // free must be strictly above min + reserve
    [1000, 0, 1500, ALLOC_MIN_RESERVE, true], // __GFP_HIGH: min -= min/2 → 750
    [1000, 0, 1800, ALLOC_MIN_RESERVE | ALLOC_NON_BLOCK, true], // then min -= min/4 → 675
    [1000, 0, 2100, ALLOC_OOM, false], // min 1050
    [1000, 0, 1900, ALLOC_OOM, true], // min 950
    [1000, 10, 100, 0, false], // free - (2^10 - 1) = -23
    [1000, 1, 100, 0, true], // an order >= 1 block exists (boot state: order-10 blocks)
  ])('free %i order %i mark %i flags 0x%s → %p', (free, order, mark, flags, ok) => {
    expect(zoneWatermarkOk(zone, order, mark, ZoneType.NORMAL, flags, free)).toBe(ok);
  });

  it('high orders need a free block on a list the caller may use', () => {
    const k = bootMemory({ nodes: [{ memory: '16MiB' }], layout: 'flat', reserveMemmap: false }, { min_free_kbytes: 0 });
    const z = k.mem.populatedZones[0]!;
    // Move every order-10 block to the HIGHATOMIC and CMA lists.
    for (let i = 0; i < 4; i++) {
      const pfn = k.alloc.buddy.firstFree(z, 10, MigrateType.MOVABLE);
      k.alloc.buddy.moveToFreeList(z, pfn, 10, i < 2 ? MigrateType.HIGHATOMIC : MigrateType.CMA);
    }
    expect(zoneWatermarkOk(z, 9, 0, ZoneType.NORMAL, ALLOC_WMARK_LOW, 4096)).toBe(false);
    expect(zoneWatermarkOk(z, 9, 0, ZoneType.NORMAL, ALLOC_CMA, 4096)).toBe(true);
    expect(zoneWatermarkOk(z, 9, 0, ZoneType.NORMAL, ALLOC_HIGHATOMIC, 4096)).toBe(true);
  });
});

describe('allocations below the watermark', () => {
  it('stops at the min watermark; only __GFP_HIGH (GFP_ATOMIC) requests dip below it', () => {
    const { alloc, mem, printk } = bootMemory({ nodes: [{ memory: '16MiB' }], layout: 'flat', reserveMemmap: false }, { min_free_kbytes: 2048 });
    const zone = mem.populatedZones[0]!;
    expect(zone.watermark[Wmark.MIN]).toBe(512);
    while (alloc.allocPagesPfn(GFP_TRANSHUGE_LIGHT, 4) >= 0);
    // The last order-4 request passed with free - 15 > 512, so 512 <= free < 512 + 32.
    expect(zone.freePages).toBeGreaterThanOrEqual(512);
    expect(zone.freePages).toBeLessThan(512 + 32);
    while (alloc.allocPagesPfn(GFP_NOWAIT | __GFP_NOWARN, 0) >= 0);
    expect(zone.freePages + zone.pcpPages).toBeLessThanOrEqual(512 + 1);
    expect(alloc.allocPagesPfn(GFP_NOWAIT, 0)).toBe(-1);
    // A failed request without __GFP_NOWARN leaves the kernel's warning in the log.
    expect(printk.dmesg()).toMatch(/page allocation failure: order:0, mode:0x800\(GFP_NOWAIT\)/);
    // GFP_ATOMIC may use half of min, and a quarter of the rest: min 512 → 192.
    expect(alloc.allocPagesPfn(GFP_ATOMIC, 0)).toBeGreaterThanOrEqual(0);
  });
});
