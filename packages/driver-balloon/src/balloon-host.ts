import { ContractViolation, KernelError, type EventBus, type IClock, type PageContent } from '@mmsim/core';
import { BalloonVq } from './virtqueue';
import './balloon-tracepoints';

/** Largest target the config space holds (struct virtio_balloon_config: __le32 num_pages). */
export const BALLOON_MAX_TARGET = 0xffffffff;

/**
 * The simulated hypervisor side of virtio-balloon (QEMU's hw/virtio/virtio-balloon.c, reduced):
 * it owns the config space (`num_pages` target, `actual` written back by the guest), consumes the
 * inflate and deflate virtqueues, and keeps the set of guest pfns it holds. Inflating discards a
 * page's contents (QEMU's MADV_DONTNEED: the guest reads zeros afterwards).
 *
 * It checks the protocol as it goes: inflating a pfn it already holds, or deflating one it does
 * not hold, is a guest bug and throws a ContractViolation.
 */
export class BalloonHost {
  /** Guest pfns currently given to the host. */
  readonly held = new Set<number>();
  /** config.num_pages: how many pages the host wants in the balloon. */
  private targetPages = 0;
  /** config.actual: what the guest last reported (update_balloon_size()). */
  actual = 0;
  /** The guest's config-change interrupt handler (virtballoon_changed). */
  onConfigChange: (() => void) | undefined;
  /** Config interrupts raised but not yet seen by the guest. */
  configPending = 0;

  constructor(private readonly clock: IClock, private readonly content: PageContent, private readonly events: EventBus, public configLatencyNs: number) {}

  get target(): number {
    return this.targetPages;
  }

  /**
   * The host writes config.num_pages and raises a config interrupt; the guest sees it
   * `configLatencyNs` later. May be called at any moment, also while requests are in flight.
   */
  setTarget(pages: number): void {
    if (!Number.isSafeInteger(pages) || pages < 0 || pages > BALLOON_MAX_TARGET) {
      throw new KernelError('EINVAL', `balloon target must be an integer number of 4 KiB pages in 0..${BALLOON_MAX_TARGET}, got ${pages}; pass e.g. 4096 for 16 MiB`);
    }
    this.targetPages = pages;
    if (this.events.wants('mmsim_balloon_target')) this.events.emit('mmsim_balloon_target', { target: pages });
    this.configPending++;
    this.clock.setTimeout(() => {
      this.configPending--;
      this.onConfigChange?.();
    }, this.configLatencyNs);
  }

  /** The device's virtqueue handler: inflate adds pfns to the host's set, deflate removes them. */
  consume(vq: BalloonVq, pfns: readonly number[]): void {
    for (const pfn of pfns) {
      if (vq === BalloonVq.inflate) {
        if (this.held.has(pfn)) throw new ContractViolation('F54', 'host: the guest inflated a pfn the host already holds', { pfn, flags: 0 }, 'balloon-host');
        this.held.add(pfn);
        this.content.setFingerprint(pfn, 0);
      } else if (!this.held.delete(pfn)) {
        throw new ContractViolation('F55', 'host: the guest deflated a pfn the host does not hold', { pfn, flags: 0 }, 'balloon-host');
      }
    }
    if (this.events.wants('mmsim_balloon_host')) this.events.emit('mmsim_balloon_host', { vq, nr_pfns: pfns.length, held: this.held.size });
  }
}
