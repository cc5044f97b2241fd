import { describe, expect, it } from 'vitest';
import { ProgressRate } from '../../../src/runtime/progress-rate.ts';

/** A rate fed `samples` ([timeMs, count]). */
function fed(samples: [number, number][]): ProgressRate {
  const rate = new ProgressRate();
  for (const [t, c] of samples) rate.sample(c, t);
  return rate;
}

describe('ProgressRate', () => {
  it.each<[string, [number, number][], number, number | null]>([
    ['no sample', [], 1_000, null],
    ['less than a second of samples', [[0, 0], [500, 400]], 900, null],
    ['steady 1000/s', [[0, 0], [1_000, 1_000], [2_000, 2_000]], 2_000, 1_000],
    ['only the last ten seconds count', [[0, 0], [10_000, 100], [11_000, 1_100], [20_000, 10_100]], 20_000, 1_000],
    ['a read that stopped decays', [[0, 0], [1_000, 1_000]], 5_000, 200],
    ['a read stopped for longer than the window reads 0', [[0, 0], [1_000, 1_000]], 30_000, 0],
    ['a lower count restarts the series', [[0, 0], [1_000, 5_000], [1_500, 10]], 1_600, null],
  ])('%s', (_name, samples, atMs, expected) => {
    expect(fed(samples).perSecond(atMs)).toBe(expected);
  });

  it('gives the time left at the current rate, 0 when nothing is left, null without a rate', () => {
    const rate = fed([[0, 0], [2_000, 1_000]]);
    expect(rate.etaMs(1_500, 2_000)).toBe(3_000);
    expect(rate.etaMs(0, 2_000)).toBe(0);
    expect(new ProgressRate().etaMs(10, 0)).toBeNull();
    expect(fed([[0, 0], [1_000, 0]]).etaMs(10, 2_000)).toBeNull();
  });
});
