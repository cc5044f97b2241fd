import type { Processor, ProcessorContext } from '../processor/processor.ts';
import { change, type Change } from './change.ts';

/**
 * `table.filter(predicate)`: a value failing the predicate is absent. A key that was present and now fails
 * emits a tombstone (new value null); a change absent both before and after emits nothing.
 */
export class TableFilterProcessor implements Processor {
  private context!: ProcessorContext;

  constructor(private readonly predicate: (key: unknown, value: unknown) => boolean) {}

  init(context: ProcessorContext): void {
    this.context = context;
  }

  process(key: unknown, value: unknown, timestampMs: number): void {
    const { oldValue, newValue } = value as Change<unknown>;
    const keptOld = oldValue !== null && this.predicate(key, oldValue) ? oldValue : null;
    const keptNew = newValue !== null && this.predicate(key, newValue) ? newValue : null;
    if (keptOld === null && keptNew === null) return;
    this.context.forward(key, change(keptOld, keptNew), timestampMs);
  }
}
