import { GFP_HIGHUSER_MOVABLE, KernelError, PAGE_SIZE } from '@mmsim/core';
import { createTestKernel } from '@mmsim/testkit';
import { zramCreate } from './zram';

const boot = () => createTestKernel({ machine: { nodes: [{ memory: '32MiB', cpus: 1 }], layout: 'flat' } });

/** Compressible page bytes that differ per seed. */
function textPage(seed: number): Uint8Array {
  let s = '';
  for (let i = 0; s.length < PAGE_SIZE; i++) s += `swap ${seed} line ${i} `;
  return new Uint8Array(Buffer.from(s.slice(0, PAGE_SIZE)));
}

describe('zram as the core swap device', () => {
  it('swap_writepage stores the page compressed in zsmalloc; swap_read_folio restores it byte-exact; the last swap_free discards it', () => {
    const k = boot();
    const zram = zramCreate(k, { disksize: 256 * PAGE_SIZE });
    const type = k.vm.swap.swapon(zram, 10);
    // Higher priority than the boot-time in-memory area, so slots come from zram first (swapon -p).
    expect(k.vm.swap.swaps().find((a) => a.type === type)).toMatchObject({ name: 'zram0', priority: 10 });
    const pfn = k.alloc.allocPages(GFP_HIGHUSER_MOVABLE, 0)!.pfn;
    k.mem.content.write(pfn, 0, textPage(7));
    const entry = k.vm.swap.getSwapPage();
    expect(k.vm.swap.swaps().find((a) => a.type === type)?.usedPages).toBe(1);
    k.vm.swap.swapWritepage(entry, pfn);
    expect(zram.stats.pagesStored).toBe(1);
    expect(zram.stats.comprDataSize).toBeLessThan(PAGE_SIZE / 2);
    expect(zram.pool.pagesAllocated).toBeGreaterThan(0);

    const back = k.alloc.allocPages(GFP_HIGHUSER_MOVABLE, 0)!.pfn;
    k.vm.swap.swapReadpage(entry, back);
    expect(Buffer.from(k.mem.content.read(back)).equals(Buffer.from(textPage(7)))).toBe(true);
    k.vm.swap.swapDuplicate(entry);
    expect(k.vm.swap.swapFree(entry)).toBe(1);
    expect(zram.stats.pagesStored).toBe(1);
    expect(k.vm.swap.swapFree(entry)).toBe(0);
    expect(zram.stats.pagesStored).toBe(0);
  });

  it('a write past mem_limit fails with ENOMEM from the device and leaves the slot empty', () => {
    const k = boot();
    const zram = zramCreate(k, { disksize: 64 * PAGE_SIZE, memLimit: PAGE_SIZE });
    k.vm.swap.swapon(zram, 10);
    const noise = new Uint8Array(PAGE_SIZE).map((_, i) => (i * 2654435761) >>> 24);
    const written: number[] = [];
    let failure: unknown;
    for (let i = 0; i < 8 && !failure; i++) {
      const pfn = k.alloc.allocPages(GFP_HIGHUSER_MOVABLE, 0)!.pfn;
      k.mem.content.write(pfn, 0, noise.map((b) => b ^ i));
      const entry = k.vm.swap.getSwapPage();
      try {
        k.vm.swap.swapWritepage(entry, pfn);
        written.push(entry);
      } catch (e) {
        failure = e;
      }
    }
    expect(failure).toBeInstanceOf(KernelError);
    expect((failure as KernelError).code).toBe('ENOMEM');
    expect(zram.stats.pagesStored).toBe(written.length);
  });
});
