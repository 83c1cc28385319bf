import assert from 'node:assert/strict';
import { ContractViolation, type FolioList, MigrateMode } from '@mmsim/core';
import { DriverSession } from './session';
import type { DriverHarness, InvalidExpectation, ScenarioPhase } from './types';

/** What happened when the scenario ran a broken driver. */
export interface InvalidOutcome {
  phase: ScenarioPhase;
  error: unknown;
}

/**
 * The fixed scenario runInvalid drives a broken driver through, phase by phase: load + populate
 * ('setup'), isolate every page ('isolate'), put them back ('putback'), isolate again and migrate
 * SYNC to another node ('migrate'), then free every page through the driver ('free', when the
 * harness has release()). Returns the phase the first error was thrown in, or undefined.
 */
export function runScenario(s: DriverSession | undefined, harness: DriverHarness, pages: number, held: FolioList[]): InvalidOutcome | undefined {
  let phase: ScenarioPhase = 'setup';
  try {
    if (!s) throw new Error('the driver could not be loaded');
    const k = s.kernel;
    let pfns = harness.populate(k, pages);
    phase = 'isolate';
    const list = k.migration.newList();
    held.push(list);
    for (const pfn of pfns) if (k.migration.isolateMovablePage(pfn) === 0) list.add(pfn);
    phase = 'putback';
    k.migration.putbackMovablePages(list);
    phase = 'migrate';
    for (const pfn of pfns) if (k.migration.isolateMovablePage(pfn) === 0) list.add(pfn);
    const { res, moved } = s.migrate(list, MigrateMode.SYNC);
    if (res.ret !== 0) k.migration.putbackMovablePages(list);
    pfns = pfns.map((pfn) => moved.get(pfn) ?? pfn);
    phase = 'free';
    if (harness.release) for (const pfn of pfns) harness.release(k, pfn);
    return undefined;
  } catch (error) {
    return { phase, error };
  }
}

/**
 * Runs the scenario and asserts it ends in a ContractViolation with the expected rule (and phase),
 * then that the kernel is still consistent: checkBuddy clean, no movable page isolated outside the
 * lists the tester holds or left locked, NR_ISOLATED unchanged.
 */
export async function expectInvalid(harness: DriverHarness, expectation: InvalidExpectation, pages: number, seed?: number | string): Promise<void> {
  let s: DriverSession | undefined;
  let outcome: InvalidOutcome | undefined;
  const held: FolioList[] = [];
  try {
    s = new DriverSession(harness, seed);
  } catch (error) {
    outcome = { phase: 'setup', error };
  }
  try {
    outcome ??= runScenario(s, harness, pages, held);
    const where = expectation.during ? ` during ${expectation.during}` : '';
    assert.ok(outcome, `expected a ContractViolation [${expectation.rule}]${where}, but the scenario completed without one`);
    const { error, phase } = outcome;
    if (!(error instanceof ContractViolation)) throw error;
    assert.equal(error.rule, expectation.rule, `expected [${expectation.rule}]${where}, got: ${error.message}`);
    if (expectation.during) assert.equal(phase, expectation.during, `[${error.rule}] was raised during ${phase}, expected during ${expectation.during}: ${error.message}`);
    if (s) {
      s.assertBuddyClean();
      s.assertNoStrayIsolated(held);
      s.assertNrIsolatedUnchanged();
    }
  } finally {
    await s?.dispose();
  }
}
