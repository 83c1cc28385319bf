/** include/linux/mm_types.h: enum foll_flags (public ones) and mm/internal.h (FOLL_PIN, internal). */
export const FOLL_WRITE = 1 << 0;
export const FOLL_GET = 1 << 1;
export const FOLL_LONGTERM = 1 << 8;
export const FOLL_PIN = 1 << 14;
