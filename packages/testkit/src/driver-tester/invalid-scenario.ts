import assert from 'node:assert/strict';
import { ContractViolation, type FolioList, GFP_HIGHUSER_MOVABLE, MigrateMode } from '@mmsim/core';
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
 * SYNC to another node, page by page ('migrate'), then free every page through the driver ('free', when the
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
    const moved = migrateStepByStep(s, list);
    if (!list.isEmpty) k.migration.putbackMovablePages(list);
    pfns = pfns.map((pfn) => moved.get(pfn) ?? pfn);
    phase = 'free';
    if (harness.release) for (const pfn of pfns) harness.release(k, pfn);
    return undefined;
  } catch (error) {
    return { phase, error };
  }
}

/**
 * The migrate phase, one page at a time, with the tester playing migrate_folio_unmap() and
 * migrate_folio_move() (mm/migrate.c) around the core's own move_to_new_folio() — whose checks
 * (D3, M6, M7) raise the violation. The batched engine is not used here: its list cleanup masks a
 * violation raised after migrate_page() returns (see the testkit README). If the driver breaks
 * the contract, the tester undoes its own side (locks it took, the destination it allocated, the
 * source back on its list) and rethrows.
 */
function migrateStepByStep(s: DriverSession, list: FolioList): Map<number, number> {
  const k = s.kernel;
  const moved = new Map<number, number>();
  for (const src of list.pfns()) {
    const dst = k.migration.targetAllocator({ nid: s.targetNid(src, 'other-node'), gfpMask: GFP_HIGHUSER_MOVABLE })(src);
    assert.ok(dst >= 0, 'out of memory for a migration destination');
    assert.ok(k.locks.trylockPage(src) && k.locks.trylockPage(dst), 'the scenario could not lock src and dst');
    let rc: number;
    try {
      rc = k.migration.engine.fm.moveToNewFolio(dst, src, MigrateMode.SYNC);
    } catch (error) {
      for (const pfn of [src, dst]) if (s.isLocked(pfn)) k.locks.unlockPage(pfn);
      // A destination the driver adopted is the driver's to free; an untouched one goes back.
      if (k.migration.movable.opsOf(dst) === undefined) k.alloc.putPage(dst);
      if (s.isIsolated(src) && !list.pfns().includes(src)) list.add(src);
      throw error;
    }
    k.locks.unlockPage(dst);
    k.alloc.putPage(dst);
    if (rc === 0) {
      k.mem.lists.del(src);
      k.locks.unlockPage(src);
      k.alloc.putPage(src);
      moved.set(src, dst);
    } else k.locks.unlockPage(src);
  }
  return moved;
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
