import type { Step } from '../../scenario/schema';
import { allocStep } from './alloc';
import { compactStep } from './compact';
import type { StepContext, StepOutcome } from './context';
import { faultStep } from './fault';
import { freeStep } from './free';
import { hugepagesStep } from './hugepages';
import { mmapStep } from './mmap';
import { munmapStep } from './munmap';
import { pinStep } from './pin';
import { sysctlStep } from './sysctl';
import { balloonStep } from './balloon';
import { zramStatStep } from './zram-stat';
import { zramSwapStep } from './zram-swap';

/** The step kinds implemented under engine/steps (the allocator-churn kinds live in WorkloadRunner). */
export type ContextStep = Extract<Step, { kind: 'mmap' | 'fault' | 'munmap' | 'pin' | 'hugepages' | 'compact' | 'sysctl' | 'alloc' | 'free' | 'zram-swap' | 'zram-stat' | 'balloon' }>;

export function isContextStep(step: Step): step is ContextStep {
  return ['mmap', 'fault', 'munmap', 'pin', 'hugepages', 'compact', 'sysctl', 'alloc', 'free', 'zram-swap', 'zram-stat', 'balloon'].includes(step.kind);
}

export function runContextStep(step: ContextStep, ctx: StepContext): StepOutcome {
  switch (step.kind) {
    case 'mmap':
      return mmapStep(step, ctx);
    case 'fault':
      return faultStep(step, ctx);
    case 'munmap':
      return munmapStep(step, ctx);
    case 'pin':
      return pinStep(step, ctx);
    case 'hugepages':
      return hugepagesStep(step, ctx);
    case 'compact':
      return compactStep(ctx);
    case 'sysctl':
      return sysctlStep(step, ctx);
    case 'alloc':
      return allocStep(step, ctx);
    case 'free':
      return freeStep(step, ctx);
    case 'zram-swap':
      return zramSwapStep(step, ctx);
    case 'zram-stat':
      return zramStatStep(ctx);
    case 'balloon':
      return balloonStep(step, ctx);
  }
}
