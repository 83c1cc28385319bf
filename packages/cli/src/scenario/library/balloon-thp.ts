import type { LibraryScenario } from './types';
import { machineOf } from './types';

/**
 * experiments.md W14 (balloon): inflate a virtio-balloon to half of RAM, run thpscale's
 * fragmenting setup (W3) in the rest, compact, then deflate. Balloon pages are movable through
 * balloon_mops (mm/balloon_compaction.c), so compaction's migrate scanner, walking up from the
 * zone's start, moves the ones it meets to free pages the free scanner finds near the top
 * (balloon_migrate, Aquini 2012). Simplifications: one thread; the thpscale area is 0.8·MemFree
 * after inflation (the guest's RAM is what the balloon left) and only its setup half runs (map,
 * fault as THP, punch out the first 1 MiB of every 2 MiB); one explicit compaction instead of THP
 * faults driving it. M5 (free 2 MiB blocks) is in the metrics of every phase.
 */
export const balloonThp: LibraryScenario = {
  name: 'balloon-thp',
  description: 'inflate a virtio-balloon to 50% of RAM, fragment the rest like thpscale, compact (migrating balloon pages), deflate',
  provenance: 'experiments.md W14: plug-in scenario, virtio-balloon with W3 (mmtests thpscale) inside; balloon compaction (Aquini 2012)',
  defaults: { ramMiB: 1024, seed: 1 },
  build(opts = {}) {
    const { ramMiB, seed } = { ...this.defaults, ...opts };
    return {
      name: 'balloon-thp',
      description: this.description,
      seed,
      machine: machineOf(ramMiB),
      workload: {
        phases: [
          { name: 'inflate', steps: [{ kind: 'balloon', target: { fraction: 0.5, of: 'MemTotal' } }] },
          {
            name: 'fragment',
            steps: [
              { kind: 'mmap', region: 'anon', size: { fraction: 0.8, of: 'MemFree' }, thp: 'hugepage' },
              { kind: 'fault', region: 'anon' },
              { kind: 'munmap', region: 'anon', chunk: { mib: 2 }, lengthKiB: 1024 },
            ],
          },
          { name: 'compact', steps: [{ kind: 'compact' }] },
          { name: 'deflate', steps: [{ kind: 'balloon', target: { pages: 0 } }] },
        ],
      },
    };
  },
};
