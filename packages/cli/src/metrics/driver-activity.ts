import type { Counters } from './compaction-cost';

/** M22 (experiments.md §2): the balloon's cumulative vm events at one instant. */
export interface BalloonActivity {
  /** balloon_inflate: pages given to the host. */
  inflated: number;
  /** balloon_deflate: pages taken back. */
  deflated: number;
  /** balloon_migrate: balloon pages moved by migration (compaction, offline) — Aquini 2012. */
  migrated: number;
}

/** Reads the balloon_* vm events (mm/balloon_compaction.c, include/linux/vm_event_item.h). */
export function balloonActivity(c: Counters): BalloonActivity {
  return { inflated: c['balloon_inflate'] ?? 0, deflated: c['balloon_deflate'] ?? 0, migrated: c['balloon_migrate'] ?? 0 };
}
