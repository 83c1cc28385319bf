import { type CaseFactory, type CaseSettings } from './conformance-case';
import { failureCases } from './failure-cases';
import { interleavingCases } from './interleaving-case';
import { expectInvalid } from './invalid-scenario';
import { isolationCases } from './isolation-cases';
import { migrationCases, stormCases } from './migration-cases';
import { DRIVER_TESTER_MACHINE, withSession } from './session';
import type { DescribeFn, DriverHarness, DriverTesterOptions, InvalidExpectation, ItFn } from './types';
import { deepMerge } from '../deep-merge';
import { TEST_KERNEL_DEFAULTS, type TestKernelOverrides } from '../create-test-kernel';

/** The conformance suite, in the order the tests are generated. */
const SUITE: readonly CaseFactory[] = [isolationCases, migrationCases, stormCases, failureCases, interleavingCases];

/** The test framework's global of that name, or a stand-in that runs the body at once. */
function frameworkGlobal<T>(name: 'describe' | 'it'): T {
  const fn = (globalThis as Record<string, unknown>)[name];
  if (typeof fn === 'function') return fn as T;
  return ((_title: string, body: () => unknown) => {
    void body();
  }) as T;
}

/**
 * A table-driven conformance tester for movable_operations drivers, after typescript-eslint's
 * RuleTester: one `run()` call in a test file generates a describe block with one test per
 * contract check (kernel.md §1A F1–F6, F13–F15, F21; §4.1 M1–M11; §4.2 D1–D7), each on a fresh
 * seeded two-node kernel. `runInvalid()` drives a broken driver through a fixed scenario and
 * expects the core to reject it with a given ContractViolation rule.
 *
 * Tests are generated with the framework's `describe`/`it` globals (jest, vitest with globals,
 * mocha); set `DriverTester.describe` / `DriverTester.it` to use others.
 */
export class DriverTester {
  static describe: DescribeFn = frameworkGlobal<DescribeFn>('describe');
  static it: ItFn = frameworkGlobal<ItFn>('it');

  private readonly settings: CaseSettings;

  constructor(options: DriverTesterOptions = {}) {
    this.settings = { pages: options.pages ?? 8, steps: options.steps ?? 120, seed: options.seed ?? 1 };
    if (!Number.isInteger(this.settings.pages) || this.settings.pages < 2) throw new RangeError('DriverTester: options.pages must be an integer >= 2');
  }

  /** Generates the conformance suite for a correct driver. */
  run(name: string, harness: DriverHarness): void {
    const merged = deepMerge<TestKernelOverrides>(deepMerge<TestKernelOverrides>(TEST_KERNEL_DEFAULTS, DRIVER_TESTER_MACHINE), harness.kernel);
    const nrNodes = merged.machine?.nodes?.length ?? 1;
    const cases = SUITE.flatMap((factory) => factory(harness, nrNodes));
    const groups = [...new Set(cases.map((c) => c.group))];
    DriverTester.describe(name, () => {
      for (const group of groups) {
        DriverTester.describe(group, () => {
          for (const c of cases.filter((x) => x.group === group)) {
            DriverTester.it(c.name, () => withSession(harness, this.settings.seed, (s) => c.run(s, this.settings)));
          }
        });
      }
    });
  }

  /** Generates one test expecting the scenario to end in ContractViolation `expectation.rule`. */
  runInvalid(name: string, harness: DriverHarness, expectation: InvalidExpectation): void {
    const where = expectation.during ? ` during ${expectation.during}` : '';
    DriverTester.it(`${name} is rejected with [${expectation.rule}]${where} and leaves the kernel consistent`, () => expectInvalid(harness, expectation, this.settings.pages, this.settings.seed));
  }
}
