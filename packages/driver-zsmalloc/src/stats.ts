import { NR_FULLNESS_GROUPS, ZS_INUSE_RATIO_10, ZS_OBJS_ALLOCATED, ZS_OBJS_INUSE } from './constants';
import { zsCanCompact } from './fullness';
import type { ZsPool } from './pool';

/** One row of /sys/kernel/debug/zsmalloc/<pool>/classes. */
export interface ZsClassStats {
  class: number;
  size: number;
  /** Zspages in fullness groups 10 %, 20 % … 90 %, 99 %, 100 % (groups 1..11). */
  inuse: number[];
  objAllocated: number;
  objUsed: number;
  pagesUsed: number;
  pagesPerZspage: number;
  freeable: number;
}

/** The per-class statistics of the distinct classes, as zs_stats_size_show() computes them. */
export function zsClassStats(pool: ZsPool): ZsClassStats[] {
  return pool.distinct.map((cls) => {
    const objAllocated = cls.stats[ZS_OBJS_ALLOCATED]!;
    return {
      class: cls.index,
      size: cls.size,
      inuse: cls.stats.slice(ZS_INUSE_RATIO_10, NR_FULLNESS_GROUPS),
      objAllocated,
      objUsed: cls.stats[ZS_OBJS_INUSE]!,
      pagesUsed: Math.floor(objAllocated / cls.objsPerZspage) * cls.pagesPerZspage,
      pagesPerZspage: cls.pagesPerZspage,
      freeable: zsCanCompact(cls),
    };
  });
}

const pad = (v: string | number, w: number): string => String(v).padStart(w);

/**
 * mm/zsmalloc.c: zs_stats_size_show() — the `classes` debugfs file: a header, one row per
 * distinct class, a blank line and the Total row.
 */
export function zsClassesText(pool: ZsPool): string {
  const groups = ['10%', '20%', '30%', '40%', '50%', '60%', '70%', '80%', '90%', '99%', '100%'];
  let out = ` ${pad('class', 5)} ${pad('size', 5)} ${groups.map((g) => pad(g, 9)).join(' ')} ${pad('obj_allocated', 13)} ${pad('obj_used', 10)} ${pad('pages_used', 10)} ${pad('pages_per_zspage', 16)} ${pad('freeable', 8)}\n`;
  const totals = new Array<number>(groups.length).fill(0);
  let objs = 0;
  let used = 0;
  let pages = 0;
  let freeable = 0;
  for (const row of zsClassStats(pool)) {
    row.inuse.forEach((n, i) => (totals[i]! += n));
    objs += row.objAllocated;
    used += row.objUsed;
    pages += row.pagesUsed;
    freeable += row.freeable;
    out += ` ${pad(row.class, 5)} ${pad(row.size, 5)} ${row.inuse.map((n) => `${pad(n, 9)} `).join('')}`;
    out += `${pad(row.objAllocated, 13)} ${pad(row.objUsed, 10)} ${pad(row.pagesUsed, 10)} ${pad(row.pagesPerZspage, 16)} ${pad(row.freeable, 8)}\n`;
  }
  out += '\n';
  out += ` ${pad('Total', 5)} ${pad('', 5)} ${totals.map((n) => `${pad(n, 9)} `).join('')}`;
  out += `${pad(objs, 13)} ${pad(used, 10)} ${pad(pages, 10)} ${pad('', 16)} ${pad(freeable, 8)}\n`;
  return out;
}
