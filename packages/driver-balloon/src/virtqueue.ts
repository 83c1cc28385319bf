import type { IClock } from '@mmsim/core';

/** Which virtqueue: the indices of vb->inflate_vq and vb->deflate_vq. */
export enum BalloonVq {
  inflate = 0,
  deflate = 1,
}

/** The device side of a virtqueue: consumes one buffer of pfns. */
export type VqHandler = (vq: BalloonVq, pfns: readonly number[]) => void;

/**
 * One modelled virtqueue of the balloon (drivers/virtio/virtio_balloon.c: tell_host()): the
 * guest adds a buffer of pfns and kicks; the host consumes it `latencyNs` later on the simulated
 * clock and the guest's completion (balloon_ack → wake_up(&vb->acked)) runs at that instant.
 *
 * The driver only submits under vb->balloon_lock and keeps it until the completion, like
 * tell_host()'s wait_event(), so at most one buffer is in flight per queue.
 */
export class BalloonVirtqueue {
  private inflight = 0;
  /** Buffers consumed by the host. */
  used = 0;
  /** Simulated ns the guest spent waiting synchronously (see addSync). */
  syncWaitNs = 0;

  constructor(readonly vq: BalloonVq, private readonly clock: IClock, private readonly handler: VqHandler, public latencyNs: number) {}

  get inFlight(): number {
    return this.inflight;
  }

  /** virtqueue_add_outbuf() + virtqueue_kick(); `onUsed` is the guest's completion. */
  add(pfns: readonly number[], onUsed: () => void): void {
    const buf = pfns.slice();
    this.inflight++;
    this.clock.setTimeout(() => {
      this.inflight--;
      this.used++;
      this.handler(this.vq, buf);
      onUsed();
    }, this.latencyNs);
  }

  /**
   * tell_host() from a path that cannot yield to the simulated clock: migrate_page() and the OOM
   * notifier run inside a synchronous core call. The host consumes the buffer at once and the
   * latency the guest would have slept in wait_event() is added to `syncWaitNs`.
   */
  addSync(pfns: readonly number[]): void {
    if (this.inflight) throw new Error(`balloon: synchronous tell_host() while a buffer is in flight on vq ${this.vq}; submit only under balloon_lock`);
    this.used++;
    this.syncWaitNs += this.latencyNs;
    this.handler(this.vq, pfns);
  }
}
