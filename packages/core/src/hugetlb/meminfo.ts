import { HPAGE_PMD_NR, PAGE_SIZE } from '../mem/constants';
import type { Hugetlb } from './hugetlb';

/** Hugepagesize in kB (2 MiB). */
export const HUGEPAGESIZE_KB = (HPAGE_PMD_NR * PAGE_SIZE) / 1024;

/**
 * mm/hugetlb.c: hugetlb_report_meminfo(): the hugetlb lines of /proc/meminfo, formatted as the
 * kernel does ("HugePages_Total:   %5lu\n" … "Hugepagesize:   %8lu kB\n", "Hugetlb:        %8lu kB\n").
 */
export function hugetlbReportMeminfo(h: Hugetlb): string {
  const total = h.nrHugepages;
  return (
    `HugePages_Total:   ${String(total).padStart(5)}\n` +
    `HugePages_Free:    ${String(h.freeHugepages).padStart(5)}\n` +
    `HugePages_Rsvd:    ${String(h.resvHugepages).padStart(5)}\n` +
    `HugePages_Surp:    ${String(h.surplusHugepages).padStart(5)}\n` +
    `Hugepagesize:   ${String(HUGEPAGESIZE_KB).padStart(8)} kB\n` +
    `Hugetlb:        ${String(total * HUGEPAGESIZE_KB).padStart(8)} kB\n`
  );
}

/**
 * mm/hugetlb.c: hugetlb_report_node_meminfo(): the per-node lines of
 * /sys/devices/system/node/nodeN/meminfo ("Node %d HugePages_Total: %5u").
 */
export function hugetlbReportNodeMeminfo(h: Hugetlb, nid: number): string {
  return (
    `Node ${nid} HugePages_Total: ${String(h.nrHugePagesNode[nid] ?? 0).padStart(5)}\n` +
    `Node ${nid} HugePages_Free:  ${String(h.freeHugePagesNode[nid] ?? 0).padStart(5)}\n` +
    `Node ${nid} HugePages_Surp:  ${String(0).padStart(5)}\n`
  );
}
