import { TopologyError } from '../errors/index.ts';
import type { Processor } from '../processor/processor.ts';
import { InMemorySessionStore } from '../state/session-store.ts';
import type { StoreSerde } from '../state/store-serde.ts';
import { InMemoryWindowStore } from '../state/window-store.ts';
import type { WindowDefinition } from './definitions.ts';
import { SessionAggregateProcessor } from './session-aggregate.ts';
import { SlidingAggregateProcessor, slidingAggregateSerde, type SlidingAggregate } from './sliding-aggregate.ts';
import { WindowAggregateProcessor } from './window-aggregate.ts';
import type { EmitMode } from './windowed.ts';

export interface WindowedAggregateOptions<K, V, A> {
  readonly name: string;
  readonly windows: WindowDefinition;
  readonly storeName: string;
  readonly initializer: () => A;
  readonly aggregator: (key: K, value: V, aggregate: A) => A;
  /** Required for session windows. */
  readonly merger?: (a: A, b: A) => A;
  readonly emit: EmitMode;
}

/** The processor for any window definition (what the DSL's `windowedBy(...).aggregate(...)` plans into). */
export function windowedAggregate<K, V, A>(options: WindowedAggregateOptions<K, V, A>): Processor {
  const { name, storeName, initializer, aggregator, emit, windows } = options;
  switch (windows.kind) {
    case 'tumbling':
    case 'hopping':
      return new WindowAggregateProcessor<K, V, A>({ name, storeName, initializer, aggregator, emit, windows });
    case 'sliding':
      return new SlidingAggregateProcessor<K, V, A>({ name, storeName, initializer, aggregator, emit, windows });
    case 'session': {
      if (options.merger === undefined) {
        throw new TopologyError(`${name}: a session-window aggregation needs a merger (use aggregate(init, add, merge), count, sum, min, max or reduce)`);
      }
      return new SessionAggregateProcessor<K, V, A>({ name, storeName, initializer, aggregator, merger: options.merger, emit, windows });
    }
  }
}

export interface WindowedStoreOptions<K, A> {
  readonly name: string;
  readonly keySerde?: StoreSerde<K>;
  /** Serde of the aggregate (default JSON); wrapped for sliding windows. */
  readonly valueSerde?: StoreSerde<A>;
}

/** The store `windowedAggregate` expects under `storeName` for this window definition. */
export function windowedAggregateStore<K, A>(
  windows: WindowDefinition,
  options: WindowedStoreOptions<K, A>,
): InMemoryWindowStore<K, A> | InMemoryWindowStore<K, SlidingAggregate<A>> | InMemorySessionStore<K, A> {
  switch (windows.kind) {
    case 'tumbling':
    case 'hopping':
      return new InMemoryWindowStore<K, A>(options);
    case 'sliding': {
      const { valueSerde, ...rest } = options;
      return new InMemoryWindowStore<K, SlidingAggregate<A>>(valueSerde === undefined ? rest : { ...rest, valueSerde: slidingAggregateSerde(valueSerde) });
    }
    case 'session':
      return new InMemorySessionStore<K, A>(options);
  }
}
