import type { GraphNode, StatefulOperatorSpec, TimestampExtractor } from '../dsl/graph.ts';
import { DeserializationError, ProcessingError, ProductionError, SluiceError, TopologyError, type ErrorContext } from '../errors/index.ts';
import type { ConsumedRecord, OutputRecord, RecordHeaders } from '../kafka/types.ts';
import type { Plan, Subtopology } from '../planner/plan.ts';
import type { Serde, SerdeContext } from '../serde/serde.ts';
import type { StateStore } from '../state/state-store.ts';
import { createStatelessProcessor } from './operators/stateless.ts';
import type { GlobalTableStore } from './global/global-table-store.ts';
import { StreamGlobalJoinProcessor } from './global/stream-global-join.ts';
import type { LateRecord, Processor, ProcessorContext, RecordMetadata } from '../processor/processor.ts';

/** What a pipeline needs from its task. */
export interface PipelineEnvironment {
  readonly taskId: string;
  readonly partition: number;
  /** Pending output of the current transaction; sinks append here. */
  readonly output: OutputRecord[];
  readonly stores: ReadonlyMap<string, StateStore>;
  watermarkMs(): number;
  reportLate(record: LateRecord): void;
  /** Builds the processor of a stateful operator (aggregations, windows). */
  createStateful(spec: StatefulOperatorSpec, nodeName: string): Processor;
  /**
   * A result emitted by time (a window closing) failed to serialize: no input record is in flight to blame,
   * so the error policy applies to the result itself. Throws to stop (onError 'fail').
   */
  onEmitError(error: ProductionError, key: unknown, value: unknown, timestampMs: number): void;
  /** The bad-input rule for event time (see EventTimeBounds); absent: any finite time is accepted. */
  readonly eventTimeBounds?: EventTimeBounds;
  /** This instance's global tables by name (shared by every task); needed when the sub-topology joins one. */
  readonly globalTables?: ReadonlyMap<string, GlobalTableStore>;
}

/**
 * Event time a task accepts: from 1970 to `maxFutureSkewMs` ahead of its wall clock. A record outside is bad
 * input for the error policy, so one record stamped in year 3000 cannot move the watermark there and close
 * every window at once.
 */
export interface EventTimeBounds {
  readonly maxFutureSkewMs: number;
  nowMs(): number;
}

/** Shared by a pipeline's sinks: whether results are being emitted by time (a watermark advance or a timer). */
interface EmitPhase {
  byWatermark: boolean;
}

interface Entry {
  readonly keySerde: Serde<unknown>;
  readonly valueSerde: Serde<unknown>;
  readonly keyContext: SerdeContext;
  readonly valueContext: SerdeContext;
  readonly timestamp: TimestampExtractor<unknown, unknown> | undefined;
  /** A table's topic: a null value is a tombstone, never given to the value serde. */
  readonly tombstones: boolean;
  readonly children: Processor[];
}

/**
 * Each child of `node` with the index `node` has among the child's parents: a node may be a parent twice
 * (a table joined with itself), so the k-th occurrence of a child is its k-th parent slot holding `node`.
 */
function childInputs(node: GraphNode): { node: GraphNode; parentIndex: number }[] {
  const seen = new Map<GraphNode, number>();
  const result: { node: GraphNode; parentIndex: number }[] = [];
  for (const child of node.children) {
    const occurrence = seen.get(child) ?? 0;
    seen.set(child, occurrence + 1);
    let found = -1;
    let n = 0;
    for (let i = 0; i < child.parents.length; i++) {
      if (child.parents[i] !== node) continue;
      if (n++ === occurrence) {
        found = i;
        break;
      }
    }
    result.push({ node: child, parentIndex: Math.max(0, found) });
  }
  return result;
}

/** The processor taking one parent's records: a multi-input processor's own input, else the processor itself. */
function inputOf(processor: Processor, parentIndex: number): Processor {
  return processor.input === undefined ? processor : processor.input(parentIndex);
}

/** Mutable coordinates of the record in flight; one object per pipeline, updated per record. */
class CurrentRecord implements RecordMetadata {
  topic = '';
  partition = 0;
  offset = '';
  timestampMs = 0;
  headers: RecordHeaders = {};
}

class NodeContext implements ProcessorContext {
  readonly children: Processor[] = [];
  inWatermark = false;
  constructor(
    private readonly env: PipelineEnvironment,
    private readonly current: CurrentRecord,
  ) {}
  get taskId(): string {
    return this.env.taskId;
  }
  get partition(): number {
    return this.env.partition;
  }
  get record(): RecordMetadata | undefined {
    return this.inWatermark ? undefined : this.current;
  }
  watermarkMs(): number {
    return this.env.watermarkMs();
  }
  forward(key: unknown, value: unknown, timestampMs: number): void {
    const children = this.children;
    for (let i = 0; i < children.length; i++) (children[i] as Processor).process(key, value, timestampMs);
  }
  getStore<S extends StateStore>(name: string): S {
    const store = this.env.stores.get(name);
    if (store === undefined) throw new TopologyError(`state store "${name}" is not registered in task ${this.env.taskId}`);
    return store as S;
  }
  reportLate(record: LateRecord): void {
    this.env.reportLate(record);
  }
}

/** Serializes and appends to the pending output. */
class SinkProcessor implements Processor {
  private readonly keyContext: SerdeContext;
  private readonly valueContext: SerdeContext;
  constructor(
    readonly topic: string,
    readonly keySerde: Serde<unknown>,
    readonly valueSerde: Serde<unknown>,
    private readonly output: OutputRecord[],
    private readonly phase: EmitPhase,
    private readonly env: PipelineEnvironment,
  ) {
    this.keyContext = { topic, isKey: true };
    this.valueContext = { topic, isKey: false };
  }
  init(): void {}
  process(key: unknown, value: unknown, timestampMs: number): void {
    let k: Buffer | null;
    let v: Buffer | null;
    try {
      k = this.keySerde.serialize(key, this.keyContext);
      v = this.valueSerde.serialize(value, this.valueContext);
    } catch (cause) {
      const error = new ProductionError(`could not serialize a record for topic "${this.topic}" with ${this.keySerde.name}/${this.valueSerde.name}: ${(cause as Error).message}`, {
        cause,
        context: { topic: this.topic },
      });
      if (!this.phase.byWatermark) throw error;
      this.env.onEmitError(error, key, value, timestampMs);
      return;
    }
    this.output.push({ topic: this.topic, key: k, value: v, timestampMs });
  }
}

/**
 * The operators of one sub-topology instantiated for one task: deserialize → timestamp → operators →
 * sinks. Synchronous; the task wraps it with error handling, watermarks and commits.
 */
export class TaskPipeline {
  private readonly entries = new Map<string, Entry>();
  private readonly processors: Processor[] = [];
  private readonly contexts: NodeContext[] = [];
  private readonly current = new CurrentRecord();
  private readonly phase: EmitPhase = { byWatermark: false };
  /** How many operators have wall-clock timers: a tick of a pipeline without any costs nothing. */
  private wallClockProcessors = 0;

  constructor(plan: Plan, subtopology: Subtopology, private readonly env: PipelineEnvironment) {
    this.current.partition = env.partition;
    const byNode = new Map<GraphNode, { processor: Processor; context: NodeContext }>();
    const ensure = (node: GraphNode): { processor: Processor; context: NodeContext } => {
      let built = byNode.get(node);
      if (built !== undefined) return built;
      const context = new NodeContext(env, this.current);
      let processor: Processor;
      if (node.type === 'sink') processor = new SinkProcessor(node.topic, node.keySerde, node.valueSerde, env.output, this.phase, env);
      else if (node.type === 'repartition' && !subtopology.nodes.includes(node)) {
        processor = new SinkProcessor(plan.repartitionTopics.get(node.id) as string, node.keySerde, node.valueSerde, env.output, this.phase, env);
      } else if (node.type === 'operator') {
        const spec = node.spec;
        if (spec.kind === 'stateful') processor = env.createStateful(spec.operator, node.name);
        else if (spec.kind === 'globalJoin') {
          const table = env.globalTables?.get(spec.table);
          if (table === undefined) throw new TopologyError(`operator "${node.name}" joins global table "${spec.table}", which task ${env.taskId} was not given`);
          processor = new StreamGlobalJoinProcessor(spec, table);
        } else processor = createStatelessProcessor(spec);
      } else {
        processor = { init() {}, process: (k, v, t) => context.forward(k, v, t) };
      }
      built = { processor, context };
      byNode.set(node, built);
      this.processors.push(processor);
      this.contexts.push(context);
      // Children of a repartition node that is a sink here belong to another sub-topology.
      const writesAway = node.type === 'repartition' && !subtopology.nodes.includes(node);
      if (!writesAway && node.type !== 'sink') {
        for (const child of childInputs(node)) context.children.push(inputOf(ensure(child.node).processor, child.parentIndex));
      }
      return built;
    };
    for (const entry of subtopology.entries) {
      const node = entry.node;
      const children = childInputs(node).map((c) => inputOf(ensure(c.node).processor, c.parentIndex));
      this.entries.set(entry.topic, {
        keySerde: node.keySerde,
        valueSerde: node.valueSerde,
        keyContext: { topic: entry.topic, isKey: true },
        valueContext: { topic: entry.topic, isKey: false },
        timestamp: entry.kind === 'source' ? entry.node.timestamp : undefined,
        tombstones: entry.kind === 'source' && entry.node.table === true,
        children,
      });
    }
    for (let i = 0; i < this.processors.length; i++) (this.processors[i] as Processor).init(this.contexts[i] as NodeContext);
    this.wallClockProcessors = this.processors.filter((p) => p.onWallClock !== undefined).length;
  }

  /**
   * Lets serdes that need I/O get ready to write (schema registration or look-up): awaited once when the task
   * is created, before it processes anything.
   */
  async prepareOutputs(): Promise<void> {
    for (const processor of this.processors) {
      if (!(processor instanceof SinkProcessor)) continue;
      await processor.keySerde.prepare?.({ topic: processor.topic, isKey: true });
      await processor.valueSerde.prepare?.({ topic: processor.topic, isKey: false });
    }
  }

  /** Serdes of each input topic, for `prepare` before a batch. */
  inputSerdes(topic: string): { key: Serde<unknown>; value: Serde<unknown> } | undefined {
    const entry = this.entries.get(topic);
    return entry === undefined ? undefined : { key: entry.keySerde, value: entry.valueSerde };
  }

  /**
   * Runs one record through the operators and returns its event time. Throws DeserializationError,
   * ProcessingError or ProductionError (with the record's coordinates) for the task's error policy.
   */
  process(topic: string, record: ConsumedRecord): number {
    const entry = this.entries.get(topic);
    if (entry === undefined) throw new TopologyError(`task ${this.env.taskId} does not read topic "${topic}"`);
    const current = this.current;
    current.topic = topic;
    current.offset = record.offset;
    current.timestampMs = record.timestampMs;
    current.headers = record.headers;
    let key: unknown;
    let value: unknown;
    try {
      key = entry.keySerde.deserialize(record.key, entry.keyContext);
      value = record.value === null && entry.tombstones ? null : entry.valueSerde.deserialize(record.value, entry.valueContext);
    } catch (cause) {
      const message = cause instanceof Error ? cause.message : String(cause);
      throw new DeserializationError(message, { cause, context: this.coordinates() });
    }
    let timestampMs = record.timestampMs;
    try {
      if (entry.timestamp !== undefined) timestampMs = entry.timestamp(value, key, record.timestampMs);
    } catch (cause) {
      throw new ProcessingError(`the timestamp extractor threw: ${(cause as Error).message}`, { cause, context: this.coordinates() });
    }
    if (!Number.isFinite(timestampMs)) {
      throw new ProcessingError(`the timestamp extractor returned ${String(timestampMs)} (expected epoch milliseconds)`, { context: this.coordinates() });
    }
    const bounds = this.env.eventTimeBounds;
    if (bounds !== undefined) {
      if (timestampMs < 0) {
        throw new ProcessingError(`event time ${timestampMs} is before 1970 (expected epoch milliseconds >= 0)`, { context: this.coordinates() });
      }
      const limitMs = bounds.nowMs() + bounds.maxFutureSkewMs;
      if (timestampMs > limitMs) {
        throw new ProcessingError(
          `event time ${timestampMs} (${isoOrRaw(timestampMs)}) is more than ${bounds.maxFutureSkewMs} ms ahead of the wall clock (expected at most ${new Date(limitMs).toISOString()}; raise --max-future-skew-ms if such records are valid)`,
          { context: this.coordinates() },
        );
      }
    }
    current.timestampMs = timestampMs;
    try {
      const children = entry.children;
      for (let i = 0; i < children.length; i++) (children[i] as Processor).process(key, value, timestampMs);
    } catch (cause) {
      if (cause instanceof SluiceError && !(cause instanceof TopologyError)) {
        throw cause.context.offset === undefined ? rewrap(cause, this.coordinates()) : cause;
      }
      throw new ProcessingError(`an operator threw: ${cause instanceof Error ? cause.message : String(cause)}`, { cause, context: this.coordinates() });
    }
    return timestampMs;
  }

  /**
   * Once, after the stores were restored and before the first record: lets operators derive their time state
   * (timers) from the watermark the task resumes from.
   */
  resume(watermarkMs: number, nowMs: number): void {
    for (const p of this.processors) p.onResume?.(watermarkMs, nowMs);
  }

  /** Lets windowed operators close windows up to `watermarkMs` and event-time timers fire. */
  advanceWatermark(watermarkMs: number): void {
    this.byTime(watermarkMs, false);
  }

  /** Lets wall-clock timers fire (the task's tick). */
  advanceWallClock(nowMs: number): void {
    if (this.wallClockProcessors === 0) return;
    this.byTime(nowMs, true);
  }

  private byTime(timeMs: number, wallClock: boolean): void {
    this.phase.byWatermark = true;
    try {
      for (let i = 0; i < this.processors.length; i++) {
        const processor = this.processors[i] as Processor;
        const hook = wallClock ? processor.onWallClock : processor.onWatermark;
        if (hook === undefined) continue;
        const context = this.contexts[i] as NodeContext;
        context.inWatermark = true;
        try {
          hook.call(processor, timeMs);
        } finally {
          context.inWatermark = false;
        }
      }
    } finally {
      this.phase.byWatermark = false;
    }
  }

  /** Coordinates of the record in flight (valid during process()). */
  currentRecord(): RecordMetadata {
    return this.current;
  }

  close(): void {
    for (const p of this.processors) p.close?.();
  }

  private coordinates(): ErrorContext {
    const c = this.current;
    return { topic: c.topic, partition: c.partition, offset: c.offset, taskId: this.env.taskId };
  }
}

function isoOrRaw(timestampMs: number): string {
  const date = new Date(timestampMs);
  return Number.isNaN(date.getTime()) ? 'beyond the calendar' : date.toISOString();
}

function rewrap(error: SluiceError, context: ErrorContext): SluiceError {
  const Ctor = error.constructor as new (message: string, options: { cause?: unknown; context?: object }) => SluiceError;
  return new Ctor(error.message, { cause: error.cause, context: { ...error.context, ...context } });
}
