import { Resvg } from '@resvg/resvg-js';

/**
 * Rasterises a self-contained SVG to PNG with resvg (a prebuilt native module: no browser, no
 * network). Text uses the system fonts; without any, resvg leaves labels out but draws the rest.
 */
export function svgToPng(svg: string, width?: number): Uint8Array {
  const r = new Resvg(svg, { fitTo: width ? { mode: 'width', value: width } : { mode: 'original' }, font: { loadSystemFonts: true } });
  return new Uint8Array(r.render().asPng());
}
