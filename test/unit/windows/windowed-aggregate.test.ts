import { describe, expect, it } from 'vitest';
import { TopologyError } from '../../../src/errors/index.ts';
import { InMemorySessionStore } from '../../../src/state/session-store.ts';
import { jsonStoreSerde } from '../../../src/state/store-serde.ts';
import { InMemoryWindowStore } from '../../../src/state/window-store.ts';
import { aggregate, count } from '../../../src/windows/aggregations.ts';
import { hopping, session, sliding, tumbling, type WindowDefinition } from '../../../src/windows/definitions.ts';
import { SessionAggregateProcessor } from '../../../src/windows/session-aggregate.ts';
import { SlidingAggregateProcessor } from '../../../src/windows/sliding-aggregate.ts';
import { WindowAggregateProcessor } from '../../../src/windows/window-aggregate.ts';
import { windowedAggregate, windowedAggregateStore } from '../../../src/windows/windowed-aggregate.ts';
import { FakeContext, run } from './fake-context.ts';

describe('windowedAggregate / windowedAggregateStore', () => {
  it.each<[WindowDefinition, unknown, unknown]>([
    [tumbling(10), WindowAggregateProcessor, InMemoryWindowStore],
    [hopping(10, { advance: 5 }), WindowAggregateProcessor, InMemoryWindowStore],
    [sliding(10), SlidingAggregateProcessor, InMemoryWindowStore],
    [session({ gap: 10 }), SessionAggregateProcessor, InMemorySessionStore],
  ])('%s: builds the processor and the store it expects, which work together', (windows, processorClass, storeClass) => {
    const store = windowedAggregateStore<string, number>(windows, { name: 'agg', valueSerde: jsonStoreSerde() });
    const processor = windowedAggregate({ name: 'agg', windows, storeName: 'agg', emit: 'final', ...count() });
    expect(processor).toBeInstanceOf(processorClass);
    expect(store).toBeInstanceOf(storeClass);
    const context = new FakeContext(store);
    processor.init(context);
    run(processor, context, [['k', 1, 12], ['k', 1, 13], { watermark: 1_000 }]);
    expect(context.forwarded.length).toBeGreaterThan(0);
    expect(context.forwarded.every((f) => (f.value as { final: boolean }).final)).toBe(true);
    const changes = store.drainChanges();
    const restored = windowedAggregateStore<string, number>(windows, { name: 'agg', valueSerde: jsonStoreSerde() });
    for (const change of changes) restored.restore(change);
    expect(restored.size()).toBe(0);
  });

  it('a session aggregation without a merger is a topology error', () => {
    const build = () => windowedAggregate({
      name: 'orders-by-session', windows: session({ gap: '5m' }), storeName: 's', emit: 'final',
      ...aggregate<string, number, number>(() => 0, (_k, v, a) => a + v),
    });
    expect(build).toThrow(TopologyError);
    expect(build).toThrow('orders-by-session: a session-window aggregation needs a merger');
  });
});
