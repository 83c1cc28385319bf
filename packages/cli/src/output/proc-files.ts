import type { ProcFs } from '@mmsim/core';

/**
 * The /proc and debugfs views (at the end of a run, or of a phase under `dir`), by output path. debugfs
 * `extfrag/unusable_index` and `extfrag/extfrag_index` go under proc/ too, so every kernel-format
 * text file sits in one directory.
 */
export function procFiles(proc: ProcFs, dir = 'proc'): Record<string, string> {
  return {
    [`${dir}/buddyinfo`]: proc.buddyinfo(),
    [`${dir}/pagetypeinfo`]: proc.pagetypeinfo(),
    [`${dir}/vmstat`]: proc.vmstat(),
    [`${dir}/zoneinfo`]: proc.zoneinfo(),
    [`${dir}/unusable_index`]: proc.unusableIndex(),
    [`${dir}/extfrag_index`]: proc.extfragIndex(),
  };
}

/**
 * Directory of a phase's snapshot under proc/: its index and name, with anything but letters,
 * digits, '-' and '_' replaced, so a phase name can never escape the output directory.
 */
export function phaseProcDir(index: number, phase: string): string {
  return `proc/${String(index).padStart(2, '0')}-${phase.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}
