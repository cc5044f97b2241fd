import type { Processor, ProcessorContext } from '../processor/processor.ts';
import { change, type Change } from './change.ts';
import { KeyValuePair } from './key-value-pair.ts';

function sameKey(a: unknown, b: unknown): boolean {
  return a === b || (typeof a === 'object' && typeof b === 'object' && JSON.stringify(a) === JSON.stringify(b));
}

/**
 * `table.groupBy(selector)`, the writing side: each change becomes a subtraction of the old value under its
 * old group key and an addition of the new one under its new group key (one record when both keys are the
 * same), sent to the repartition topic as changes so the aggregate downstream sees the old value. A null
 * group key is dropped.
 */
export class TableRegroupProcessor implements Processor {
  private context!: ProcessorContext;

  constructor(private readonly selector: (key: unknown, value: unknown) => unknown) {}

  init(context: ProcessorContext): void {
    this.context = context;
  }

  private select(key: unknown, value: unknown): { key: unknown; value: unknown } | null {
    const selected = this.selector(key, value);
    const pair = selected instanceof KeyValuePair ? { key: selected.key as unknown, value: selected.value as unknown } : { key: selected, value };
    return pair.key === null || pair.key === undefined ? null : pair;
  }

  process(key: unknown, value: unknown, timestampMs: number): void {
    const { oldValue, newValue } = value as Change<unknown>;
    const before = oldValue === null ? null : this.select(key, oldValue);
    const after = newValue === null ? null : this.select(key, newValue);
    if (before !== null && after !== null && sameKey(before.key, after.key)) {
      this.context.forward(after.key, change(before.value, after.value), timestampMs);
      return;
    }
    if (before !== null) this.context.forward(before.key, change(before.value, null), timestampMs);
    if (after !== null) this.context.forward(after.key, change(null, after.value), timestampMs);
  }
}
