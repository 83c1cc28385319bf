export * from './constants';
export * from './size-class';
export * from './zspage';
export * from './fullness';
export * from './service';
export * from './handle-table';
export * from './page-private';
export * from './pool';
export * from './pool-lifecycle';
export * from './malloc';
export * from './map';
export * from './compact';
export * from './stats';
export * from './movable-ops';
export * from './tracepoints';
export * from './driver';
export * from './verify';
export * from './zram/compressor';
export * from './zram/zram';

import { zsFree as free, zsMalloc as malloc } from './malloc';
import { zsMapObject as mapObject, zsReadObject as readObject, zsUnmapObject as unmapObject, zsWriteObject as writeObject } from './map';

/*
 * The per-object calls again, as plain exported values: `export *` compiles to CommonJS getters
 * sharing one `m[k]` closure, so every call from another package would first run a megamorphic
 * keyed load. These local exports take precedence over the `export *` ones (same functions).
 */
export const zsMalloc: typeof malloc = malloc;
export const zsFree: typeof free = free;
export const zsMapObject: typeof mapObject = mapObject;
export const zsUnmapObject: typeof unmapObject = unmapObject;
export const zsReadObject: typeof readObject = readObject;
export const zsWriteObject: typeof writeObject = writeObject;
