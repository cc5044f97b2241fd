import type { Processor, ProcessorContext } from '../processor/processor.ts';
import type { KeyValueStore } from './key-value-store.ts';
import { change } from '../tables/change.ts';

export interface TableAggregateOptions<K, V, A> {
  readonly name: string;
  /** A KeyValueStore<K, A> registered for this processor's sub-topology. */
  readonly storeName: string;
  readonly initializer: () => A;
  readonly aggregator: (key: K, value: V, aggregate: A) => A;
}

/**
 * A non-windowed keyed aggregation (Kafka Streams' KStreamAggregate): the key's aggregate (or the initializer)
 * goes through the aggregator, is stored, and the change (old aggregate or null, new aggregate) is forwarded
 * under the same key with the input record's timestamp: the result is a table (src/dsl/table.ts). `reduce` is the same with the reduce() aggregation from windows/aggregations.ts.
 * Null values reach the aggregator like any other (the DSL filters them if it wants Kafka's skip).
 */
export class TableAggregateProcessor<K, V, A> implements Processor {
  private context: ProcessorContext | undefined;
  private store: KeyValueStore<K, A> | undefined;

  constructor(private readonly options: TableAggregateOptions<K, V, A>) {}

  init(context: ProcessorContext): void {
    this.context = context;
    this.store = context.getStore<KeyValueStore<K, A>>(this.options.storeName);
  }

  process(rawKey: unknown, rawValue: unknown, timestampMs: number): void {
    const key = rawKey as K;
    const store = this.store as KeyValueStore<K, A>;
    const previous = store.get(key);
    const aggregate = this.options.aggregator(key, rawValue as V, previous === undefined ? this.options.initializer() : previous);
    store.put(key, aggregate);
    (this.context as ProcessorContext).forward(key, change(previous === undefined ? null : previous, aggregate), timestampMs);
  }
}
