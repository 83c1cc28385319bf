import type { ZsmallocService } from './service';

/** mmsim_zs_zspage_alloc / mmsim_zs_zspage_free: a zspage chain taken from or given back to the buddy. */
export interface MmsimZsZspage {
  pool: string;
  class_idx: number;
  first_pfn: number;
  pages: number;
}

/** mmsim_zs_migrate: zs_page_migrate() moved one sub-page and re-pointed `objs` handles. */
export interface MmsimZsMigrate {
  pool: string;
  class_idx: number;
  src_pfn: number;
  dst_pfn: number;
  objs: number;
}

/** mmsim_zs_compact: zs_compact() finished (the kernel has no tracepoint here; zram exposes the counter). */
export interface MmsimZsCompact {
  pool: string;
  pages_freed: number;
  pages_compacted: number;
}

/**
 * zsmalloc has no kernel tracepoints; these mmsim_* events make its page traffic observable on
 * the kernel's bus. Declared by merging into core's TracepointMap.
 */
declare module '@mmsim/core' {
  interface TracepointMap {
    mmsim_zs_zspage_alloc: MmsimZsZspage;
    mmsim_zs_zspage_free: MmsimZsZspage;
    mmsim_zs_migrate: MmsimZsMigrate;
    mmsim_zs_compact: MmsimZsCompact;
  }
}

type ZsTracepoint = 'mmsim_zs_zspage_alloc' | 'mmsim_zs_zspage_free' | 'mmsim_zs_migrate' | 'mmsim_zs_compact';
type Payload<K extends ZsTracepoint> = K extends 'mmsim_zs_migrate' ? MmsimZsMigrate : K extends 'mmsim_zs_compact' ? MmsimZsCompact : MmsimZsZspage;

/** Emits a zsmalloc event if anyone listens (trace_*() with the static key off otherwise). */
export function emitZs<K extends ZsTracepoint>(svc: ZsmallocService, name: K, payload: Payload<K>): void {
  if (svc.events.wants(name)) (svc.events.emit as (n: string, p: unknown) => boolean)(name, payload);
}
