import { DriverTester } from '@mmsim/testkit';
import { zsmallocHarness } from './__fixtures__/zsmalloc-harness';

new DriverTester().run('zsmalloc', zsmallocHarness);

new DriverTester({ seed: 'zsmalloc-one-node', pages: 5, steps: 80 }).run('zsmalloc on one node', {
  ...zsmallocHarness,
  kernel: { machine: { nodes: [{ memory: '32MiB', cpus: 1 }] } },
});
