/**
 * The balloon's events on the kernel bus. The kernel has no balloon tracepoints (it only counts
 * balloon_inflate / balloon_deflate / balloon_migrate in /proc/vmstat), so these carry the
 * simulator's `mmsim_` prefix. They are declared by merging into core's TracepointMap.
 */

/** A batch of pages entered (inflate) or left (deflate) the guest's balloon (fill_balloon / leak_balloon). */
export interface MmsimBalloonResize {
  /** Pages in this batch. */
  nr_pages: number;
  /** vb->num_pages after the batch. */
  num_pages: number;
  /** The host's target (config num_pages) when the batch was made. */
  target: number;
}

/** virtballoon_migratepage(): a balloon page moved from old_pfn to new_pfn. */
export interface MmsimBalloonMigrate {
  old_pfn: number;
  new_pfn: number;
}

/** The simulated host consumed a virtqueue request (tell_host() completed). */
export interface MmsimBalloonHost {
  /** 0 = inflate_vq, 1 = deflate_vq. */
  vq: number;
  nr_pfns: number;
  /** Pages the host holds afterwards. */
  held: number;
}

/** The host changed the balloon target in the config space (virtballoon_changed()). */
export interface MmsimBalloonTarget {
  target: number;
}

declare module '@mmsim/core' {
  interface TracepointMap {
    mmsim_balloon_inflate: MmsimBalloonResize;
    mmsim_balloon_deflate: MmsimBalloonResize;
    mmsim_balloon_migrate: MmsimBalloonMigrate;
    mmsim_balloon_host: MmsimBalloonHost;
    mmsim_balloon_target: MmsimBalloonTarget;
  }
}
