/**
 * A copy of the kernel's memory-model state (page frames, free lists, zones, pcp lists,
 * counters) that can be written back in place, so a failed driver registration can undo every
 * page it allocated without leaving a trace in the buddy, the per-cpu lists or /proc/vmstat.
 *
 * Why a generic copy rather than freeing the driver's pages: freeing is not the inverse of
 * allocating. An order-0 allocation refills a per-cpu list with a whole batch from the buddy and
 * bumps pgalloc; freeing it puts it on the pcp list and bumps pgfree, so NR_FREE_PAGES and the
 * counters would differ from before. The model is typed arrays and plain fields all the way down,
 * so copying them is exact, and it stays exact when the allocator grows new fields.
 *
 * Cost: one copy of every typed array reachable from the roots (about 40 bytes per page frame),
 * taken only when a registering driver first allocates pages.
 */
export class StateCheckpoint {
  private readonly saved = new Map<object, SavedObject>();

  /**
   * Copies everything reachable from `roots` through own enumerable fields. Objects in
   * `boundaries` are kept by reference but not copied (the event bus, the log, the clock).
   */
  constructor(roots: readonly object[], private readonly boundaries: ReadonlySet<object>) {
    for (const root of roots) this.capture(root);
  }

  /** Writes the captured state back into the same objects. */
  restore(): void {
    for (const [target, saved] of this.saved) saved.restore(target);
  }

  private capture(obj: object): void {
    if (this.saved.has(obj) || this.boundaries.has(obj)) return;
    if (ArrayBuffer.isView(obj)) {
      const copy = (obj as unknown as { slice(): ArrayBufferView }).slice();
      this.saved.set(obj, { restore: (t) => (t as unknown as { set(a: ArrayBufferView): void }).set(copy) });
      return;
    }
    if (obj instanceof Map) {
      const entries = [...obj.entries()];
      this.saved.set(obj, {
        restore: (t) => {
          const m = t as Map<unknown, unknown>;
          m.clear();
          for (const [k, v] of entries) m.set(k, v);
        },
      });
      for (const [, v] of entries) if (isObject(v)) this.capture(v);
      return;
    }
    if (obj instanceof Set) {
      const values = [...obj.values()];
      this.saved.set(obj, {
        restore: (t) => {
          const s = t as Set<unknown>;
          s.clear();
          for (const v of values) s.add(v);
        },
      });
      for (const v of values) if (isObject(v)) this.capture(v);
      return;
    }
    if (Array.isArray(obj)) {
      const items = obj.slice();
      this.saved.set(obj, {
        restore: (t) => {
          const a = t as unknown[];
          a.length = items.length;
          for (let i = 0; i < items.length; i++) a[i] = items[i];
        },
      });
      for (const v of items) if (isObject(v)) this.capture(v);
      return;
    }
    const record = obj as Record<string, unknown>;
    const fields = Object.keys(record).map((k) => [k, record[k]] as const);
    const keys = new Set(fields.map(([k]) => k));
    this.saved.set(obj, {
      restore: (t) => {
        const r = t as Record<string, unknown>;
        // Fields added since the capture (a lazily built cache) go away again.
        for (const k of Object.keys(r)) if (!keys.has(k)) delete r[k];
        for (const [k, v] of fields) if (r[k] !== v) r[k] = v;
      },
    });
    for (const [, v] of fields) if (isObject(v)) this.capture(v);
  }
}

interface SavedObject {
  restore(target: object): void;
}

function isObject(v: unknown): v is object {
  return typeof v === 'object' && v !== null;
}
