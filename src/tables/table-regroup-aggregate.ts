import type { Processor, ProcessorContext } from '../processor/processor.ts';
import type { KeyValueStore } from '../state/key-value-store.ts';
import { change, orNull, type Change } from './change.ts';

export interface RegroupAggregateOptions {
  readonly storeName: string;
  /** 'aggregate' (and count): starts from the initializer. 'reduce': the first value is the aggregate. */
  readonly mode: 'aggregate' | 'reduce';
  readonly initializer: () => unknown;
  readonly adder: (key: unknown, value: unknown, aggregate: unknown) => unknown;
  readonly subtractor: (key: unknown, value: unknown, aggregate: unknown) => unknown;
}

/**
 * The aggregate of a regrouped table: for each change from the repartition topic, the old value is
 * subtracted from the group's aggregate and the new one added; the group's old and new aggregate go on as
 * a change. A reduce keeps no aggregate for a group that never had a value, as Kafka Streams does.
 */
export class TableRegroupAggregateProcessor implements Processor {
  private context!: ProcessorContext;
  private store!: KeyValueStore<unknown, unknown>;

  constructor(private readonly options: RegroupAggregateOptions) {}

  init(context: ProcessorContext): void {
    this.context = context;
    this.store = context.getStore<KeyValueStore<unknown, unknown>>(this.options.storeName);
  }

  process(key: unknown, value: unknown, timestampMs: number): void {
    if (key === null || key === undefined) return;
    const { oldValue, newValue } = value as Change<unknown>;
    const { mode, initializer, adder, subtractor } = this.options;
    const previous = orNull(this.store.get(key));
    let next: unknown = previous;
    if (mode === 'aggregate') {
      next ??= initializer();
      if (oldValue !== null) next = subtractor(key, oldValue, next);
      if (newValue !== null) next = adder(key, newValue, next);
    } else {
      if (oldValue !== null && next !== null) next = subtractor(key, oldValue, next);
      if (newValue !== null) next = next === null ? newValue : adder(key, newValue, next);
    }
    next ??= null;
    if (next === null) {
      if (previous === null) return;
      this.store.delete(key);
    } else {
      this.store.put(key, next);
    }
    this.context.forward(key, change(previous, next), timestampMs);
  }
}
