import * as path from 'node:path';
import { z } from 'zod';
import { KernelError } from '../errors';
import { type Kernel, createKernel } from '../kernel/kernel';
import { IPageAllocator, IRandom } from '../tokens';
import { GFP_KERNEL } from '../zone/gfp';
import { FIXTURE_GREETING } from './__fixtures__/single-driver';
import { PoolService } from './__fixtures__/pool-service';
import { PoolUser } from './__fixtures__/pool-user';
import { defineDriver } from './define-driver';
import { loadDriverModule } from './driver-module';

const machine = { nodes: [{ memory: '64MiB' }], layout: 'flat' as const };
const IPool = Symbol('IPool');

const poolDriver = defineDriver({
  meta: { name: 'pool', version: '1.2.0', kernelRef: 'mm/mempool.c' },
  optionsSchema: z.strictObject({ pages: z.number().int().min(1).default(4), mode: z.enum(['eager', 'lazy']).default('eager') }),
  register(ctx) {
    const pages = [];
    for (let i = 0; i < ctx.options.pages; i++) pages.push(ctx.allocPages(GFP_KERNEL, 0));
    ctx.provide(IPool, pages);
  },
});

function errorOf(fn: () => unknown): KernelError {
  try {
    fn();
  } catch (e) {
    if (e instanceof KernelError) return e;
    throw e;
  }
  throw new Error('expected a KernelError');
}

/** Everything a failed registration must leave as it was (the log excepted). */
function observableState(k: Kernel, token: symbol) {
  const f = k.mem.frames;
  return {
    vmstat: k.vmstat.snapshot(k.mem),
    zones: k.mem.zones.filter(Boolean).map((z) => ({
      nrFree: [...z.nrFree],
      nrFreeByType: [...z.nrFreeByType],
      pcp: z.pcp.filter(Boolean).map((p) => [p.count, p.freeFactor]),
    })),
    frames: [f.flags, f.refcount, f.order, f.next, f.prev, f.index].map((a) => Buffer.from(a.buffer).toString('base64')),
    listeners: k.events.eventNames().map((n) => [n, k.events.listenerCount(n)]),
    drivers: k.drivers.names(),
    registered: k.container.isRegistered(token, true),
  };
}

describe('driver loading', () => {
  it('validates options before register runs, naming the plugin and each bad option', () => {
    const k = createKernel({ machine });
    const register = jest.fn();
    const strict = defineDriver({ ...poolDriver, register });
    const err = errorOf(() => k.loadDriver(strict, { pages: 0, mode: 'sometimes', colour: 'red' }));
    expect(err.code).toBe('EINVAL');
    expect(err.message).toMatch(/driver "pool": invalid options/);
    expect(err.message).toMatch(/options\.pages: .*>=1/);
    expect(err.message).toMatch(/options\.mode: .*"eager"\|"lazy"/);
    expect(err.message).toMatch(/options: unknown key "colour"/);
    expect(register).not.toHaveBeenCalled();
    expect(k.drivers.size).toBe(0);
  });

  it('reports option errors of drivers listed in the config the same way', () => {
    const err = errorOf(() => createKernel({ machine, drivers: [{ driver: poolDriver, options: { pages: 'many' } }] }));
    expect(err.message).toMatch(/driver "pool": invalid options:\n {2}- options\.pages: expected number, received string/);
  });

  it('passes parsed options with defaults and records init statistics', () => {
    const k = createKernel({ machine, drivers: [{ driver: poolDriver, options: { pages: 3 } }] });
    const loaded = k.drivers.get('pool')!;
    expect(loaded.options).toEqual({ pages: 3, mode: 'eager' });
    expect(loaded.stats).toEqual({ pagesAllocated: 3, registrations: 1 });
    expect(k.resolve<unknown[]>(IPool)).toHaveLength(3);
    expect(k.printk.dmesg()).toMatch(/driver pool 1\.2\.0 registered \(3 pages, 1 registrations; provides IPool\)/);
  });

  it('rejects a second driver with the same name, naming both', () => {
    const k = createKernel({ machine, drivers: [poolDriver] });
    const impostor = defineDriver({ meta: { name: 'pool', version: '9.9.9', kernelRef: 'elsewhere.c' }, optionsSchema: z.strictObject({}), register: jest.fn() });
    const err = errorOf(() => k.loadDriver(impostor));
    expect(err.code).toBe('EEXIST');
    expect(err.message).toMatch(/driver "pool" \(version 9\.9\.9, elsewhere\.c\) cannot be loaded: a driver named "pool" \(version 1\.2\.0, mm\/mempool\.c\) is already loaded/);
    expect(impostor.register).not.toHaveBeenCalled();
    expect(errorOf(() => createKernel({ machine, drivers: [poolDriver, impostor] })).code).toBe('EEXIST');
  });

  it('rejects a token that the kernel or another driver already provides', () => {
    const k = createKernel({ machine, drivers: [poolDriver] });
    const thief = (token: symbol) =>
      defineDriver({ meta: { name: `thief-${String(token.description).toLowerCase()}`, version: '1', kernelRef: 't' }, optionsSchema: z.strictObject({}), register: (ctx) => ctx.provide(token, 1) });
    expect(errorOf(() => k.loadDriver(thief(IPool))).message).toMatch(/cannot provide IPool: driver "pool" already provides it/);
    expect(errorOf(() => k.loadDriver(thief(IPageAllocator as symbol))).message).toMatch(/cannot provide IPageAllocator: the kernel already provides it/);
  });

  it('lets a driver resolve what an earlier driver provides', () => {
    let seen: unknown;
    const consumer = defineDriver({
      meta: { name: 'consumer', version: '1', kernelRef: 't' },
      optionsSchema: z.strictObject({}),
      register(ctx) {
        seen = ctx.resolve(IPool);
      },
    });
    const k = createKernel({ machine, drivers: [poolDriver, consumer] });
    expect(seen).toBe(k.resolve(IPool));
    expect(seen).toHaveLength(4);
  });

  describe('a register that throws', () => {
    const TOKEN = Symbol('IHalfBuilt');
    const broken = defineDriver({
      meta: { name: 'broken', version: '0.0.1', kernelRef: 'test' },
      optionsSchema: z.strictObject({}),
      register(ctx) {
        ctx.provide(TOKEN, 'half');
        ctx.on('mm_page_alloc', () => undefined);
        ctx.on('mm_page_free', () => undefined);
        // Order 0 refills a pcp list from the buddy; order 4 splits a buddy block; freeing one
        // again moves counters too. Rollback must undo all of it, not merely free the pages.
        for (let i = 0; i < 5; i++) ctx.allocPages(GFP_KERNEL, 0);
        const big = ctx.allocPages(GFP_KERNEL, 4)!;
        ctx.resolve(IPageAllocator).freePages(big, 4);
        ctx.allocPages(GFP_KERNEL, 9);
        ctx.onDispose(() => undefined);
        throw new Error('probe failed: device did not answer');
      },
    });

    it('leaves free pages, counters, listeners, registry and container exactly as before', () => {
      const k = createKernel({ machine, drivers: [poolDriver] });
      k.alloc.allocPages(GFP_KERNEL, 2); // some prior activity, so "before" is not pristine
      const before = observableState(k, TOKEN);

      const err = errorOf(() => k.loadDriver(broken));

      expect(observableState(k, TOKEN)).toEqual(before);
      expect(() => k.resolve(TOKEN)).toThrow();
      expect(err.code).toBe('EINVAL');
      expect(err.message).toMatch(/driver "broken" failed to register, the kernel is unchanged: probe failed: device did not answer/);
      expect((err.cause as Error).message).toBe('probe failed: device did not answer');
    });

    it('keeps the errno of a KernelError thrown by the driver, and the kernel stays usable', () => {
      const k = createKernel({ machine });
      const enomem = defineDriver({
        meta: { name: 'greedy', version: '1', kernelRef: 't' },
        optionsSchema: z.strictObject({}),
        register(ctx) {
          ctx.allocPages(GFP_KERNEL, 10);
          throw new KernelError('ENOMEM', 'pool too small');
        },
      });
      const free = k.vmstat.snapshot(k.mem)['nr_free_pages'];
      expect(errorOf(() => k.loadDriver(enomem)).code).toBe('ENOMEM');
      expect(k.vmstat.snapshot(k.mem)['nr_free_pages']).toBe(free);
      expect(k.loadDriver(poolDriver).stats.pagesAllocated).toBe(4);
    });

    it('refuses a Promise-returning register and undoes it', () => {
      const k = createKernel({ machine });
      const asyncDriver = defineDriver({
        meta: { name: 'async', version: '1', kernelRef: 't' },
        optionsSchema: z.strictObject({}),
        register: ((ctx: { on: (n: 'mm_page_alloc', f: () => void) => void }) => {
          ctx.on('mm_page_alloc', () => undefined);
          return Promise.resolve();
        }) as unknown as () => void,
      });
      expect(errorOf(() => k.loadDriver(asyncDriver)).message).toMatch(/must be synchronous/);
      expect(k.events.listenerCount('mm_page_alloc')).toBe(0);
    });

    it('makes the context of a failed registration unusable', () => {
      const k = createKernel({ machine });
      let leaked: { on: (n: 'mm_page_alloc', f: () => void) => void } | undefined;
      const d = defineDriver({
        meta: { name: 'leaky', version: '1', kernelRef: 't' },
        optionsSchema: z.strictObject({}),
        register(ctx) {
          leaked = ctx;
          throw new Error('nope');
        },
      });
      errorOf(() => k.loadDriver(d));
      expect(() => leaked!.on('mm_page_alloc', () => undefined)).toThrow(/after the driver was unloaded or its registration failed/);
    });
  });

  describe('from a module', () => {
    const fixtures = path.join(__dirname, '__fixtures__');

    it('loads a default export by absolute path and validates its options', () => {
      const k = createKernel({ machine, drivers: [{ driver: path.join(fixtures, 'single-driver'), options: { greeting: 'hi' } }] });
      expect(k.drivers.names()).toEqual(['fixture-single']);
      expect(k.resolve(FIXTURE_GREETING)).toBe('hi');
      expect(errorOf(() => k.loadDriver(path.join(fixtures, 'single-driver'))).code).toBe('EEXIST');
    });

    it('picks one driver of a drivers map by #name or { name }, and refuses to guess', () => {
      const multi = path.join(fixtures, 'multi-driver');
      const k = createKernel({ machine, drivers: [`${multi}#beta`, { driver: multi, name: 'alpha' }] });
      expect(k.drivers.names()).toEqual(['beta', 'alpha']);
      expect(errorOf(() => loadDriverModule(multi)).message).toMatch(/provides several drivers \(alpha, beta\)/);
      expect(errorOf(() => loadDriverModule(`${multi}#gamma`)).message).toMatch(/no driver named "gamma"; it provides: alpha, beta/);
    });

    it('resolves relative paths against the given base directory and reports missing modules', () => {
      expect(loadDriverModule('./__fixtures__/single-driver', undefined, __dirname).meta.name).toBe('fixture-single');
      const err = errorOf(() => createKernel({ machine, drivers: ['./no/such/driver'] }));
      expect(err.code).toBe('ENOENT');
      expect(err.message).toMatch(/cannot find driver module "\.\/no\/such\/driver"/);
    });
  });

  describe('dependency injection in plugins', () => {
    it('builds @injectable classes with @inject(IPageAllocator) from the driver container, per kernel', () => {
      const withPool = defineDriver({
        meta: { name: 'di', version: '1', kernelRef: 't' },
        optionsSchema: z.strictObject({}),
        register(ctx) {
          ctx.provideClass(IPool, PoolUser);
        },
      });
      const a = createKernel({ machine, drivers: [withPool] });
      const b = createKernel({ machine, drivers: [withPool] });
      const userA = a.resolve<PoolUser>(IPool);
      expect(userA).toBeInstanceOf(PoolUser);
      expect(userA.pool).toBeInstanceOf(PoolService);
      expect(userA.pool.alloc).toBe(a.alloc);
      expect(userA.pool.random).toBe(a.resolve(IRandom));
      expect(a.resolve(IPool)).toBe(userA);
      expect(b.resolve<PoolUser>(IPool).pool.alloc).toBe(b.alloc);
      expect(a.drivers.get('di')!.container.resolve(PoolService).alloc).toBe(a.alloc);
    });
  });
});
