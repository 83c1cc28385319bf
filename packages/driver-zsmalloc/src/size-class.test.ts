import { KernelError } from '@mmsim/core';
import { ZS_HANDLE_SIZE, ZS_SIZE_CLASSES } from './constants';
import { buildSizeClasses, calculateZspageChainSize, getSizeClassIndex } from './size-class';

describe('size classes (Documentation/mm/zsmalloc.rst)', () => {
  /** The "pages per zspage / classes (clusters) / huge watermark" table of zsmalloc.rst. */
  const DOC_TABLE: [number, number, number][] = [
    [4, 69, 3264], [5, 86, 3408], [6, 93, 3504], [7, 112, 3584], [8, 123, 3632], [9, 140, 3680], [10, 143, 3712],
    [11, 159, 3744], [12, 164, 3776], [13, 180, 3792], [14, 183, 3808], [15, 188, 3840], [16, 191, 3840],
  ];
  /**
   * What the v6.6 code (calculate_zspage_chain_size + can_merge in zs_create_pool) yields. The
   * huge watermarks equal the document for every chain size; the class counts equal it for 4 and
   * 5 only — the table in the .rst predates the merged code (the counts there are not reproducible
   * from calculate_zspage_chain_size() with `<` or `<=`, merging with the previous or any class).
   */
  const CODE_COUNTS: Record<number, number> = { 4: 69, 5: 86, 6: 94, 7: 110, 8: 119, 9: 136, 10: 141, 11: 153, 12: 159, 13: 173, 14: 179, 15: 186, 16: 192 };

  it.each(DOC_TABLE)('chain size %i: huge class watermark as documented (doc: %i clusters, %i B)', (chain, _docCount, watermark) => {
    const table = buildSizeClasses(chain);
    expect(table.classes).toHaveLength(ZS_SIZE_CLASSES);
    // zs_huge_class_size() = watermark class size - (ZS_HANDLE_SIZE - 1).
    expect(table.hugeClassSize + ZS_HANDLE_SIZE - 1).toBe(watermark);
    expect(table.distinct).toHaveLength(CODE_COUNTS[chain]!);
    // Every class above the watermark is the single 1-page/1-object huge class.
    const above = table.distinct.filter((c) => c.size > watermark);
    expect(above.map((c) => [c.index, c.pagesPerZspage, c.objsPerZspage])).toEqual([[254, 1, 1]]);
  });

  it('chain sizes 4 and 5 reproduce the documented class counts exactly (69, 86)', () => {
    expect(buildSizeClasses(4).distinct).toHaveLength(69);
    expect(buildSizeClasses(5).distinct).toHaveLength(86);
  });

  it('chain size 8 lists the documented top classes #202 (4 pages), #211 (5), #217 (6), #222 (7), #225 (8), #254 (1)', () => {
    const { distinct } = buildSizeClasses(8);
    const top = distinct.filter((c) => c.index >= 202).map((c) => [c.index, c.size, c.pagesPerZspage]);
    expect(top).toEqual([[202, 3264, 4], [211, 3408, 5], [217, 3504, 6], [222, 3584, 7], [225, 3632, 8], [254, 4096, 1]]);
  });

  it('chain 8: class #96 (1568 B) takes a 5-page chain of 13 objects wasting 96 B; #100 (1632 B) 2 pages, 5 objects', () => {
    const { classes } = buildSizeClasses(8);
    const c96 = classes[96]!;
    expect([c96.size, c96.pagesPerZspage, c96.objsPerZspage]).toEqual([1568, 5, 13]);
    expect(5 * 4096 - 13 * 1568).toBe(96);
    const c100 = classes[100]!;
    expect([c100.pagesPerZspage, c100.objsPerZspage]).toEqual([2, 5]);
  });

  it('chain 4: classes #95-99 are merged with class #100 (1632 B, 2 pages, 5 objects)', () => {
    const { classes } = buildSizeClasses(4);
    for (let i = 95; i <= 100; i++) expect(classes[i]).toBe(classes[100]);
    expect(classes[94]).not.toBe(classes[100]);
    expect([classes[100]!.size, classes[100]!.pagesPerZspage, classes[100]!.objsPerZspage]).toEqual([1632, 2, 5]);
  });

  it('merged indices point at the class created for the largest index of their run', () => {
    const { classes, distinct } = buildSizeClasses(8);
    for (let i = 0; i < ZS_SIZE_CLASSES; i++) {
      const c = classes[i]!;
      expect(c.index).toBeGreaterThanOrEqual(i);
      expect(c.size).toBe(32 + 16 * c.index);
    }
    // Neighbouring distinct classes never share (pages, objects): can_merge() would have joined them.
    for (let k = 1; k < distinct.length; k++) {
      const [a, b] = [distinct[k - 1]!, distinct[k]!];
      expect([a.pagesPerZspage, a.objsPerZspage]).not.toEqual([b.pagesPerZspage, b.objsPerZspage]);
    }
    expect(classes[254]!.size).toBe(4096);
    expect(classes[254]!.huge).toBe(true);
  });

  it('calculate_zspage_chain_size(): powers of two use one page, others the least waste, first minimum wins', () => {
    expect(calculateZspageChainSize(2048, 8)).toBe(1);
    expect(calculateZspageChainSize(32, 16)).toBe(1);
    expect(calculateZspageChainSize(3072, 8)).toBe(3);
    expect(calculateZspageChainSize(1568, 4)).toBe(2); // wastes 352 B, less than 4 pages' 704 B
    expect(calculateZspageChainSize(1568, 8)).toBe(5);
  });

  it('get_size_class_index(): ceil((size - 32) / 16), 0 up to 32 bytes, clamped to 254', () => {
    expect([getSizeClassIndex(1), getSizeClassIndex(32), getSizeClassIndex(33), getSizeClassIndex(48), getSizeClassIndex(49)]).toEqual([0, 0, 1, 1, 2]);
    expect(getSizeClassIndex(4096 + 8)).toBe(254);
  });

  it('rejects a chain size outside CONFIG_ZSMALLOC_CHAIN_SIZE 4..16 with EINVAL', () => {
    for (const bad of [3, 17, 8.5]) {
      const err = (() => { try { buildSizeClasses(bad); } catch (e) { return e; } return undefined; })();
      expect(err).toBeInstanceOf(KernelError);
      expect((err as KernelError).code).toBe('EINVAL');
    }
  });
});
