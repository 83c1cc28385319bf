import { DriverTester } from '@mmsim/testkit';
import { balloonHarness } from './__fixtures__/balloon-harness';

new DriverTester().run('virtio-balloon', balloonHarness());

new DriverTester({ seed: 'balloon-latency', pages: 6, steps: 80 }).run('virtio-balloon with 100 µs host latency and DEFLATE_ON_OOM', balloonHarness({ hostLatencyNs: 100_000, deflateOnOom: true, configLatencyNs: 1_000 }));
