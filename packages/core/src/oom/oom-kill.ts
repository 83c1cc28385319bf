import type { InjectionToken } from 'tsyringe';
import { ContractViolation, KernelError } from '../errors';

/**
 * An OOM notifier callback (a notifier_block on oom_notify_list): gives memory back and returns
 * how many pages it freed (the `unsigned long *freed` it adds to).
 */
export type OomNotifier = () => number;

interface OomNotifierBlock {
  readonly name: string;
  readonly fn: OomNotifier;
}

/**
 * mm/oom_kill.c: the OOM notifier chain (oom_notify_list) and out_of_memory() as far as mmsim
 * models it. mmsim has no OOM killer (no tasks to select or kill), so out_of_memory() is only
 * the notifier chain: the allocator retries when a notifier freed pages and otherwise fails.
 */
export class OutOfMemory {
  private readonly chain: OomNotifierBlock[] = [];
  /** oom_lock is held: out_of_memory() is running. */
  private locked = false;

  /**
   * register_oom_notifier(): adds `fn` to oom_notify_list; `name` identifies it in errors.
   * Returns the matching unregister_oom_notifier(). Registering the same callback twice is
   * refused with EEXIST (notifier_chain_register: "notifier callback already registered").
   */
  registerOomNotifier(name: string, fn: OomNotifier): () => void {
    if (this.chain.some((nb) => nb.fn === fn)) {
      throw new KernelError('EEXIST', `OOM notifier "${name}" is already registered; unregister it first`);
    }
    const nb: OomNotifierBlock = { name, fn };
    this.chain.push(nb);
    return () => this.unregister(nb);
  }

  /** The registered notifiers' names, in call order. */
  get notifiers(): readonly string[] {
    return this.chain.map((nb) => nb.name);
  }

  /** unregister_oom_notifier(): ENOENT when it is not on the chain (notifier_chain_unregister). */
  private unregister(nb: OomNotifierBlock): void {
    const i = this.chain.indexOf(nb);
    if (i < 0) throw new KernelError('ENOENT', `OOM notifier "${nb.name}" is not registered (already unregistered?)`);
    this.chain.splice(i, 1);
  }

  /**
   * out_of_memory(): blocking_notifier_call_chain(&oom_notify_list, 0, &freed); returns the pages
   * freed ("Got some memory back in the last second" when > 0). The kernel would go on to select
   * and kill a task (or, for !__GFP_FS, report progress without killing); mmsim has no task to
   * kill, so nothing happens beyond the chain. A notifier that throws or reports a count that is
   * not a non-negative integer breaks the chain's contract: ContractViolation naming it. A nested
   * call (a notifier allocating) finds oom_lock held and frees nothing, where the kernel would
   * sleep and retry.
   */
  outOfMemory(): number {
    if (this.locked) return 0;
    this.locked = true;
    try {
      let freed = 0;
      for (const nb of [...this.chain]) {
        let n: number;
        try {
          n = nb.fn();
        } catch (e) {
          throw new ContractViolation('OOM1', `OOM notifier "${nb.name}" threw: ${e instanceof Error ? e.message : String(e)}`, undefined);
        }
        if (!Number.isSafeInteger(n) || n < 0) {
          throw new ContractViolation('OOM1', `OOM notifier "${nb.name}" returned ${String(n)}; it must return the number of pages it freed (an integer >= 0)`, undefined);
        }
        freed += n;
      }
      return freed;
    } finally {
      this.locked = false;
    }
  }
}

/** The kernel's OOM notifier chain (`kernel.resolve(IOutOfMemory).registerOomNotifier(...)`). */
export const IOutOfMemory: InjectionToken<OutOfMemory> = Symbol('IOutOfMemory');
