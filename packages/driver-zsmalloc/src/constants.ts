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
/** ZS_INUSE_RATIO_10 .. ZS_INUSE_RATIO_99: the fullness groups between empty and full (1..10). */
export const ZS_INUSE_RATIO_10 = 1;
export const ZS_INUSE_RATIO_99 = 10;
/** enum class_stat_type: after the fullness groups, the object counters of a class. */
export const ZS_OBJS_ALLOCATED = NR_FULLNESS_GROUPS;
export const ZS_OBJS_INUSE = NR_FULLNESS_GROUPS + 1;
export const NR_CLASS_STAT_TYPES = NR_FULLNESS_GROUPS + 2;
/** OBJ_TAG_BITS / OBJ_ALLOCATED_TAG: bit 0 of an object's first word marks it allocated. */
export const OBJ_TAG_BITS = 1;
export const OBJ_ALLOCATED_TAG = 1;
/** OBJ_INDEX_BITS = BITS_PER_LONG - _PFN_BITS = 64 - (52 - 12) on x86_64. */
export const OBJ_INDEX_BITS = 24;
/** include/linux/shrinker.h: SHRINK_STOP (~0UL), "no progress, stop scanning". */
export const SHRINK_STOP = -1;
