import { describe, expect, it } from 'vitest';
import { InMemoryKeyValueStore } from '../../../src/state/key-value-store.ts';
import { TableAggregateProcessor } from '../../../src/state/table-aggregate.ts';
import { count, reduce } from '../../../src/windows/aggregations.ts';
import { FakeContext, run } from '../windows/fake-context.ts';

describe('TableAggregateProcessor', () => {
  it('aggregates per key, stores and forwards each change (old and new aggregate) with the record timestamp', () => {
    const store = new InMemoryKeyValueStore<string, number>({ name: 'counts' });
    const context = new FakeContext(store);
    const processor = new TableAggregateProcessor<string, unknown, number>({ name: 'count', storeName: 'counts', ...count() });
    processor.init(context);
    run(processor, context, [['a', 'x', 5], ['b', 'y', 3], ['a', 'z', 9]]);
    expect(context.take()).toEqual([
      { key: 'a', value: { oldValue: null, newValue: 1 }, timestampMs: 5 },
      { key: 'b', value: { oldValue: null, newValue: 1 }, timestampMs: 3 },
      { key: 'a', value: { oldValue: 1, newValue: 2 }, timestampMs: 9 },
    ]);
    expect([...store.entries()]).toEqual([['a', 2], ['b', 1]]);
    expect(store.drainChanges().map((c) => `${c.key.toString()}=${c.value?.toString() ?? 'null'}`)).toEqual(['"a"=2', '"b"=1']);
  });

  it('reduces', () => {
    const store = new InMemoryKeyValueStore<string, string>({ name: 'longest' });
    const context = new FakeContext(store);
    const processor = new TableAggregateProcessor<string, string, string>({
      name: 'longest', storeName: 'longest', ...reduce<string, string>((a, b) => (b.length > a.length ? b : a)),
    });
    processor.init(context);
    run(processor, context, [['k', 'ab', 1], ['k', 'abcd', 2], ['k', 'x', 3]]);
    expect(context.take().map((f) => f.value)).toEqual([
      { oldValue: null, newValue: 'ab' },
      { oldValue: 'ab', newValue: 'abcd' },
      { oldValue: 'abcd', newValue: 'abcd' },
    ]);
  });
});
