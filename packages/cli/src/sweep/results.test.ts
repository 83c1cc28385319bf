import { renderSweep, sweepCsv, type SweepTable } from './results';

const table: SweepTable = {
  keys: ['seed'],
  metrics: ['ratio', 'count'],
  rows: [{ variant: 'seed=1', values: { seed: 1 }, metrics: { ratio: 0.03333333333333333, count: 24766 } }],
};

describe('sweep results', () => {
  it('the printed table shows ratios to 4 significant digits and integers in full', () => {
    const text = renderSweep(table);
    expect(text).toContain('0.03333');
    expect(text).not.toContain('0.033333333');
    expect(text).toContain('24766');
  });

  it('sweep.csv keeps full precision', () => {
    expect(sweepCsv(table)).toBe('variant,seed,ratio,count\nseed=1,1,0.03333333333333333,24766\n');
  });
});
