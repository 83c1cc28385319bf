import type { MigrateMode, MovableOperations, MovableOpsEntry, Page } from '@mmsim/core';

/** One call the core made into the driver's movable_operations. */
export interface OpsCall {
  op: 'isolate' | 'migrate' | 'putback';
  pfn: number;
  dst?: number;
  mode?: number;
  result?: number | boolean;
}

/**
 * Records every movable_operations call of one driver by wrapping the ops its MovableOpsEntry
 * points at (what page->mapping resolves to), so tests can count driver calls per mode without
 * the driver's cooperation. The driver's own object is untouched; `this` stays the driver's.
 */
export class OpsSpy {
  readonly calls: OpsCall[] = [];

  constructor(entry: MovableOpsEntry) {
    const ops = entry.ops;
    const calls = this.calls;
    const wrapper: MovableOperations = {
      isolatePage(page: Page, mode: number): boolean {
        const call: OpsCall = { op: 'isolate', pfn: page.pfn, mode };
        calls.push(call);
        call.result = ops.isolatePage(page, mode);
        return call.result;
      },
      migratePage(dst: Page, src: Page, mode: MigrateMode): number {
        const call: OpsCall = { op: 'migrate', pfn: src.pfn, dst: dst.pfn, mode };
        calls.push(call);
        call.result = ops.migratePage(dst, src, mode);
        return call.result;
      },
      putbackPage(page: Page): void {
        calls.push({ op: 'putback', pfn: page.pfn });
        ops.putbackPage(page);
      },
    };
    (entry as { ops: MovableOperations }).ops = wrapper;
  }

  /** Calls of one kind, optionally for one source pfn. */
  of(op: OpsCall['op'], pfn?: number): OpsCall[] {
    return this.calls.filter((c) => c.op === op && (pfn === undefined || c.pfn === pfn));
  }

  clear(): void {
    this.calls.length = 0;
  }
}
