import type { ProcessorSpecOptions } from '../../dsl/processor-spec.ts';
import { ProcessingError, SluiceError, TopologyError } from '../../errors/index.ts';
import type { RecordHeaders } from '../../kafka/types.ts';
import type { Processor, ProcessorContext } from '../../processor/processor.ts';
import type {
  Cancellable, FiredTimer, ForwardRecord, KeyedTimers, StreamProcessor, StreamProcessorContext, StreamRecord, TimeDomain,
} from '../../processor/stream-processor.ts';
import type { KeyValueStore } from '../../state/key-value-store.ts';
import type { StoreDefinition, StoreOf } from '../../state/store-definitions.ts';
import { KeyedTimerQueue, PeriodicTimers } from './processor-timers.ts';

const NO_HEADERS: RecordHeaders = Object.freeze({});

/** The record handed to `process`: one per node, refilled per record (no allocation on the hot path). */
class MutableRecord implements StreamRecord<unknown, unknown> {
  key: unknown = undefined;
  value: unknown = undefined;
  timestampMs = 0;
  headers: RecordHeaders = NO_HEADERS;
  topic = '';
  partition = 0;
  offset = '';
}

type AnyContext = StreamProcessorContext<unknown, unknown, unknown>;

/** What the user's processor sees; one per node. */
class NodeApi implements AnyContext, KeyedTimers<unknown> {
  /** Timestamp a forward without one gets: the input record's, or the firing timer's. */
  defaultTimestampMs = 0;
  constructor(
    private readonly node: StreamProcessorNode,
    private readonly context: ProcessorContext,
    private readonly declared: ReadonlySet<string>,
  ) {}
  get taskId(): string {
    return this.context.taskId;
  }
  get partition(): number {
    return this.context.partition;
  }
  forward(record: ForwardRecord<unknown, unknown>): void {
    this.context.forward(record.key, record.value, record.timestampMs ?? this.defaultTimestampMs);
  }
  store<D extends StoreDefinition>(definition: D): StoreOf<D> {
    if (!this.declared.has(definition.name)) {
      throw new TopologyError(`processor "${this.node.name}" uses store "${definition.name}" that it did not declare (add it to process(..., { stores: [...] }))`);
    }
    return this.context.getStore(definition.name) as unknown as StoreOf<D>;
  }
  watermarkMs(): number {
    return this.context.watermarkMs();
  }
  schedule(domain: TimeDomain, intervalMs: number, callback: (timestampMs: number) => void): Cancellable {
    // One closure per schedule call (not per record): forwards in the callback default to the timer's time.
    return this.node.periodic.schedule(domain, intervalMs, (timestampMs) => {
      this.defaultTimestampMs = timestampMs;
      callback(timestampMs);
    }, this.node.name);
  }
  get timers(): KeyedTimers<unknown> {
    return this;
  }
  at(eventTimeMs: number, key: unknown): void {
    this.node.keyed.at(eventTimeMs, key);
  }
  cancel(eventTimeMs: number, key: unknown): void {
    this.node.keyed.cancel(eventTimeMs, key);
  }
}

/**
 * `stream.process(...)` inside a task: adapts the user's StreamProcessor to the operator interface, so it runs
 * in the same TaskPipeline as the built-in operators (same forward, stores, watermark advance and commit).
 * Timers fire inside the task's processing: event-time ones from the watermark advance, wall-clock ones from
 * the task's tick; their output and store changes go into the transaction in progress.
 */
export class StreamProcessorNode implements Processor {
  readonly periodic = new PeriodicTimers();
  keyed!: KeyedTimerQueue;
  private readonly user: StreamProcessor<unknown, unknown, unknown, unknown>;
  private readonly record = new MutableRecord();
  private api!: NodeApi;
  private context!: ProcessorContext;
  private readonly fired = { key: undefined as unknown, timestampMs: 0 };
  private started = false;

  constructor(
    readonly name: string,
    private readonly options: ProcessorSpecOptions,
  ) {
    this.user = options.factory();
    if (this.user === null || typeof this.user !== 'object' || typeof this.user.process !== 'function') {
      throw new TopologyError(`processor "${name}": the factory must return an object with process(record) (got ${this.user === null ? 'null' : typeof this.user})`);
    }
  }

  init(context: ProcessorContext): void {
    this.context = context;
    this.keyed = new KeyedTimerQueue(context.getStore<KeyValueStore<readonly [number, unknown], 1>>(this.options.timerStore), this.name);
    this.api = new NodeApi(this, context, new Set(this.options.definitions.map((d) => d.name)));
  }

  process(key: unknown, value: unknown, timestampMs: number): void {
    const r = this.record;
    const source = this.context.record;
    r.key = key;
    r.value = value;
    r.timestampMs = timestampMs;
    if (source !== undefined) {
      r.headers = source.headers;
      r.topic = source.topic;
      r.partition = source.partition;
      r.offset = source.offset;
    }
    this.api.defaultTimestampMs = timestampMs;
    this.user.process(r);
  }

  /**
   * Stores are restored: reload the one-shot timers, start the periodic ones from the resumed time, then the
   * user's init (after the restore, as in Kafka Streams, so it may read its stores; timers it schedules start
   * from the resumed watermark).
   */
  onResume(watermarkMs: number, nowMs: number): void {
    this.keyed.load();
    this.periodic.resume(watermarkMs, nowMs);
    this.started = true;
    const init = this.user.init;
    if (init !== undefined) this.guard('init', () => init.call(this.user, this.api));
  }

  onWatermark(watermarkMs: number): void {
    this.guard('an event-time timer', () => {
      const onTimer = this.user.onTimer;
      this.keyed.fireUpTo(watermarkMs, (timeMs, key) => {
        if (onTimer === undefined) return;
        const fired = this.fired as { key: unknown; timestampMs: number };
        fired.key = key;
        fired.timestampMs = timeMs;
        this.api.defaultTimestampMs = timeMs;
        onTimer.call(this.user, fired as FiredTimer<unknown>);
      });
      this.periodic.advanceWatermark(watermarkMs);
    });
  }

  onWallClock(nowMs: number): void {
    this.api.defaultTimestampMs = nowMs;
    this.guard('a wall-clock timer', () => this.periodic.advanceWallClock(nowMs));
  }

  /** A task closed before it ever ran never called the user's init: its close is skipped too. */
  close(): void {
    if (this.started) this.user.close?.();
  }

  /** A timer callback that throws stops the task with the processor's name (as a punctuator would). */
  private guard(what: string, run: () => void): void {
    try {
      run();
    } catch (cause) {
      if (cause instanceof SluiceError) throw cause;
      throw new ProcessingError(`processor "${this.name}": ${what} threw: ${cause instanceof Error ? cause.message : String(cause)}`, {
        cause,
        context: { taskId: this.context.taskId },
      });
    }
  }
}
