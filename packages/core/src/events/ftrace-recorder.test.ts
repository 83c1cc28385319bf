import { KernelError } from '../errors';
import { ExecutionContext } from '../kernel/current';
import { Printk } from '../kernel/printk';
import { SimulatedClock } from '../time/clock';
import { GFP_HIGHUSER_MOVABLE, GFP_KERNEL, __GFP_COMP } from '../zone/gfp';
import { MachineConfigSchema, VmSysctlSchema } from '../zone/machine-config';
import { PageAllocator } from '../zone/page-alloc';
import { PhysicalMemory } from '../zone/physical-memory';
import { VmStat } from '../stat/vmstat';
import { EventBus } from './event-bus';
import { formatPagePointer } from './ftrace-format';
import { FtraceRecorder } from './ftrace-recorder';

const HEADER_REST =
  '#\n' +
  '#                                _-----=> irqs-off/BH-disabled\n' +
  '#                               / _----=> need-resched\n' +
  '#                              | / _---=> hardirq/softirq\n' +
  '#                              || / _--=> preempt-depth\n' +
  '#                              ||| / _-=> migrate-disable\n' +
  '#                              |||| /     delay\n' +
  '#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION\n' +
  '#              | |         |   |||||     |         |\n';

function setup(opts: ConstructorParameters<typeof FtraceRecorder>[3] = {}) {
  const bus = new EventBus();
  const clock = new SimulatedClock();
  const current = new ExecutionContext();
  const rec = new FtraceRecorder(bus, clock, current, opts);
  return { bus, clock, current, rec };
}

/** The event lines of a trace text (header stripped). */
function lines(text: string): string[] {
  return text.split('\n').filter((l) => l && !l.startsWith('#'));
}

describe('FtraceRecorder', () => {
  it('prints the nop tracer header with entries-in-buffer/entries-written and #P', () => {
    const { rec } = setup({ cpus: 4 });
    expect(rec.text()).toBe('# tracer: nop\n#\n# entries-in-buffer/entries-written: 0/0   #P:4\n' + HEADER_REST);
  });

  it.each([
    ['mm_page_alloc', { pfn: 0x1234, order: 2, gfp_flags: GFP_KERNEL, migratetype: 0 },
      'mm_page_alloc: page=ffffea0000048d00 pfn=0x1234 order=2 migratetype=0 gfp_flags=GFP_KERNEL'],
    ['mm_page_alloc', { pfn: -1, order: 9, gfp_flags: GFP_KERNEL | __GFP_COMP, migratetype: 1 },
      'mm_page_alloc: page=0000000000000000 pfn=0x0 order=9 migratetype=1 gfp_flags=GFP_KERNEL|__GFP_COMP'],
    ['mm_page_free', { pfn: 0x3ffff, order: 0 },
      'mm_page_free: page=ffffea0000ffffc0 pfn=0x3ffff order=0'],
    ['mm_page_alloc_zone_locked', { pfn: 0x200, order: 0, migratetype: 1, percpu_refill: 1 },
      'mm_page_alloc_zone_locked: page=ffffea0000008000 pfn=0x200 order=0 migratetype=1 percpu_refill=1'],
    ['mm_page_pcpu_drain', { pfn: 0x10, order: 3, migratetype: 2 },
      'mm_page_pcpu_drain: page=ffffea0000000400 pfn=0x10 order=3 migratetype=2'],
    ['mm_page_alloc_extfrag', { pfn: 0x400, alloc_order: 0, fallback_order: 10, alloc_migratetype: 0, fallback_migratetype: 1, change_ownership: 1 },
      'mm_page_alloc_extfrag: page=ffffea0000010000 pfn=0x400 alloc_order=0 fallback_order=10 pageblock_order=9 alloc_migratetype=0 fallback_migratetype=1 fragmenting=0 change_ownership=1'],
    ['mm_page_alloc_extfrag', { pfn: 0x401, alloc_order: 0, fallback_order: 3, alloc_migratetype: 2, fallback_migratetype: 1, change_ownership: 0 },
      'mm_page_alloc_extfrag: page=ffffea0000010040 pfn=0x401 alloc_order=0 fallback_order=3 pageblock_order=9 alloc_migratetype=2 fallback_migratetype=1 fragmenting=1 change_ownership=0'],
  ] as const)('%s prints its TP_printk exactly', (name, payload, body) => {
    const { bus, clock, current, rec } = setup();
    rec.start();
    clock.advanceTo(1_234_567_890);
    current.comm = 'kcompactd0';
    current.pid = 42;
    current.cpu = 3;
    (bus.emit as (n: string, p: unknown) => boolean)(name, payload);
    expect(lines(rec.text())).toEqual([`      kcompactd0-42      [003] .....     1.234568: ${body}`]);
  });

  it('rounds the timestamp to the nearest microsecond as ns2usecs() does', () => {
    const { bus, clock, rec } = setup({ events: ['mm_page_free'] });
    rec.start();
    for (const ns of [0, 499, 500, 999_999_499, 999_999_500, 123_456_000_000_000]) {
      clock.advanceTo(ns);
      bus.emit('mm_page_free', { pfn: 1, order: 0 });
    }
    expect(lines(rec.text()).map((l) => l.slice(36, 51))).toEqual([
      '     0.000000: ', '     0.000000: ', '     0.000001: ', '     0.999999: ', '     1.000000: ', ' 123456.000000:',
    ]);
  });

  it('costs nothing until started and stops listening on stop()', () => {
    const { bus, rec } = setup();
    expect(bus.wants('mm_page_alloc')).toBe(false);
    rec.start();
    rec.start();
    expect(bus.listenerCount('mm_page_alloc')).toBe(1);
    bus.emit('mm_page_free', { pfn: 5, order: 0 });
    rec.stop();
    expect(bus.wants('mm_page_alloc')).toBe(false);
    bus.emit('mm_page_free', { pfn: 6, order: 0 });
    expect(rec.lineCount).toBe(1);
    expect(rec.started).toBe(false);
  });

  it('records only the chosen events', () => {
    const { bus, rec } = setup({ events: ['mm_page_alloc_extfrag'] });
    rec.start();
    bus.emit('mm_page_free', { pfn: 5, order: 0 });
    expect(rec.lineCount).toBe(0);
    expect(bus.wants('mm_page_free')).toBe(false);
  });

  it('keeps the newest `limit` events and reports the overwritten ones in the header', () => {
    const { bus, rec } = setup({ events: ['mm_page_free'], limit: 3 });
    rec.start();
    for (let pfn = 1; pfn <= 5; pfn++) bus.emit('mm_page_free', { pfn, order: 0 });
    const text = rec.text();
    expect(text).toContain('# entries-in-buffer/entries-written: 3/5   #P:1\n');
    expect(lines(text).map((l) => l.replace(/.*pfn=(0x[0-9a-f]+).*/, '$1'))).toEqual(['0x3', '0x4', '0x5']);
    expect([rec.lineCount, rec.entriesWritten, rec.dropped]).toEqual([3, 5, 2]);
    rec.clear();
    expect(rec.text()).toContain('# entries-in-buffer/entries-written: 0/0   #P:1\n');
  });

  it.each([
    [{ limit: 0 }, /limit must be a positive integer/],
    [{ limit: 2.5 }, /limit must be a positive integer/],
    [{ cpus: 0 }, /cpus must be a positive integer/],
    [{ events: ['mm_compaction_begin'] }, /cannot trace "mm_compaction_begin": no TP_printk formatter/],
  ])('rejects options %j', (opts, message) => {
    expect(() => setup(opts as never)).toThrow(KernelError);
    expect(() => setup(opts as never)).toThrow(message);
  });

  it('traces a real allocator: unmovable steal, alloc, free and pcp drain, in order', () => {
    const mem = new PhysicalMemory(MachineConfigSchema.parse({ nodes: [{ memory: '64MiB' }], layout: 'flat' }));
    const { bus, clock, current, rec } = setup();
    const alloc = new PageAllocator(mem, bus, new VmStat(), current, VmSysctlSchema.parse({}), new Printk(clock));
    alloc.boot();
    rec.start();
    const pfn = alloc.allocPagesPfn(GFP_KERNEL, 0);
    clock.advance(1500);
    alloc.freePages(pfn, 0);
    alloc.drainAllPages();
    const movable = alloc.allocPagesPfn(GFP_HIGHUSER_MOVABLE, 9);
    const all = lines(rec.text()).map((l) => /^.{49}: (\w+): /.exec(l)?.[1]);
    // rmqueue_bulk refills the pcp list with a batch of 3: a stealing fallback, then three
    // __rmqueue_smallest() calls, each tracing mm_page_alloc_zone_locked with percpu_refill=1.
    expect(all.slice(0, 4)).toEqual(['mm_page_alloc_extfrag', 'mm_page_alloc_zone_locked', 'mm_page_alloc_zone_locked', 'mm_page_alloc_zone_locked']);
    expect(rec.text()).toMatch(/mm_page_alloc_zone_locked: page=\w+ pfn=0x\w+ order=0 migratetype=0 percpu_refill=1\n/);
    const names = all.filter((n) => n !== 'mm_page_alloc_zone_locked');
    expect(names[0]).toBe('mm_page_alloc_extfrag');
    expect(names[1]).toBe('mm_page_alloc');
    expect(names[2]).toBe('mm_page_free');
    expect(names.slice(3, -1).every((n) => n === 'mm_page_pcpu_drain')).toBe(true);
    expect(names.at(-1)).toBe('mm_page_alloc');
    const text = rec.text();
    expect(text).toContain(`            init-1       [000] .....     0.000000: mm_page_alloc: page=${formatPagePointer(pfn)} pfn=0x${pfn.toString(16)} order=0 migratetype=0 gfp_flags=GFP_KERNEL\n`);
    expect(text).toContain(`            init-1       [000] .....     0.000002: mm_page_free: page=${formatPagePointer(pfn)} pfn=0x${pfn.toString(16)} order=0\n`);
    expect(text).toContain(`pfn=0x${movable.toString(16)} order=9 migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE\n`);
  });
});
