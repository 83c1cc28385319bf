import { deflateRawSync, inflateRawSync } from 'node:zlib';

/** A zcomp backend (drivers/block/zram/zcomp.c): compress a page, decompress to a known length. */
export interface ZramCompressor {
  readonly name: string;
  compress(src: Uint8Array): Uint8Array;
  decompress(src: Uint8Array, dstLength: number): Uint8Array;
}

/** "deflate" (crypto/deflate.c uses raw deflate): node:zlib's deflateRawSync / inflateRawSync. */
export const deflateCompressor: ZramCompressor = {
  name: 'deflate',
  compress: (src) => new Uint8Array(deflateRawSync(src)),
  decompress: (src, dstLength) => {
    const out = new Uint8Array(inflateRawSync(src));
    if (out.length !== dstLength) throw new Error(`zram: decompressed ${out.length} bytes, expected ${dstLength}`);
    return out;
  },
};
