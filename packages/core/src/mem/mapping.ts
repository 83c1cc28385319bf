/**
 * page->mapping encoding (include/linux/page-flags.h, v6.6–v6.10).
 *
 * The kernel stores a pointer whose two low bits say what it points to. mmsim stores a 32-bit
 * word `id << 2 | bits`, where `id` names an object in a registry (an address_space, an
 * anon_vma, a KSM stable node or a driver's movable_operations) and 0 is NULL.
 */
export const PAGE_MAPPING_ANON = 0x1;
export const PAGE_MAPPING_MOVABLE = 0x2;
export const PAGE_MAPPING_KSM = PAGE_MAPPING_ANON | PAGE_MAPPING_MOVABLE;
export const PAGE_MAPPING_FLAGS = PAGE_MAPPING_ANON | PAGE_MAPPING_MOVABLE;

/** Builds a mapping word from a registry id and the low bits. */
export function encodeMapping(id: number, bits: number): number {
  return ((id << 2) | bits) >>> 0;
}

/** The registry id of a mapping word (the kernel's pointer with PAGE_MAPPING_FLAGS masked). */
export function mappingId(mapping: number): number {
  return mapping >>> 2;
}

/** include/linux/page-flags.h: PageAnon: low bit 0x1 set (anon or KSM). */
export function mappingIsAnon(mapping: number): boolean {
  return (mapping & PAGE_MAPPING_ANON) !== 0;
}

/** include/linux/page-flags.h: __PageMovable: (mapping & FLAGS) == MOVABLE. */
export function mappingIsMovable(mapping: number): boolean {
  return (mapping & PAGE_MAPPING_FLAGS) === PAGE_MAPPING_MOVABLE;
}

/** include/linux/page-flags.h: PageKsm: (mapping & FLAGS) == KSM. */
export function mappingIsKsm(mapping: number): boolean {
  return (mapping & PAGE_MAPPING_FLAGS) === PAGE_MAPPING_KSM;
}
