import { z } from 'zod';
import { defineDriver } from '@mmsim/core';

/** A module with one driver as its default export. */
export default defineDriver({
  meta: { name: 'fixture-single', version: '0.1.0', kernelRef: 'test/fixture' },
  optionsSchema: z.strictObject({ greeting: z.string().default('hello') }),
  register(ctx) {
    ctx.provide(FIXTURE_GREETING, ctx.options.greeting);
  },
});

export const FIXTURE_GREETING = Symbol('IFixtureGreeting');
