import { ProcessingError, SluiceError } from '../errors/index.ts';
import { NO_WATERMARK, type Processor, type ProcessorContext } from '../processor/processor.ts';
import type { WindowStore } from '../state/window-store.ts';
import type { WindowedEntry } from '../state/windowed-entries.ts';
import type { AnyJoiner, JoinSide, StreamJoinSideSpec } from './join-spec.ts';

/** Key of the shared store of records not matched yet: which side, and the record key. */
export type UnmatchedKey = readonly [side: 'L' | 'R', key: unknown];

/**
 * One side of a windowed stream–stream join (Kafka Streams' KStreamKStreamJoin, one instance per input).
 *
 * Seen from this side, a record at t joins every record of the other side with the same key and a time in
 * [t − before, t + after] (for the right side before and after swap). Rules, with wm the watermark (never lower
 * than what onWatermark already handled):
 * - Late: a record with wm > t + grace is reported late (counted, late topic) and changes nothing.
 * - Otherwise it joins every matching record buffered on the other side, in the other store's time order,
 *   each result at max(t, tOther); then it is buffered in this side's window store under (key, [t, t + after + 1)),
 *   all values of one (key, t) in one list (many-to-many joins of duplicates).
 * - Buffered records expire at the watermark advance that closes their window, wm > t + after + grace. Past
 *   that no record of the other side can match them: one that could (tOther <= t + after) is late.
 * - Left and outer joins: an unmatched record also goes to the shared unmatched store (Kafka Streams' outer
 *   join store); a record of the other side that matches it deletes it there. The left side's operator
 *   emits what is left of an entry when its window closes, joined with null, at the record's time: once,
 *   and never for a record that matched (a later match would be late). All of this is in changelogged
 *   stores, so a rebuilt task, resuming from its checkpointed watermark, continues exactly where the
 *   committed state left off.
 * The store changes for a record happen after its results were forwarded: a joiner that throws (the record
 * then goes to the error policy) leaves the stores as they were.
 */
export class StreamJoinProcessor implements Processor {
  private readonly side: JoinSide;
  private readonly tag: 'L' | 'R';
  private readonly otherTag: 'L' | 'R';
  private readonly beforeMs: number;
  private readonly afterMs: number;
  /** `after` of the other side (its window end), to find its entries in the unmatched store. */
  private readonly otherAfterMs: number;
  private readonly graceMs: number;
  private readonly joiner: AnyJoiner;
  private readonly keepsUnmatched: boolean;
  private readonly otherKeepsUnmatched: boolean;
  private readonly emitsUnmatched: boolean;
  private context!: ProcessorContext;
  private own!: WindowStore<unknown, unknown[]>;
  private other!: WindowStore<unknown, unknown[]>;
  private unmatched: WindowStore<UnmatchedKey, unknown[]> | undefined;
  private closedThroughMs = NO_WATERMARK;

  constructor(
    readonly name: string,
    private readonly spec: StreamJoinSideSpec,
  ) {
    const left = spec.side === 'left';
    this.side = spec.side;
    this.tag = left ? 'L' : 'R';
    this.otherTag = left ? 'R' : 'L';
    this.beforeMs = left ? spec.beforeMs : spec.afterMs;
    this.afterMs = left ? spec.afterMs : spec.beforeMs;
    this.otherAfterMs = this.beforeMs;
    this.graceMs = spec.graceMs;
    this.joiner = spec.joiner;
    const leftKeeps = spec.kind !== 'inner';
    const rightKeeps = spec.kind === 'outer';
    this.keepsUnmatched = left ? leftKeeps : rightKeeps;
    this.otherKeepsUnmatched = left ? rightKeeps : leftKeeps;
    this.emitsUnmatched = left && spec.unmatchedStore !== undefined;
  }

  init(context: ProcessorContext): void {
    this.context = context;
    const { leftStore, rightStore, unmatchedStore } = this.spec;
    this.own = context.getStore(this.side === 'left' ? leftStore : rightStore);
    this.other = context.getStore(this.side === 'left' ? rightStore : leftStore);
    if (unmatchedStore !== undefined) this.unmatched = context.getStore(unmatchedStore);
  }

  process(key: unknown, value: unknown, timestampMs: number): void {
    const watermarkMs = this.watermarkMs();
    if (watermarkMs > timestampMs + this.graceMs) {
      this.context.reportLate({
        operator: this.name,
        key,
        value,
        timestampMs,
        windowStartMs: timestampMs - this.beforeMs,
        windowEndMs: timestampMs + this.afterMs + 1,
        watermarkMs,
      });
      return;
    }
    const matches = this.other.fetch(key, timestampMs - this.beforeMs, timestampMs + this.afterMs);
    const left = this.side === 'left';
    for (let i = 0; i < matches.length; i++) {
      const match = matches[i] as WindowedEntry<unknown, unknown[]>;
      const at = match.startMs > timestampMs ? match.startMs : timestampMs;
      const values = match.value;
      for (let j = 0; j < values.length; j++) {
        const result = left ? this.joiner(value, values[j], key) : this.joiner(values[j], value, key);
        this.context.forward(key, result, at);
      }
    }
    // State changes last: a joiner or a downstream operator that threw left the stores untouched.
    const endMs = timestampMs + this.afterMs + 1;
    append(this.own, key, timestampMs, endMs, value);
    const unmatched = this.unmatched;
    if (unmatched === undefined) return;
    if (matches.length === 0) {
      if (this.keepsUnmatched) append(unmatched, [this.tag, key], timestampMs, endMs, value);
      return;
    }
    if (!this.otherKeepsUnmatched) return;
    for (let i = 0; i < matches.length; i++) {
      const startMs = (matches[i] as WindowedEntry<unknown, unknown[]>).startMs;
      unmatched.delete([this.otherTag, key], startMs, startMs + this.otherAfterMs + 1);
    }
  }

  /** Drops this side's records whose window closed; the left side also emits the unmatched ones. */
  onWatermark(watermarkMs: number): void {
    if (watermarkMs <= this.closedThroughMs || watermarkMs === NO_WATERMARK) return;
    this.closedThroughMs = watermarkMs;
    const maxEndMs = watermarkMs - this.graceMs;
    this.own.expire(maxEndMs);
    if (this.emitsUnmatched) (this.unmatched as WindowStore<UnmatchedKey, unknown[]>).expire(maxEndMs, this.emitUnmatched);
  }

  /** The watermark lateness is judged by: never lower than the last one handled in onWatermark. */
  private watermarkMs(): number {
    const watermarkMs = this.context.watermarkMs();
    return watermarkMs > this.closedThroughMs ? watermarkMs : this.closedThroughMs;
  }

  /** Bound once: the expire callback of the unmatched store. */
  private readonly emitUnmatched = (entry: WindowedEntry<UnmatchedKey, unknown[]>): void => {
    const [tag, key] = entry.key;
    for (const value of entry.value) {
      let result: unknown;
      try {
        result = tag === 'L' ? this.joiner(value, null, key) : this.joiner(null, value, key);
      } catch (cause) {
        if (cause instanceof SluiceError) throw cause;
        throw new ProcessingError(`join operator "${this.name}": the joiner threw for an unmatched record: ${cause instanceof Error ? cause.message : String(cause)}`, {
          cause,
          context: { taskId: this.context.taskId },
        });
      }
      this.context.forward(key, result, entry.startMs);
    }
  };
}

function append<K>(store: WindowStore<K, unknown[]>, key: K, startMs: number, endMs: number, value: unknown): void {
  const values = store.get(key, startMs, endMs);
  if (values === undefined) {
    store.put(key, startMs, endMs, [value]);
    return;
  }
  values.push(value);
  store.put(key, startMs, endMs, values);
}
