import type { GlobalJoinSpec } from '../../dsl/stream-global-join.ts';
import type { Processor, ProcessorContext } from '../../processor/processor.ts';
import type { GlobalTableStore } from './global-table-store.ts';

/**
 * Joins each stream record with the global table's value for its looked-up key, as the table is at the moment
 * the record is processed. Inner: no match, no output. Left: no match joins with null. The key and timestamp
 * of the stream record stay.
 */
export class StreamGlobalJoinProcessor implements Processor {
  private context!: ProcessorContext;

  constructor(
    private readonly spec: GlobalJoinSpec,
    private readonly table: GlobalTableStore,
  ) {}

  init(context: ProcessorContext): void {
    this.context = context;
  }

  process(key: unknown, value: unknown, timestampMs: number): void {
    const tableValue = this.table.get(this.spec.keySelector(key, value));
    if (tableValue === undefined) {
      if (this.spec.join === 'inner') return;
      this.context.forward(key, this.spec.joiner(value, null, key), timestampMs);
      return;
    }
    this.context.forward(key, this.spec.joiner(value, tableValue, key), timestampMs);
  }
}
