import { KernelError } from '../errors';
import { MigrateType } from './migratetype';
import { ZoneType } from './zone-type';

/**
 * GFP flags with the kernel's bit values (include/linux/gfp_types.h, v6.6).
 */
export const __GFP_DMA = 0x01;
export const __GFP_HIGHMEM = 0x02;
export const __GFP_DMA32 = 0x04;
export const __GFP_MOVABLE = 0x08;
export const __GFP_RECLAIMABLE = 0x10;
export const __GFP_HIGH = 0x20;
export const __GFP_IO = 0x40;
export const __GFP_FS = 0x80;
export const __GFP_ZERO = 0x100;
export const __GFP_DIRECT_RECLAIM = 0x400;
export const __GFP_KSWAPD_RECLAIM = 0x800;
export const __GFP_WRITE = 0x1000;
export const __GFP_NOWARN = 0x2000;
export const __GFP_RETRY_MAYFAIL = 0x4000;
export const __GFP_NOFAIL = 0x8000;
export const __GFP_NORETRY = 0x10000;
export const __GFP_MEMALLOC = 0x20000;
export const __GFP_COMP = 0x40000;
export const __GFP_NOMEMALLOC = 0x80000;
export const __GFP_HARDWALL = 0x100000;
export const __GFP_THISNODE = 0x200000;
export const __GFP_ACCOUNT = 0x400000;
export const __GFP_ZEROTAGS = 0x800000;
export const __GFP_SKIP_ZERO = 0x1000000;
export const __GFP_SKIP_KASAN = 0x2000000;
export const __GFP_NOLOCKDEP = 0x4000000;
export const __GFP_BITS_MASK = 0x7ffffff;

export const __GFP_RECLAIM = __GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM;
export const GFP_MOVABLE_MASK = __GFP_RECLAIMABLE | __GFP_MOVABLE;
export const GFP_MOVABLE_SHIFT = 3;
export const GFP_ZONEMASK = __GFP_DMA | __GFP_HIGHMEM | __GFP_DMA32 | __GFP_MOVABLE;

export const GFP_ATOMIC = __GFP_HIGH | __GFP_KSWAPD_RECLAIM;
export const GFP_KERNEL = __GFP_RECLAIM | __GFP_IO | __GFP_FS;
export const GFP_KERNEL_ACCOUNT = GFP_KERNEL | __GFP_ACCOUNT;
export const GFP_NOWAIT = __GFP_KSWAPD_RECLAIM;
export const GFP_NOIO = __GFP_RECLAIM;
export const GFP_NOFS = __GFP_RECLAIM | __GFP_IO;
export const GFP_USER = __GFP_RECLAIM | __GFP_IO | __GFP_FS | __GFP_HARDWALL;
export const GFP_DMA32 = __GFP_DMA32;
export const GFP_HIGHUSER = GFP_USER | __GFP_HIGHMEM;
export const GFP_HIGHUSER_MOVABLE = GFP_HIGHUSER | __GFP_MOVABLE | __GFP_SKIP_KASAN;
export const GFP_TRANSHUGE_LIGHT = (GFP_HIGHUSER_MOVABLE | __GFP_COMP | __GFP_NOMEMALLOC | __GFP_NOWARN) & ~__GFP_RECLAIM;
export const GFP_TRANSHUGE = GFP_TRANSHUGE_LIGHT | __GFP_DIRECT_RECLAIM;

/** Composite names tried first by {@link formatGfp}, as include/trace/events/mmflags.h does. */
const GFP_COMPOSITES: readonly (readonly [string, number])[] = [
  ['GFP_TRANSHUGE', GFP_TRANSHUGE],
  ['GFP_TRANSHUGE_LIGHT', GFP_TRANSHUGE_LIGHT],
  ['GFP_HIGHUSER_MOVABLE', GFP_HIGHUSER_MOVABLE],
  ['GFP_HIGHUSER', GFP_HIGHUSER],
  ['GFP_USER', GFP_USER],
  ['GFP_KERNEL_ACCOUNT', GFP_KERNEL_ACCOUNT],
  ['GFP_KERNEL', GFP_KERNEL],
  ['GFP_NOFS', GFP_NOFS],
  ['GFP_ATOMIC', GFP_ATOMIC],
  ['GFP_NOIO', GFP_NOIO],
  ['GFP_NOWAIT', GFP_NOWAIT],
  ['GFP_DMA32', GFP_DMA32],
];
const GFP_BITS: readonly (readonly [string, number])[] = [
  ['__GFP_DMA', __GFP_DMA], ['__GFP_HIGHMEM', __GFP_HIGHMEM], ['__GFP_DMA32', __GFP_DMA32],
  ['__GFP_MOVABLE', __GFP_MOVABLE], ['__GFP_RECLAIMABLE', __GFP_RECLAIMABLE], ['__GFP_HIGH', __GFP_HIGH],
  ['__GFP_IO', __GFP_IO], ['__GFP_FS', __GFP_FS], ['__GFP_ZERO', __GFP_ZERO],
  ['__GFP_DIRECT_RECLAIM', __GFP_DIRECT_RECLAIM], ['__GFP_KSWAPD_RECLAIM', __GFP_KSWAPD_RECLAIM],
  ['__GFP_WRITE', __GFP_WRITE], ['__GFP_NOWARN', __GFP_NOWARN], ['__GFP_RETRY_MAYFAIL', __GFP_RETRY_MAYFAIL],
  ['__GFP_NOFAIL', __GFP_NOFAIL], ['__GFP_NORETRY', __GFP_NORETRY], ['__GFP_MEMALLOC', __GFP_MEMALLOC],
  ['__GFP_COMP', __GFP_COMP], ['__GFP_NOMEMALLOC', __GFP_NOMEMALLOC], ['__GFP_HARDWALL', __GFP_HARDWALL],
  ['__GFP_THISNODE', __GFP_THISNODE], ['__GFP_ACCOUNT', __GFP_ACCOUNT], ['__GFP_ZEROTAGS', __GFP_ZEROTAGS],
  ['__GFP_SKIP_ZERO', __GFP_SKIP_ZERO], ['__GFP_SKIP_KASAN', __GFP_SKIP_KASAN], ['__GFP_NOLOCKDEP', __GFP_NOLOCKDEP],
];
const GFP_BY_NAME = new Map<string, number>([...GFP_COMPOSITES, ...GFP_BITS]);

/**
 * Renders GFP flags the way trace output does (show_gfp_flags): the first composite that is a
 * subset, then the remaining single bits, joined with `|`. 0 prints as `0`.
 */
export function formatGfp(gfp: number): string {
  if (gfp === 0) return '0';
  const parts: string[] = [];
  let rest = gfp;
  for (const [name, value] of GFP_COMPOSITES) {
    if ((rest & value) === value) {
      parts.push(name);
      rest &= ~value;
      break;
    }
  }
  for (const [name, value] of GFP_BITS) {
    if (rest & value) {
      parts.push(name);
      rest &= ~value;
    }
  }
  if (rest) parts.push(`0x${rest.toString(16)}`);
  return parts.join('|');
}

/** Parses `GFP_KERNEL|__GFP_COMP` (names joined by `|`) or a number into GFP flags. */
export function parseGfp(spec: string | number): number {
  if (typeof spec === 'number') return validateGfp(spec);
  let gfp = 0;
  for (const raw of spec.split('|')) {
    const name = raw.trim();
    const value = GFP_BY_NAME.get(name);
    if (value === undefined) {
      throw new KernelError('EINVAL', `unknown GFP flag "${name}"; use names such as GFP_KERNEL, GFP_HIGHUSER_MOVABLE or __GFP_COMP joined by "|"`);
    }
    gfp |= value;
  }
  return gfp;
}

/** Rejects bits the kernel does not define. */
export function validateGfp(gfp: number): number {
  if (!Number.isInteger(gfp) || gfp < 0 || (gfp & ~__GFP_BITS_MASK) !== 0) {
    throw new KernelError('EINVAL', `gfp flags 0x${gfp.toString(16)} contain bits outside __GFP_BITS_MASK (0x${__GFP_BITS_MASK.toString(16)})`);
  }
  return gfp;
}

/** include/linux/gfp.h: gfp_migratetype() */
export function gfpMigratetype(gfp: number): MigrateType {
  return ((gfp & GFP_MOVABLE_MASK) >>> GFP_MOVABLE_SHIFT) as MigrateType;
}

/**
 * include/linux/gfp.h: gfp_zone() on x86_64 via GFP_ZONE_TABLE: __GFP_DMA32 → DMA32,
 * __GFP_HIGHMEM together with __GFP_MOVABLE → MOVABLE, anything else → NORMAL. mmsim has no
 * ZONE_DMA, so __GFP_DMA is refused rather than silently promoted.
 */
export function gfpZone(gfp: number): ZoneType {
  if (gfp & __GFP_DMA) badZone(gfp);
  if (gfp & __GFP_DMA32) {
    if (gfp & (__GFP_MOVABLE | __GFP_HIGHMEM)) badZone(gfp);
    return ZoneType.DMA32;
  }
  if ((gfp & (__GFP_HIGHMEM | __GFP_MOVABLE)) === (__GFP_HIGHMEM | __GFP_MOVABLE)) return ZoneType.MOVABLE;
  return ZoneType.NORMAL;
}

/** Cold path of gfpZone(): say which GFP_ZONE_TABLE entry is refused. */
function badZone(gfp: number): never {
  if (gfp & __GFP_DMA) {
    throw new KernelError('EINVAL', '__GFP_DMA asks for ZONE_DMA, which mmsim does not model; use __GFP_DMA32 (GFP_DMA32) for low memory');
  }
  throw new KernelError('EINVAL', 'gfp combines __GFP_DMA32 with __GFP_HIGHMEM or __GFP_MOVABLE, a BAD_ZONE in GFP_ZONE_TABLE');
}

/** include/linux/gfp.h: gfpflags_allow_blocking() */
export function gfpflagsAllowBlocking(gfp: number): boolean {
  return (gfp & __GFP_DIRECT_RECLAIM) !== 0;
}
