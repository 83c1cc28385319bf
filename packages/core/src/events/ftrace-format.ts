/**
 * The TP_printk() output of each tracepoint mmsim emits, as the kernel prints it in the ftrace
 * `trace` file (include/trace/events/kmem.h, Linux v6.6). One table entry per tracepoint, so a
 * later subsystem (compaction.h, migrate.h) adds its events by adding entries.
 */
import { KernelError } from '../errors';
import { VMEMMAP_START, STRUCT_PAGE_SIZE, pageblock_order } from '../mem/constants';
import { formatGfp } from '../zone/gfp';
import type { TracepointMap, TracepointName } from './tracepoints';

/**
 * `%p` of pfn_to_page(pfn): the struct page address in the x86_64 vmemmap,
 * VMEMMAP_START + pfn * sizeof(struct page), as 16 hex digits without `0x`. Real ftrace hashes
 * `%p` by default (trace_options `hash-ptr`); mmsim prints what `nohash-ptr` shows instead,
 * because a hash is neither reproducible nor meaningful, while the vmemmap address lets a reader
 * of real traces map `page=` to a pfn exactly as on a machine. A pfn of -1 (no page) prints as
 * the NULL pointer, 0000000000000000.
 */
export function formatPagePointer(pfn: number): string {
  if (pfn === -1) return '0'.repeat(16);
  return (VMEMMAP_START + BigInt(pfn) * BigInt(STRUCT_PAGE_SIZE)).toString(16).padStart(16, '0');
}

/** `0x%lx` */
function hex(n: number): string {
  return '0x' + n.toString(16);
}

/** One TP_printk() per tracepoint name. */
export type TpPrintkTable = { [K in TracepointName]?: (e: TracepointMap[K]) => string };

/** include/trace/events/kmem.h (v6.6) */
export const TP_PRINTK: TpPrintkTable = {
  /** TRACE_EVENT(mm_page_alloc): pfn -1 (allocation failed) prints page=NULL pfn=0x0. */
  mm_page_alloc: (e) =>
    `page=${formatPagePointer(e.pfn)} pfn=${hex(e.pfn !== -1 ? e.pfn : 0)} order=${e.order} migratetype=${e.migratetype} gfp_flags=${formatGfp(e.gfp_flags)}`,
  /** TRACE_EVENT(mm_page_free) */
  mm_page_free: (e) => `page=${formatPagePointer(e.pfn)} pfn=${hex(e.pfn)} order=${e.order}`,
  /** DECLARE_EVENT_CLASS(mm_page) / DEFINE_EVENT(mm_page, mm_page_alloc_zone_locked) */
  mm_page_alloc_zone_locked: (e) =>
    `page=${formatPagePointer(e.pfn)} pfn=${hex(e.pfn !== -1 ? e.pfn : 0)} order=${e.order} migratetype=${e.migratetype} percpu_refill=${e.percpu_refill}`,
  /** TRACE_EVENT(mm_page_pcpu_drain) */
  mm_page_pcpu_drain: (e) => `page=${formatPagePointer(e.pfn)} pfn=${hex(e.pfn)} order=${e.order} migratetype=${e.migratetype}`,
  /** TRACE_EVENT(mm_page_alloc_extfrag): fragmenting = fallback_order < pageblock_order. */
  mm_page_alloc_extfrag: (e) =>
    `page=${formatPagePointer(e.pfn)} pfn=${hex(e.pfn)} alloc_order=${e.alloc_order} fallback_order=${e.fallback_order} ` +
    `pageblock_order=${pageblock_order} alloc_migratetype=${e.alloc_migratetype} fallback_migratetype=${e.fallback_migratetype} ` +
    `fragmenting=${e.fallback_order < pageblock_order ? 1 : 0} change_ownership=${e.change_ownership}`,
};

/** The TP_printk() output of one event; throws if the tracepoint has no formatter. */
export function tpPrintk<K extends TracepointName>(name: K, payload: TracepointMap[K]): string {
  const fn = TP_PRINTK[name] as ((e: TracepointMap[K]) => string) | undefined;
  if (!fn) throw new KernelError('EINVAL', `tracepoint ${String(name)} has no TP_printk formatter; add an entry to TP_PRINTK in events/ftrace-format.ts`);
  return fn(payload);
}

/** kernel/trace/trace.c: print_event_info() + print_func_help_header_irq() (irq-info on, no tgid). */
export function ftraceHeader(entries: number, written: number, cpus: number): string {
  return (
    '# tracer: nop\n' +
    '#\n' +
    `# entries-in-buffer/entries-written: ${entries}/${written}   #P:${cpus}\n` +
    '#\n' +
    '#                                _-----=> irqs-off/BH-disabled\n' +
    '#                               / _----=> need-resched\n' +
    '#                              | / _---=> hardirq/softirq\n' +
    '#                              || / _--=> preempt-depth\n' +
    '#                              ||| / _-=> migrate-disable\n' +
    '#                              |||| /     delay\n' +
    '#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION\n' +
    '#              | |         |   |||||     |         |\n'
  );
}

/**
 * kernel/trace/trace_output.c: trace_print_context() + trace_print_time(): `%16s-%-7d [%03d] `,
 * the five latency flags, ` %5lu.%06lu: ` (ns2usecs() rounds to the nearest microsecond), then
 * `<event>: <TP_printk>`.
 */
export function ftraceLine(comm: string, pid: number, cpu: number, flags: string, ns: number, name: string, body: string): string {
  const usecs = Math.floor((ns + 500) / 1000);
  const secs = Math.floor(usecs / 1_000_000);
  const usecRem = usecs % 1_000_000;
  return (
    `${comm.padStart(16)}-${String(pid).padEnd(7)} [${String(cpu).padStart(3, '0')}] ${flags} ` +
    `${String(secs).padStart(5)}.${String(usecRem).padStart(6, '0')}: ${name}: ${body}`
  );
}
