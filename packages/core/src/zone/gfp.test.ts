import { KernelError } from '../errors';
import {
  GFP_ATOMIC, GFP_DMA32, GFP_HIGHUSER_MOVABLE, GFP_KERNEL, GFP_TRANSHUGE, GFP_TRANSHUGE_LIGHT, GFP_USER,
  __GFP_COMP, __GFP_DMA, __GFP_MOVABLE, __GFP_RECLAIMABLE, formatGfp, gfpMigratetype, gfpZone, parseGfp, validateGfp,
} from './gfp';
import { MigrateType } from './migratetype';
import { ZoneType } from './zone-type';

describe('gfp_zone / gfp_migratetype (include/linux/gfp.h)', () => {
  it.each([
    ['GFP_KERNEL', GFP_KERNEL, ZoneType.NORMAL, MigrateType.UNMOVABLE],
    ['GFP_KERNEL|__GFP_RECLAIMABLE', GFP_KERNEL | __GFP_RECLAIMABLE, ZoneType.NORMAL, MigrateType.RECLAIMABLE],
    ['GFP_USER', GFP_USER, ZoneType.NORMAL, MigrateType.UNMOVABLE],
    ['GFP_KERNEL|__GFP_MOVABLE', GFP_KERNEL | __GFP_MOVABLE, ZoneType.NORMAL, MigrateType.MOVABLE],
    ['GFP_HIGHUSER_MOVABLE', GFP_HIGHUSER_MOVABLE, ZoneType.MOVABLE, MigrateType.MOVABLE],
    ['GFP_TRANSHUGE', GFP_TRANSHUGE, ZoneType.MOVABLE, MigrateType.MOVABLE],
    ['GFP_DMA32', GFP_DMA32 | GFP_KERNEL, ZoneType.DMA32, MigrateType.UNMOVABLE],
    ['GFP_ATOMIC', GFP_ATOMIC, ZoneType.NORMAL, MigrateType.UNMOVABLE],
  ])('%s → zone %i, migratetype %i', (_name, gfp, zone, mt) => {
    expect(gfpZone(gfp)).toBe(zone);
    expect(gfpMigratetype(gfp)).toBe(mt);
  });

  it('refuses __GFP_DMA (no ZONE_DMA is modelled) and BAD_ZONE combinations', () => {
    expect(() => gfpZone(GFP_KERNEL | __GFP_DMA)).toThrow(/ZONE_DMA/);
    expect(() => gfpZone(GFP_DMA32 | GFP_HIGHUSER_MOVABLE)).toThrow(KernelError);
  });

  it('rejects undefined bits', () => {
    expect(() => validateGfp(1 << 30)).toThrow(/outside __GFP_BITS_MASK/);
    expect(() => validateGfp(-1)).toThrow(KernelError);
  });
});

describe('GFP names (show_gfp_flags)', () => {
  it.each([
    [GFP_KERNEL, 'GFP_KERNEL'],
    [GFP_HIGHUSER_MOVABLE, 'GFP_HIGHUSER_MOVABLE'],
    [GFP_TRANSHUGE_LIGHT, 'GFP_TRANSHUGE_LIGHT'],
    [GFP_TRANSHUGE, 'GFP_TRANSHUGE'],
    [GFP_KERNEL | __GFP_COMP, 'GFP_KERNEL|__GFP_COMP'],
    [GFP_KERNEL | __GFP_RECLAIMABLE, 'GFP_KERNEL|__GFP_RECLAIMABLE'],
    [0, '0'],
  ])('0x%s prints as %s and parses back', (gfp, text) => {
    expect(formatGfp(gfp)).toBe(text);
    expect(parseGfp(text === '0' ? 0 : text)).toBe(gfp);
  });

  it('names the unknown flag', () => {
    expect(() => parseGfp('GFP_KERNEL|__GFP_SHINY')).toThrow(/unknown GFP flag "__GFP_SHINY"/);
  });
});
