import { setFlagsFromString } from 'node:v8';

/**
 * V8's cumulative inlining budget per optimized function, raised for the mmsim process. The core
 * keeps one mechanism per function with kernel names (migrate_folio_unmap → try_to_migrate_one
 * → page_remove_rmap → …), so a migrated page crosses ~40 small functions; with V8's default
 * budget (920 bytecode bytes) the optimizing compiler stops inlining half-way down those chains.
 * Measured on move_pages of 1M pages: ~1.2x pages/s with 4000 (DESIGN.md, "Performance").
 * Library users get the same by starting node with `--max-inlined-bytecode-size-cumulative=4000`.
 * The flag only changes optimization heuristics, never results: runs stay byte-identical.
 */
export const V8_INLINING_BUDGET = 4000;

/** Applied before any simulation code is optimized (imported first by main.ts). */
export function applyV8Tuning(): void {
  setFlagsFromString(`--max-inlined-bytecode-size-cumulative=${V8_INLINING_BUDGET}`);
}

applyV8Tuning();
