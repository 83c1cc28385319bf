import { setFlagsFromString } from 'node:v8';

/**
 * V8's cumulative inlining budget per optimized function, raised for the mmsim process. The core
 * keeps one mechanism per function with kernel names (migrate_folio_unmap → try_to_migrate_one
 * → page_remove_rmap → …), so a migrated page crosses ~40 small functions; with V8's default
 * budget (920 bytecode bytes) the optimizing compiler stops inlining half-way down those chains.
 * Measured on move_pages of 1M pages: ~1.2x pages/s with 4000 (DESIGN.md, "Performance"). 5000
 * then let migrate_folio_move() inline its last page-flag helpers: 7,355 vs 7,777 instructions per
 * page moved in steady state (perf stat, node --single-threaded); 6000 and up inline more but
 * measured worse (7,571 at 7000–10000), and compaction and zsmalloc are unchanged within 0.5%.
 * Library users get the same by starting node with `--max-inlined-bytecode-size-cumulative=5000`.
 * The flag only changes optimization heuristics, never results: runs stay byte-identical.
 */
export const V8_INLINING_BUDGET = 5000;

/** Applied before any simulation code is optimized (imported first by main.ts). */
export function applyV8Tuning(): void {
  setFlagsFromString(`--max-inlined-bytecode-size-cumulative=${V8_INLINING_BUDGET}`);
}

applyV8Tuning();
