import { PAGE_SIZE } from '@mmsim/core';

/** drivers/virtio/virtio_balloon.c: balloon pages are 4 KiB units. */
export const VIRTIO_BALLOON_PFN_SHIFT = 12;
export const VIRTIO_BALLOON_PAGES_PER_PAGE = PAGE_SIZE >> VIRTIO_BALLOON_PFN_SHIFT;
/** Pages per inflate/deflate virtqueue request (VIRTIO_BALLOON_ARRAY_PFNS_MAX). */
export const VIRTIO_BALLOON_ARRAY_PFNS_MAX = 256;
/** include/uapi/linux/virtio_balloon.h feature bits. */
export const VIRTIO_BALLOON_F_MUST_TELL_HOST = 0;
export const VIRTIO_BALLOON_F_STATS_VQ = 1;
export const VIRTIO_BALLOON_F_DEFLATE_ON_OOM = 2;
export const VIRTIO_BALLOON_F_FREE_PAGE_HINT = 3;
export const VIRTIO_BALLOON_F_PAGE_POISON = 4;
export const VIRTIO_BALLOON_F_REPORTING = 5;
/** OOM notifier: pages released per OOM callback (oom_pages module parameter default). */
export const VIRTIO_BALLOON_OOM_NR_PAGES = 256;
