import type { EventBus, TracepointName } from '@mmsim/core';

/** Compaction tracepoints whose occurrences M19 reports. */
export const M19_TRACEPOINTS = [
  'mm_compaction_deferred',
  'mm_compaction_defer_compaction',
  'mm_compaction_defer_reset',
  'mm_compaction_kcompactd_wake',
] as const satisfies readonly TracepointName[];

/** Counts occurrences of a fixed set of tracepoints (like `perf stat -e`). */
export class TracepointCounter {
  readonly counts: Record<string, number> = {};
  private readonly listeners: [TracepointName, () => void][] = [];

  constructor(private readonly events: EventBus, names: readonly TracepointName[]) {
    for (const name of names) {
      this.counts[name] = 0;
      const fn = (): void => void this.counts[name]!++;
      events.on(name, fn);
      this.listeners.push([name, fn]);
    }
  }

  stop(): void {
    for (const [name, fn] of this.listeners) this.events.off(name, fn);
  }
}
