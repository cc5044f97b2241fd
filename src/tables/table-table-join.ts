import type { Processor, ProcessorContext } from '../processor/processor.ts';
import { change, type Change } from './change.ts';
import { createValueGetter, joinValues, type JoinMode, type ValueGetter, type ValueGetterSpec } from './value-getter.ts';

export interface TableTableJoinOptions {
  readonly mode: JoinMode;
  readonly left: ValueGetterSpec;
  readonly right: ValueGetterSpec;
  readonly joiner: (left: unknown, right: unknown, key: unknown) => unknown;
}

/** One side of the join: a change of this side, joined with the other side's current value. */
class JoinSide implements Processor {
  constructor(
    private readonly join: TableTableJoinProcessor,
    private readonly isLeft: boolean,
  ) {}
  init(): void {}
  process(key: unknown, value: unknown, timestampMs: number): void {
    this.join.update(this.isLeft, key, value as Change<unknown>, timestampMs);
  }
}

/**
 * Table–table join (inner, left, outer): a change on either side is joined with the other side's current
 * value, read through its value getter; the result is a change of the joined table (old result, new result).
 * A key whose result goes away (inner: one side deleted) emits a tombstone; a change without a result before
 * or after emits nothing. Parent 0 is the left table, parent 1 the right one.
 */
export class TableTableJoinProcessor implements Processor {
  private context!: ProcessorContext;
  private leftValue!: ValueGetter;
  private rightValue!: ValueGetter;
  private readonly sides: [JoinSide, JoinSide] = [new JoinSide(this, true), new JoinSide(this, false)];

  constructor(private readonly options: TableTableJoinOptions) {}

  init(context: ProcessorContext): void {
    this.context = context;
    this.leftValue = createValueGetter(this.options.left, context);
    this.rightValue = createValueGetter(this.options.right, context);
  }

  input(parentIndex: number): Processor {
    return this.sides[parentIndex === 0 ? 0 : 1];
  }

  process(): void {
    throw new Error('a table-table join takes records through input(0) and input(1)');
  }

  /** @internal */
  update(isLeft: boolean, key: unknown, update: Change<unknown>, timestampMs: number): void {
    if (key === null || key === undefined) return;
    const { mode, joiner } = this.options;
    const other = isLeft ? this.rightValue(key) : this.leftValue(key);
    const before = isLeft ? joinValues(mode, joiner, key, update.oldValue, other) : joinValues(mode, joiner, key, other, update.oldValue);
    const after = isLeft ? joinValues(mode, joiner, key, update.newValue, other) : joinValues(mode, joiner, key, other, update.newValue);
    if (before === null && after === null) return;
    this.context.forward(key, change(before ?? null, after ?? null), timestampMs);
  }
}
