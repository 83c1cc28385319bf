import type { ProcFs } from '@mmsim/core';

/**
 * The /proc and debugfs views at the end of a run, by output path. debugfs
 * `extfrag/unusable_index` and `extfrag/extfrag_index` go under proc/ too, so every kernel-format
 * text file sits in one directory.
 */
export function procFiles(proc: ProcFs): Record<string, string> {
  return {
    'proc/buddyinfo': proc.buddyinfo(),
    'proc/pagetypeinfo': proc.pagetypeinfo(),
    'proc/vmstat': proc.vmstat(),
    'proc/zoneinfo': proc.zoneinfo(),
    'proc/unusable_index': proc.unusableIndex(),
    'proc/extfrag_index': proc.extfragIndex(),
  };
}
