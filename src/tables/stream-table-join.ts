import type { Processor, ProcessorContext } from '../processor/processor.ts';
import { createValueGetter, type ValueGetter, type ValueGetterSpec } from './value-getter.ts';

export interface StreamTableJoinOptions {
  readonly mode: 'inner' | 'left';
  readonly table: ValueGetterSpec;
  readonly joiner: (value: unknown, tableValue: unknown, key: unknown) => unknown;
}

/** Table updates reach the join (it shares their task) but emit nothing: the table is only looked up. */
const IGNORE_TABLE_UPDATES: Processor = { init() {}, process() {} };

/**
 * Stream–table join (inner, left): each stream record is joined with the table's current value for its key
 * when the record is processed, with the record's timestamp. Inner drops a record whose key has no table
 * value; left joins it with null. A stream record with a null value is dropped; one with a null key is
 * dropped by inner and joined with null by left. Parent 0 is the stream, parent 1 the table.
 */
export class StreamTableJoinProcessor implements Processor {
  private context!: ProcessorContext;
  private tableValue!: ValueGetter;

  constructor(private readonly options: StreamTableJoinOptions) {}

  init(context: ProcessorContext): void {
    this.context = context;
    this.tableValue = createValueGetter(this.options.table, context);
  }

  input(parentIndex: number): Processor {
    return parentIndex === 0 ? this : IGNORE_TABLE_UPDATES;
  }

  process(key: unknown, value: unknown, timestampMs: number): void {
    if (value === null || value === undefined) return;
    const tableValue = key === null || key === undefined ? null : this.tableValue(key);
    if (tableValue === null && this.options.mode === 'inner') return;
    this.context.forward(key, this.options.joiner(value, tableValue, key), timestampMs);
  }
}
