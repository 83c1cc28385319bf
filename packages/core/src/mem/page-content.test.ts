import { PageContent } from './page-content';
import { PageFrames } from './page-frames';

describe('PageContent', () => {
  it('reads back written bytes and fingerprints them', () => {
    const c = new PageContent(new PageFrames(4));
    c.write(1, 100, new Uint8Array([1, 2, 3]));
    expect(Array.from(c.read(1, 99, 5))).toEqual([0, 1, 2, 3, 0]);
    const fp = c.fingerprint(1);
    c.write(1, 100, new Uint8Array([1, 2, 4]));
    expect(c.fingerprint(1)).not.toBe(fp);
  });

  it('copies bytes and fingerprint (folio_copy) independently of the source', () => {
    const c = new PageContent(new PageFrames(4));
    c.write(0, 0, new Uint8Array([9, 9]));
    c.copy(2, 0);
    c.write(0, 0, new Uint8Array([7]));
    expect(Array.from(c.read(2, 0, 2))).toEqual([9, 9]);
    expect(c.fingerprint(2)).not.toBe(c.fingerprint(0));
  });

  it('a page with only a fingerprint reads as that value repeated; zero reads as zeros', () => {
    const c = new PageContent(new PageFrames(2));
    c.setFingerprint(0, 0x04030201);
    expect(Array.from(c.read(0, 0, 8))).toEqual([1, 2, 3, 4, 1, 2, 3, 4]);
    c.zero(0);
    expect(Array.from(c.read(0, 4092, 4))).toEqual([0, 0, 0, 0]);
    expect(c.bufferedPages).toBe(0);
  });

  it('rejects ranges outside the page', () => {
    const c = new PageContent(new PageFrames(1));
    expect(() => c.read(0, 4000, 200)).toThrow(/does not fit/);
    expect(() => c.write(0, -1, new Uint8Array(1))).toThrow(/does not fit/);
  });

  it.each([0, 1, 2, 3, 4094 - 2])('readU32 at offset %i agrees with read() on fingerprint-only and buffered pages', (off) => {
    const c = new PageContent(new PageFrames(2));
    c.setFingerprint(0, 0xa1b2c3d4);
    const le = (b: Uint8Array) => (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
    expect(c.readU32(0, off)).toBe(le(c.read(0, off, 4)));
    c.write(1, off, new Uint8Array([0xff, 0x01, 0x80, 0x7f]));
    expect(c.readU32(1, off)).toBe(0x7f8001ff);
  });

  it('writeU32 stores little-endian bytes, keeps the rest of a fingerprint page, and refreshes the fingerprint', () => {
    const c = new PageContent(new PageFrames(1));
    c.setFingerprint(0, 0x04030201);
    const fp = c.fingerprint(0);
    c.writeU32(0, 5, 0xdeadbeef);
    expect(Array.from(c.read(0, 0, 12))).toEqual([1, 2, 3, 4, 1, 0xef, 0xbe, 0xad, 0xde, 2, 3, 4]);
    expect(c.fingerprint(0)).not.toBe(fp);
    expect(() => c.writeU32(0, 4093, 1)).toThrow(/does not fit/);
    expect(() => c.readU32(0, 4093)).toThrow(/does not fit/);
  });

  it('writeU64 stores lo then hi little-endian, equals two writeU32 calls, and refreshes the fingerprint', () => {
    const c = new PageContent(new PageFrames(2));
    c.setFingerprint(0, 0x04030201);
    c.setFingerprint(1, 0x04030201);
    const fp = c.fingerprint(0);
    c.writeU64(0, 3, 0xfffffffe, 0x80000001);
    c.writeU32(1, 3, 0xfffffffe);
    c.writeU32(1, 7, 0x80000001);
    expect(Array.from(c.read(0, 0, 12))).toEqual([1, 2, 3, 0xfe, 0xff, 0xff, 0xff, 1, 0, 0, 0x80, 4]);
    expect(c.read(0)).toEqual(c.read(1));
    expect(c.fingerprint(0)).not.toBe(fp);
    expect(c.fingerprint(0)).toBe(c.fingerprint(1));
    expect(() => c.writeU64(0, 4089, 1, 2)).toThrow(/does not fit/);
    c.writeU64(1, 3, -2, -2147483647);
    expect(c.read(0)).toEqual(c.read(1));
  });

  it('copyRange equals write(read()) between pages, within a page (overlapping) and from a page without bytes', () => {
    const a = new PageContent(new PageFrames(3));
    const b = new PageContent(new PageFrames(3));
    const bytes = new Uint8Array(4096).map((_, i) => (i * 7 + 3) & 0xff);
    for (const c of [a, b]) {
      c.write(0, 0, bytes);
      c.setFingerprint(1, 0x11223344);
      c.setFingerprint(2, 0x55667788);
    }
    const cases: [number, number, number, number, number][] = [[1, 100, 0, 4000, 96], [0, 10, 0, 0, 500], [0, 600, 0, 500, 300], [2, 0, 1, 6, 30]];
    for (const [dst, dOff, src, sOff, len] of cases) {
      a.copyRange(dst, dOff, src, sOff, len);
      b.write(dst, dOff, b.read(src, sOff, len));
    }
    for (let pfn = 0; pfn < 3; pfn++) {
      expect(a.read(pfn)).toEqual(b.read(pfn));
      expect(a.fingerprint(pfn)).toBe(b.fingerprint(pfn));
    }
    expect(() => a.copyRange(0, 4000, 1, 0, 100)).toThrow(/does not fit/);
    expect(() => a.copyRange(0, 0, 1, 4090, 10)).toThrow(/does not fit/);
  });

  it('a recycled buffer materialises as the new page value, not the old bytes', () => {
    const c = new PageContent(new PageFrames(3));
    c.write(0, 0, new Uint8Array(4096).fill(0x55));
    c.release(0);
    c.setFingerprint(1, 0);
    c.writeU32(1, 8, 7);
    expect(Array.from(c.read(1, 0, 12))).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0]);
    c.setFingerprint(2, 0x01010101);
    c.write(0, 0, new Uint8Array([9]));
    c.release(0);
    c.writeU32(2, 0, 0);
    expect(Array.from(c.read(2, 0, 6))).toEqual([0, 0, 0, 0, 1, 1]);
  });
});
