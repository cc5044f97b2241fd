import type { Processor, ProcessorContext } from '../processor/processor.ts';
import type { Change } from './change.ts';

/** `table.toStream()`: every change as a record with its new value (null for a delete). */
export class TableToStreamProcessor implements Processor {
  private context!: ProcessorContext;

  init(context: ProcessorContext): void {
    this.context = context;
  }

  process(key: unknown, value: unknown, timestampMs: number): void {
    this.context.forward(key, (value as Change<unknown>).newValue, timestampMs);
  }
}
