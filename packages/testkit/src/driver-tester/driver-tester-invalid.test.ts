import { refpoolHarness } from '../reference-driver/refpool-harness';
import { BROKEN_DRIVERS } from './__fixtures__/broken-drivers';
import { DriverTester } from './driver-tester';

describe('DriverTester.runInvalid: one-bug variants of refpool are rejected with the right rule', () => {
  const tester = new DriverTester({ pages: 4 });
  for (const { bug, rule, during, driver } of BROKEN_DRIVERS) {
    tester.runInvalid(`a driver that ${bug}`, refpoolHarness(driver), { rule, during });
  }
});
