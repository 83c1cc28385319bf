import { PAGE_SIZE } from '@mmsim/core';
import type { RunSummary } from '../engine/run-scenario';
import { renderTable } from './table';

function mib(pages: number): string {
  return `${((pages * PAGE_SIZE) / 2 ** 20).toFixed(1)} MiB`;
}

/** The short human summary `mmsim run` prints on stdout: attempts per order, free memory, events. */
export function renderRunReport(s: RunSummary, outDir: string): string {
  const parts: string[] = [];
  parts.push(`scenario ${s.scenario.name}, seed ${s.seed}, ${(s.simulatedNs / 1e9).toFixed(3)} s simulated\n`);
  for (const step of s.workload.steps) {
    if (!step.classes) continue;
    const requests = step.classes.reduce((n, c) => n + c.requests, 0);
    const failures = step.classes.reduce((n, c) => n + c.failures, 0);
    const byClass = step.classes.map((c) => `${c.class} ${c.failures}`).join(', ');
    parts.push(`churn (phase ${step.phase}): ${requests} requests, ${failures} failed (${byClass})\n`);
  }
  for (const h of s.workload.highOrder) {
    parts.push(`\nhigh-order attempts: ${h.label} (${h.gfp}), phase ${h.phase}\n`);
    parts.push(renderTable(['order', 'attempts', 'successes', 'success %'], h.orders.map((o) => [o.order, o.attempts, o.successes, `${((100 * o.successes) / o.attempts).toFixed(1)}%`])));
  }
  parts.push(`\nfree memory: ${mib(s.memory.freePages)} of ${mib(s.memory.managedPages)} managed\n`);
  const e = s.extfrag;
  parts.push(`extfrag events: ${e.total} (fragmenting ${e.fragmenting}, unmovable in movable ${e.unmovableInMovable}, pageblock steals ${e.changeOwnership})\n`);
  parts.push(`outputs: ${outDir}\n`);
  return parts.join('');
}
