import { expect } from '@jest/globals';
import { UsageError } from '../../cli-error';
import { validateScenario } from '../load';

/** The UsageError message validateScenario gives `data`; fails the test if it is accepted. */
export function problems(data: unknown): string {
  try {
    validateScenario(data, 'test.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error('expected the scenario to be rejected');
}
