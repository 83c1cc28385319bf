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
});
