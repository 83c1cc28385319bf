import { KernelError } from '../errors';
import { defineDriver } from '../plugin/define-driver';
import { IPageAllocator, IPhysicalMemory, IProcFs, IRandom } from '../tokens';
import { GFP_KERNEL } from '../zone/gfp';
import { z } from 'zod';
import { createKernel } from './kernel';

const machine = { nodes: [{ memory: '64MiB' }], layout: 'flat' as const };
const freePages = (k: ReturnType<typeof createKernel>) => k.vmstat.snapshot(k.mem)['nr_free_pages'];
const MARKER = Symbol('IMarker');

describe('createKernel', () => {
  it('boots a kernel whose services are registered in its own child container', () => {
    const k = createKernel({ machine });
    expect(k.resolve(IPageAllocator)).toBe(k.alloc);
    expect(k.container.resolve(IPhysicalMemory)).toBe(k.mem);
    expect(freePages(k)).toBeGreaterThan(15_000);
    expect(k.config.seed).toBe(1);
    expect(k.resolve(IProcFs)).toBe(k.proc);
    expect(k.proc.buddyinfo()).toMatch(/^Node 0, zone {3}Normal/);
  });

  it('gives two kernels in one process nothing in common', () => {
    const seen: number[] = [];
    const probe = defineDriver({
      meta: { name: 'probe', version: '1.0.0', kernelRef: 'test' },
      optionsSchema: z.strictObject({}),
      register(ctx) {
        ctx.provide(MARKER, 'a');
      },
    });
    const a = createKernel({ machine, drivers: [probe] });
    const b = createKernel({ machine });
    a.events.on('mm_page_alloc', (e) => seen.push(e.pfn));
    const before = freePages(b);
    const pgallocB = b.vmstat.snapshot(b.mem)['pgalloc_normal'];

    expect(a.alloc.allocPages(GFP_KERNEL, 3)).not.toBeNull();

    expect(freePages(a)).toBeLessThan(before);
    expect(freePages(b)).toBe(before);
    expect(b.vmstat.snapshot(b.mem)['pgalloc_normal']).toBe(pgallocB);
    expect(seen).toHaveLength(1);
    expect(b.events.listenerCount('mm_page_alloc')).toBe(0);
    b.alloc.allocPages(GFP_KERNEL, 0);
    expect(seen).toHaveLength(1);
    expect(a.drivers.names()).toEqual(['probe']);
    expect(b.drivers.names()).toEqual([]);
    expect(a.resolve(MARKER)).toBe('a');
    expect(() => b.resolve(MARKER)).toThrow();
    expect(a.container).not.toBe(b.container);
    expect(a.resolve(IRandom)).not.toBe(b.resolve(IRandom));
    expect(a.resolve(IPageAllocator)).not.toBe(b.resolve(IPageAllocator));
  });

  it('replays the same random streams for the same seed', () => {
    const draw = (seed: number | string) => {
      const s = createKernel({ machine, seed }).random.stream('workload');
      return [s.int(0, 1e6), s.int(0, 1e6), s.int(0, 1e6)];
    };
    expect(draw(5)).toEqual(draw(5));
    expect(draw('run-5')).toEqual(draw('run-5'));
    expect(draw(5)).not.toEqual(draw(6));
  });

  describe('config validation', () => {
    const errorOf = (config: unknown): KernelError => {
      try {
        createKernel(config as Parameters<typeof createKernel>[0]);
      } catch (e) {
        if (e instanceof KernelError) return e;
        throw e;
      }
      throw new Error('createKernel accepted an invalid config');
    };

    it('names the path of every bad field and what was expected', () => {
      const err = errorOf({ machine: { nodes: [{ memory: true, cpus: 0 }], layout: 'weird' }, seed: 1.5, extra: 1 });
      expect(err.code).toBe('EINVAL');
      expect(err.message).toMatch(/machine\.nodes\[0\]\.memory: expected string or number, received boolean/);
      expect(err.message).toMatch(/machine\.nodes\[0\]\.cpus: .*>=1/);
      expect(err.message).toMatch(/machine\.layout: .*"x86_64"\|"flat"/);
      expect(err.message).toMatch(/seed: /);
      expect(err.message).toMatch(/\(root\): unknown key "extra"/);
    });

    it('reports missing required fields as required', () => {
      expect(errorOf({}).message).toMatch(/machine: is required \(expected object\)/);
      expect(errorOf({ machine: { nodes: [{}] } }).message).toMatch(/machine\.nodes\[0\]\.memory: /);
    });

    it('rejects bad sysctls and driver entries by path', () => {
      expect(errorOf({ machine, sysctl: { watermark_scale_factor: 0 } }).message).toMatch(/sysctl\.watermark_scale_factor: .*>=1/);
      expect(errorOf({ machine, drivers: [42] }).message).toMatch(/drivers\[0\]: /);
    });
  });

  describe('dispose', () => {
    it('runs driver dispose callbacks in reverse order, removes listeners, and makes the kernel unusable', async () => {
      const order: string[] = [];
      const driver = (name: string) =>
        defineDriver({
          meta: { name, version: '1.0.0', kernelRef: 'test' },
          optionsSchema: z.strictObject({}),
          register(ctx) {
            ctx.onDispose(() => order.push(`${name}:1`));
            ctx.onDispose(() => order.push(`${name}:2`));
            ctx.on('mm_page_free', () => undefined);
          },
        });
      const k = createKernel({ machine, drivers: [driver('first'), driver('second')] });
      const events = k.events;
      events.on('mm_page_alloc', () => undefined);
      expect(events.eventNames().length).toBeGreaterThan(0);

      await k.dispose();

      expect(order).toEqual(['second:2', 'second:1', 'first:2', 'first:1']);
      expect(events.eventNames()).toEqual([]);
      expect(k.isDisposed).toBe(true);
      expect(() => k.alloc).toThrow(/has been disposed/);
      expect(() => k.resolve(IPageAllocator)).toThrow(KernelError);
      expect(() => k.loadDriver(driver('third'))).toThrow(/has been disposed/);
      await expect(k.dispose()).resolves.toBeUndefined();
    });
  });
});
