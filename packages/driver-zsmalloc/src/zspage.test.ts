import { describe, expect, it } from '@jest/globals';
import { PageContent, PageFrames } from '@mmsim/core';
import { locationToObj, objIndex, objPfn, objToLocation, readHandleWord, readLinkWord, writeHandleWord, writeLinkWord } from './zspage';

const word = (c: PageContent, off: number) => Array.from(c.read(0, off, 8));

describe('object words (struct link_free, handle | OBJ_ALLOCATED_TAG)', () => {
  it.each([
    [8, [9, 0, 0, 0, 0, 0, 0, 0]],
    [0x7ffffff8, [0xf9, 0xff, 0xff, 0x7f, 0, 0, 0, 0]],
    [0x80000000, [1, 0, 0, 0x80, 0, 0, 0, 0]],
    [2 ** 40 + 16, [0x11, 0, 0, 0, 0, 1, 0, 0]],
  ])('handle %d is stored as handle | 1, little-endian 64-bit, and read back', (handle, bytes) => {
    const c = new PageContent(new PageFrames(1));
    writeHandleWord(c, 0, 16, handle);
    expect(word(c, 16)).toEqual(bytes);
    expect(readHandleWord(c, 0, 16)).toBe(handle);
  });

  it.each([
    [0, [0, 0, 0, 0, 0, 0, 0, 0]],
    [5, [10, 0, 0, 0, 0, 0, 0, 0]],
    [-1, [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]],
  ])('link to %d is next << OBJ_TAG_BITS (-1UL << 1 at the end) and reads as a free object', (next, bytes) => {
    const c = new PageContent(new PageFrames(1));
    writeLinkWord(c, 0, 32, next);
    expect(word(c, 32)).toEqual(bytes);
    expect(readLinkWord(c, 0, 32)).toBe(next);
    expect(readHandleWord(c, 0, 32)).toBe(0);
  });

  it.each([[0, 0], [1, 255], [0x3ffff, 1364], [2 ** 20 - 1, 2 ** 24 - 1]])('obj of pfn %d, index %d decodes to both halves', (pfn, idx) => {
    const obj = locationToObj(pfn, idx);
    expect([objPfn(obj), objIndex(obj)]).toEqual([pfn, idx]);
    expect(objToLocation(obj)).toEqual({ pfn, objIdx: idx });
  });
});
