import { HPAGE_PMD_NR, PAGE_SHIFT } from '../mem/constants';
import type { PgData } from '../zone/pgdat';
import { Wmark, type Zone } from '../zone/zone';
import { MAX_NR_ZONES } from '../zone/zone-type';
import { fls, ld, lpad, lu } from './seq-format';
import { NODE_STAT_NAMES, NUMA_STAT_NAMES, ZONE_STAT_NAMES, vmstatItemPrintInThp } from './vmstat-items';

/**
 * mm/vmstat.c: calculate_normal_threshold(): the per-cpu vmstat drift allowed before a counter
 * is folded, 2 * fls(online cpus) * (1 + fls(managed in 128 MiB units)), at most 125. mmsim folds
 * every counter at once, so the value is only shown, as `vm stats threshold` in /proc/zoneinfo.
 * (kswapd's pressure threshold, calculate_pressure_threshold(), is not modelled.)
 */
export function calculateNormalThreshold(managedPages: number, onlineCpus: number): number {
  const mem = Math.trunc(managedPages / 2 ** (27 - PAGE_SHIFT));
  const threshold = 2 * fls(onlineCpus) * (1 + fls(mem));
  return Math.min(125, threshold);
}

/** mm/vmstat.c: is_zone_first_populated() */
function isZoneFirstPopulated(zones: readonly Zone[], zone: Zone): boolean {
  for (const compare of zones) if (compare.populated) return zone === compare;
  return false;
}

/** node_page_state_pages() as /proc prints it: THP counters are kept in base pages, shown in THPs. */
export function nodeStatForPrint(pgdat: PgData, item: number): number {
  const pages = Math.max(0, pgdat.vmStat[item]!);
  return vmstatItemPrintInThp(item) ? Math.trunc(pages / HPAGE_PMD_NR) : pages;
}

/**
 * mm/vmstat.c (v6.6): zoneinfo_show_print(). The per-node stats come with the node's first
 * populated zone; an unpopulated zone ends after its protection array. The v6.6 pageset lines
 * (`count: `, `high:  `, `batch: `) predate the high_min/high_max lines of v6.7.
 * `node_unreclaimable` is 0: mmsim has no kswapd_failures (reclaim is not modelled yet).
 */
export function zoneinfoShowPrint(pgdat: PgData, zones: readonly Zone[], zone: Zone, nrCpus: number): string {
  let s = `Node ${pgdat.nid}, zone ${zone.name.padStart(8)}`;
  if (isZoneFirstPopulated(zones, zone)) {
    s += '\n  per-node stats';
    for (let i = 0; i < NODE_STAT_NAMES.length; i++) {
      s += `\n      ${lpad(NODE_STAT_NAMES[i]!, 12)} ${lu(nodeStatForPrint(pgdat, i))}`;
    }
  }
  s +=
    `\n  pages free     ${lu(zone.freePages)}` +
    `\n        boost    ${lu(zone.watermarkBoost)}` +
    `\n        min      ${lu(zone.wmarkPages(Wmark.MIN))}` +
    `\n        low      ${lu(zone.wmarkPages(Wmark.LOW))}` +
    `\n        high     ${lu(zone.wmarkPages(Wmark.HIGH))}` +
    `\n        promo    ${lu(zone.wmarkPages(Wmark.PROMO))}` +
    `\n        spanned  ${lu(zone.spannedPages)}` +
    `\n        present  ${lu(zone.presentPages)}` +
    `\n        managed  ${lu(zone.managedPages)}` +
    `\n        cma      ${lu(zone.cmaPages)}`;
  s += `\n        protection: (${ld(zone.lowmemReserve[0]!)}`;
  for (let i = 1; i < MAX_NR_ZONES; i++) s += `, ${ld(zone.lowmemReserve[i]!)}`;
  s += ')';
  // If unpopulated, no other information is useful.
  if (!zone.populated) return s + '\n';
  for (let i = 0; i < ZONE_STAT_NAMES.length; i++) {
    s += `\n      ${lpad(ZONE_STAT_NAMES[i]!, 12)} ${lu(zone.vmStat[i]!)}`;
  }
  for (let i = 0; i < NUMA_STAT_NAMES.length; i++) {
    s += `\n      ${lpad(NUMA_STAT_NAMES[i]!, 12)} ${lu(zone.numaStat[i]!)}`;
  }
  s += '\n  pagesets';
  const threshold = calculateNormalThreshold(zone.managedPages, nrCpus);
  for (let cpu = 0; cpu < nrCpus; cpu++) {
    const pcp = zone.pcp[cpu]!;
    s +=
      `\n    cpu: ${cpu}` +
      `\n              count: ${ld(pcp.count)}` +
      `\n              high:  ${ld(pcp.high)}` +
      `\n              batch: ${ld(pcp.batch)}` +
      `\n  vm stats threshold: ${threshold}`;
  }
  s += `\n  node_unreclaimable:  0` + `\n  start_pfn:           ${lu(zone.zoneStartPfn)}`;
  return s + '\n';
}
