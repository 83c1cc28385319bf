import { parseGfp } from '@mmsim/core';
import { z } from 'zod';

/** GFP flags written the way the kernel prints them: "GFP_KERNEL|__GFP_NOWARN" (or a number). */
export const GfpSchema = z.union([z.string().min(1), z.number().int().nonnegative()]).superRefine((value, ctx) => {
  try {
    parseGfp(value);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
  }
});
