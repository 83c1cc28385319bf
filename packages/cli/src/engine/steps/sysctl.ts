import type { StepOf } from '../../scenario/schema';
import type { StepContext, StepOutcome } from './context';

/**
 * A runtime write to /proc/sys/vm/<name>, through the same handler the kernel runs
 * (min_free_kbytes_sysctl_handler → setup_per_zone_wmarks; compaction_proactiveness_sysctl_handler).
 */
export function sysctlStep(step: StepOf<'sysctl'>, ctx: StepContext): StepOutcome {
  if (step.name === 'min_free_kbytes') ctx.kernel.alloc.setMinFreeKbytes(step.value);
  else ctx.kernel.compaction.setProactiveness(step.value);
  return { detail: { [step.name]: step.value } };
}
