import type { Processor, ProcessorContext } from '../processor/processor.ts';
import { change, type Change } from './change.ts';

/** `table.mapValues(fn)`: maps the old and the new value of each change (absent stays absent). */
export class TableMapValuesProcessor implements Processor {
  private context!: ProcessorContext;

  constructor(private readonly fn: (value: unknown, key: unknown) => unknown) {}

  init(context: ProcessorContext): void {
    this.context = context;
  }

  process(key: unknown, value: unknown, timestampMs: number): void {
    const { oldValue, newValue } = value as Change<unknown>;
    const mappedOld = oldValue === null ? null : this.fn(oldValue, key);
    const mappedNew = newValue === null ? null : this.fn(newValue, key);
    this.context.forward(key, change(mappedOld ?? null, mappedNew ?? null), timestampMs);
  }
}
