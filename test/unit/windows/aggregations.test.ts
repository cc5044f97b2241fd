import { describe, expect, it } from 'vitest';
import { aggregate, count, max, min, reduce, sum, type Aggregation } from '../../../src/windows/aggregations.ts';

/** Folds values with the aggregation, then merges two halves the way sessions do (initializer, merge, merge). */
function fold<V, A>(aggregation: Aggregation<string, V, A>, values: readonly V[]): { folded: A; merged: A | undefined } {
  const add = (list: readonly V[]): A => list.reduce((agg, v) => aggregation.aggregator('k', v, agg), aggregation.initializer());
  const folded = add(values);
  const half = Math.ceil(values.length / 2);
  const merger = aggregation.merger;
  const merged = merger === undefined ? undefined : merger(merger(aggregation.initializer(), add(values.slice(0, half))), add(values.slice(half)));
  return { folded, merged };
}

describe('aggregation builders', () => {
  it.each<[string, Aggregation<string, { n: number }, number>, number]>([
    ['count', count(), 4],
    ['sum', sum((v: { n: number }) => v.n), 10],
    ['min', min((v: { n: number }) => v.n), -2],
    ['max', max((v: { n: number }) => v.n), 7],
  ])('%s folds and merges to the same result', (_name, aggregation, expected) => {
    const values = [{ n: 3 }, { n: -2 }, { n: 7 }, { n: 2 }];
    expect(fold(aggregation, values)).toEqual({ folded: expected, merged: expected });
  });

  it('reduce starts from the first value and merges with the same function', () => {
    expect(fold(reduce<string, string>((a, b) => a + b), ['a', 'b', 'c'])).toEqual({ folded: 'abc', merged: 'abc' });
    expect(fold(reduce<string, string>((a, b) => a + b), ['a'])).toEqual({ folded: 'a', merged: 'a' });
  });

  it('min and max of a single value', () => {
    expect(fold(min((v: number) => v), [5]).folded).toBe(5);
    expect(fold(max((v: number) => v), [-5]).folded).toBe(-5);
  });

  it('aggregate has a merger only when given one', () => {
    const withoutMerge = aggregate<string, number, number[]>(() => [], (_k, v, list) => [...list, v]);
    const withMerge = aggregate<string, number, number[]>(() => [], (_k, v, list) => [...list, v], (a, b) => [...a, ...b]);
    expect('merger' in withoutMerge).toBe(false);
    expect(fold(withMerge, [1, 2, 3])).toEqual({ folded: [1, 2, 3], merged: [1, 2, 3] });
  });
});
