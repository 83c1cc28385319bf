import { z } from 'zod';
import { defineDriver } from '@mmsim/core';

const make = (name: string) =>
  defineDriver({
    meta: { name, version: '0.1.0', kernelRef: 'test/fixture' },
    optionsSchema: z.strictObject({}),
    register() {},
  });

/** A module exporting a `drivers` map, typescript-eslint `rules` style. */
export const drivers = { alpha: make('alpha'), beta: make('beta') };
