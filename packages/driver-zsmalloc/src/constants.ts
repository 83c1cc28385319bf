import { PAGE_SIZE } from '@mmsim/core';

/** mm/zsmalloc.c constants (v6.6, x86_64). */
export const ZS_ALIGN = 8;
/** Bytes of the handle stored in front of every object. */
export const ZS_HANDLE_SIZE = 8;
export const ZS_MIN_ALLOC_SIZE = 32;
export const ZS_MAX_ALLOC_SIZE = PAGE_SIZE;
/** CLASS_BITS: size classes are indexed with 8 bits. */
export const CLASS_BITS = 8;
/** ZS_SIZE_CLASS_DELTA = PAGE_SIZE >> CLASS_BITS = 16 bytes between classes. */
export const ZS_SIZE_CLASS_DELTA = PAGE_SIZE >> CLASS_BITS;
/** ZS_SIZE_CLASSES = DIV_ROUND_UP(ZS_MAX_ALLOC_SIZE - ZS_MIN_ALLOC_SIZE, ZS_SIZE_CLASS_DELTA) + 1 = 255. */
export const ZS_SIZE_CLASSES = Math.ceil((ZS_MAX_ALLOC_SIZE - ZS_MIN_ALLOC_SIZE) / ZS_SIZE_CLASS_DELTA) + 1;
/** CONFIG_ZSMALLOC_CHAIN_SIZE: default pages per zspage chain, and its range. */
export const ZS_DEFAULT_CHAIN_SIZE = 8;
export const ZS_MIN_CHAIN_SIZE = 4;
export const ZS_MAX_CHAIN_SIZE = 16;
/** NR_FULLNESS_GROUPS: ZS_INUSE_RATIO_0, 10..99 in groups 1..10, ZS_INUSE_RATIO_100 = 11. */
export const NR_FULLNESS_GROUPS = 12;
export const ZS_INUSE_RATIO_0 = 0;
export const ZS_INUSE_RATIO_100 = 11;
/** struct zspage magic (ZSPAGE_MAGIC). */
export const ZSPAGE_MAGIC = 0x58;
