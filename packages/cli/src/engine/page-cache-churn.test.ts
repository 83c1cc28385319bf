import { runScenario } from './run-scenario';
import { validateScenario } from '../scenario/load';
import { UsageError } from '../cli-error';

/** Page-cache folios interleaved with long-lived kernel pages, then compact_memory and free-all. */
function scenario(cacheLifetime: object) {
  return {
    name: 'page-cache-churn',
    seed: 3,
    machine: { nodes: [{ memory: '64MiB' }], layout: 'flat' },
    workload: {
      phases: [
        {
          name: 'churn',
          steps: [{
            kind: 'churn',
            allocations: 6000,
            mix: [
              { class: 'cache', gfp: 'GFP_HIGHUSER_MOVABLE', weight: 90, orders: [{ order: 0, weight: 1 }], lifetime: cacheLifetime, backing: 'page-cache' },
              { class: 'kernel', gfp: 'GFP_KERNEL', weight: 10, orders: [{ order: 0, weight: 1 }], lifetime: { dist: 'forever' } },
            ],
          }],
        },
        { name: 'compact', steps: [{ kind: 'compact' }] },
        { name: 'free', steps: [{ kind: 'free-all' }, { kind: 'drain' }] },
      ],
    },
  };
}

describe('churn classes backed by the page cache', () => {
  it('hold file-LRU folios that compaction migrates, and expiry/free-all truncate them by index', async () => {
    const { summary } = await runScenario(validateScenario(scenario({ dist: 'uniform', minMs: 0.5, maxMs: 20 })), { png: false });
    const c = summary.counters;
    expect(c['pgmigrate_success']!).toBeGreaterThan(0);
    expect(c['nr_file_pages']).toBe(0); // every folio left the page cache with its class
    const churn = summary.workload.steps.find((s) => s.kind === 'churn')!;
    expect(churn.classes!.find((k) => k.class === 'cache')!.failures).toBe(0);
    // Migration moved folios but the live set followed them by index: the free-all freed the
    // right pages, so only the kernel class (forever, freed too) is gone and nothing leaked.
    expect(summary.workload.livePages).toEqual({ cache: 0, kernel: 0 });
  });

  it('a page-cache class must allocate order-0 folios', () => {
    const bad = scenario({ dist: 'forever' }) as { workload: { phases: { steps: { mix?: { orders: object[] }[] }[] }[] } };
    bad.workload.phases[0]!.steps[0]!.mix![0]!.orders = [{ order: 2, weight: 1 }];
    expect(() => validateScenario(bad)).toThrow(UsageError);
    expect(() => validateScenario(bad)).toThrow(/page-cache class allocates order-0 folios/);
  });
});
