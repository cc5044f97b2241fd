import type { Processor, ProcessorContext } from '../processor/processor.ts';
import type { KeyValueStore } from '../state/key-value-store.ts';
import { change, orNull } from './change.ts';

/**
 * Materializes a topic as a table: the latest value per key, a null value deletes the key. Forwards the
 * change (old and new value). A record with a null key cannot update a key and is dropped.
 */
export class TableSourceProcessor implements Processor {
  private context!: ProcessorContext;
  private store!: KeyValueStore<unknown, unknown>;

  constructor(private readonly storeName: string) {}

  init(context: ProcessorContext): void {
    this.context = context;
    this.store = context.getStore<KeyValueStore<unknown, unknown>>(this.storeName);
  }

  process(key: unknown, value: unknown, timestampMs: number): void {
    if (key === null || key === undefined) return;
    const oldValue = orNull(this.store.get(key));
    const newValue = value === undefined ? null : value;
    if (newValue === null) {
      if (oldValue === null) return;
      this.store.delete(key);
    } else {
      this.store.put(key, newValue);
    }
    this.context.forward(key, change(oldValue, newValue), timestampMs);
  }
}
