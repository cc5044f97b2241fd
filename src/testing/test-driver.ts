import type { Topology } from '../dsl/define-topology.ts';
import { TopologyError } from '../errors/index.ts';
import type { ConsumedRecord, OutputRecord, RecordHeaders } from '../kafka/types.ts';
import { taskIdFor } from '../planner/names.ts';
import { plan as planTopology, type Plan } from '../planner/plan.ts';
import { takeCommitPayload } from '../eos/commit-payload.ts';
import type { KeyValueStoreDefinition, WindowStoreDefinition } from '../state/store-definitions.ts';
import { restoreTaskFrom } from './restore-from-changelog.ts';
import { keyValueView, windowView, type KeyValueStoreView, type WindowStoreView } from './store-views.ts';
import { buildTask } from '../runtime/task-factory.ts';
import type { Task } from '../runtime/task.ts';
import type { Serde } from '../serde/serde.ts';
import type { StateStore } from '../state/state-store.ts';
import { partitionForKey } from './murmur2.ts';
import { GlobalTableStore } from '../runtime/global/global-table-store.ts';
import type { GlobalTable } from '../dsl/global-table.ts';

/** A record as a test reads it from an output topic. */
export interface TestRecord<K, V> {
  readonly key: K;
  readonly value: V;
  readonly timestampMs: number;
  readonly partition: number;
  readonly headers: RecordHeaders;
}

export interface TestDriverOptions {
  /** Partitions of every topic (sources, repartition, changelog). Default 1. */
  readonly partitions?: number;
  /** Wall-clock start (ms) for idleness and wall-clock timers; advance it with `advanceWallClock`. Default 0. */
  readonly wallClockMs?: number;
  /**
   * Changelog records to build the tasks from, as the runtime rebuilds a task (e.g. another driver's
   * `changelogRecords()`): stores restored, the watermark and input positions taken from the last checkpoint.
   */
  readonly changelog?: readonly OutputRecord[];
}

export interface PipeOptions {
  readonly timestampMs?: number;
  readonly headers?: RecordHeaders;
  /** Force a partition; default: chosen from the key bytes like the Java client. */
  readonly partition?: number;
}

/** Feeds one input topic: values go through the topology's source serdes, as on a real topic. */
export class TestInput<K, V> {
  constructor(
    private readonly driver: TopologyTestDriver,
    private readonly topic: string,
    private readonly keySerde: Serde<K>,
    private readonly valueSerde: Serde<V>,
  ) {}

  pipe(key: K, value: V, options: PipeOptions = {}): void {
    const k = this.keySerde.serialize(key, { topic: this.topic, isKey: true });
    const v = this.valueSerde.serialize(value, { topic: this.topic, isKey: false });
    this.driver.pipeRaw(this.topic, k, v, options);
  }

  /** Pipes raw bytes, e.g. a malformed payload. */
  pipeRaw(key: Buffer | null, value: Buffer | null, options: PipeOptions = {}): void {
    this.driver.pipeRaw(this.topic, key, value, options);
  }
}

interface DriverTask {
  readonly task: Task;
}

/**
 * Runs a topology in memory, synchronously, with no broker: pipe records into source topics, read what each
 * output topic received. Repartition topics, changelogs, the dead-letter and late topics are simulated with
 * the same partitioning as Kafka; each piped record is processed and "committed" before `pipe` returns.
 */
export class TopologyTestDriver {
  readonly plan: Plan;
  /** Global-table records that did not deserialize and were skipped (onError 'skip' or 'dead-letter'). */
  skippedGlobalRecords = 0;
  private readonly partitions: number;
  private wallClockMs: number;
  private readonly tasks = new Map<string, DriverTask>();
  private readonly topics = new Map<string, OutputRecord[]>();
  private readonly offsets = new Map<string, bigint>();
  private readonly readPositions = new Map<string, number>();
  /** Global tables by name; their topics are fed directly (no task reads them). */
  private readonly globalTables = new Map<string, GlobalTableStore>();
  private readonly globalByTopic = new Map<string, GlobalTableStore>();
  private readonly onError: Topology['options']['onError'];
  /** Source topics of tables (`t.table`): the changelog of their stores, so their records are kept. */
  private readonly tableTopics: ReadonlySet<string>;

  constructor(topology: Topology, options: TestDriverOptions = {}) {
    this.plan = planTopology(topology);
    this.tableTopics = new Set(this.plan.sourceChangelogs.values());
    this.partitions = options.partitions ?? 1;
    this.wallClockMs = options.wallClockMs ?? 0;
    this.onError = topology.options.onError;
    for (const spec of this.plan.globalTables) {
      const store = new GlobalTableStore(spec);
      this.globalTables.set(spec.name, store);
      this.globalByTopic.set(spec.topic, store);
    }
    for (const sub of this.plan.subtopologies) {
      for (let partition = 0; partition < this.partitions; partition++) {
        const task = buildTask({ plan: this.plan, topology, recordLog: { warn: () => {} }, globalTables: this.globalTables }, sub, partition, this.wallClockMs);
        task.lifecycle.transitionTo('restoring');
        if (options.changelog !== undefined) {
          const positions = restoreTaskFrom(task, options.changelog, this.plan.changelogTopics, this.plan.sourceChangelogs);
          for (const [topic, offset] of Object.entries(positions)) this.offsets.set(`${topic}/${partition}`, BigInt(offset));
        }
        task.lifecycle.transitionTo('running');
        task.resumeTime(this.wallClockMs);
        this.tasks.set(task.id, { task });
      }
    }
    // A table's source topic is its changelog: keep its records, so this driver's changelogRecords() has them too.
    const restored = options.changelog ?? [];
    for (const topic of this.tableTopics) {
      const kept = restored.filter((r) => r.topic === topic);
      if (kept.length > 0) this.topics.set(topic, [...kept]);
    }
  }

  /**
   * A typed handle on a source topic, or on a global table's topic: a record piped there updates the table at
   * once (a null value deletes), so stream records piped after it are joined with it.
   */
  input<K, V>(topic: string): TestInput<K, V> {
    const global = this.globalByTopic.get(topic);
    if (global !== undefined) return new TestInput<K, V>(this, topic, global.spec.keySerde as Serde<K>, global.spec.valueSerde as Serde<V>);
    const entry = this.plan.subtopologies.flatMap((s) => s.entries).find((e) => e.topic === topic && e.kind === 'source');
    if (entry === undefined) {
      const read = [...this.plan.sourceTopics, ...this.globalByTopic.keys()];
      throw new TopologyError(`the topology does not read topic "${topic}" (it reads ${read.join(', ')})`);
    }
    return new TestInput<K, V>(this, topic, entry.node.keySerde as Serde<K>, entry.node.valueSerde as Serde<V>);
  }

  /** @internal */
  pipeRaw(topic: string, key: Buffer | null, value: Buffer | null, options: PipeOptions): void {
    const partition = options.partition ?? (key === null ? 0 : partitionForKey(key, this.partitions));
    const global = this.globalByTopic.get(topic);
    if (global !== undefined) {
      this.applyGlobal(global, partition, key, value, options);
      return;
    }
    this.deliver(topic, partition, key, value, options.timestampMs ?? this.wallClockMs, options.headers ?? {});
  }

  /** As the runtime's global reader applies a record: deserialization errors follow onError ('fail' throws, else skipped). */
  private applyGlobal(store: GlobalTableStore, partition: number, key: Buffer | null, value: Buffer | null, options: PipeOptions): void {
    const offsetKey = `${store.topic}/${partition}`;
    const offset = this.offsets.get(offsetKey) ?? 0n;
    this.offsets.set(offsetKey, offset + 1n);
    try {
      store.apply(partition, { key, value, timestampMs: options.timestampMs ?? this.wallClockMs, offset: offset.toString(), headers: options.headers ?? {} });
    } catch (error) {
      if (this.onError === 'fail') throw error;
      this.skippedGlobalRecords++;
    }
  }

  /**
   * What a global table holds now, decoded: pass the table (from `t.globalTable`) for the types, or its name.
   */
  globalTable<K, V>(table: GlobalTable<K, V> | string): Map<K, V> {
    const name = typeof table === 'string' ? table : table.name;
    const store = this.globalTables.get(name);
    if (store === undefined) {
      const known = [...this.globalTables.keys()];
      throw new TopologyError(`the topology has no global table "${name}" (it has ${known.length === 0 ? 'none' : known.join(', ')})`);
    }
    return new Map([...store.entriesDecoded()] as [K, V][]);
  }

  private deliver(topic: string, partition: number, key: Buffer | null, value: Buffer | null, timestampMs: number, headers: RecordHeaders): void {
    const sub = this.plan.readerOf.get(topic);
    if (sub === undefined) throw new TopologyError(`no sub-topology reads topic "${topic}"`);
    const { task } = this.tasks.get(taskIdFor(sub, partition)) as DriverTask;
    const offsetKey = `${topic}/${partition}`;
    const offset = this.offsets.get(offsetKey) ?? 0n;
    this.offsets.set(offsetKey, offset + 1n);
    const record: ConsumedRecord = { key, value, timestampMs, offset: offset.toString(), headers };
    if (this.tableTopics.has(topic)) {
      const log = this.topics.get(topic) ?? [];
      log.push({ topic, partition, key, value, timestampMs, headers });
      this.topics.set(topic, log);
    }
    task.processBatch({ topic, partition, records: [record], highWatermark: null }, this.wallClockMs);
    this.flush(task);
  }

  /**
   * "Commits" a task: takes its pending work exactly as the runtime's commit protocol does (output, changelog,
   * checkpoint) and moves it to the simulated topics, feeding repartition topics back in.
   */
  private flush(task: Task): void {
    if (!task.hasPendingWork()) return;
    const payload = takeCommitPayload(task, (store) => this.plan.changelogTopics.get(store), this.wallClockMs);
    task.markCommitted(payload.offsets, payload.outputRecords, this.wallClockMs, 0);
    for (const record of payload.records) {
      const partition = record.partition ?? (record.key === null ? 0 : partitionForKey(record.key, this.partitions));
      if (this.plan.readerOf.has(record.topic)) {
        this.deliver(record.topic, partition, record.key, record.value, record.timestampMs, record.headers ?? {});
        continue;
      }
      const log = this.topics.get(record.topic) ?? [];
      log.push({ ...record, partition });
      this.topics.set(record.topic, log);
    }
  }

  /** Advances the wall clock: wall-clock timers fire; idle inputs may move the watermark and close windows. */
  advanceWallClock(ms: number): void {
    this.wallClockMs += ms;
    for (const { task } of this.tasks.values()) {
      task.tick(this.wallClockMs);
      this.flush(task);
    }
  }

  /**
   * Records written to `topic` since the last read, decoded with the topology's serdes for that sink (or
   * the serdes you pass, e.g. for the dead-letter topic).
   */
  readOutput<K, V>(topic: string, serdes?: { key: Serde<K>; value: Serde<V> }): TestRecord<K, V>[] {
    const log = this.topics.get(topic) ?? [];
    const from = this.readPositions.get(topic) ?? 0;
    this.readPositions.set(topic, log.length);
    const sink = this.sinkSerdes(topic);
    const keySerde = (serdes?.key ?? sink?.key) as Serde<K> | undefined;
    const valueSerde = (serdes?.value ?? sink?.value) as Serde<V> | undefined;
    return log.slice(from).map((r) => ({
      key: keySerde === undefined ? (r.key as K) : keySerde.deserialize(r.key, { topic, isKey: true }),
      value: valueSerde === undefined ? (r.value as V) : valueSerde.deserialize(r.value, { topic, isKey: false }),
      timestampMs: r.timestampMs,
      partition: r.partition ?? 0,
      headers: r.headers ?? {},
    }));
  }

  /** Raw records of any topic (sinks, changelogs, the dead-letter topic), without consuming them. */
  rawOutput(topic: string): readonly OutputRecord[] {
    return this.topics.get(topic) ?? [];
  }

  /**
   * Every record written to a changelog topic so far (stores and checkpoints), and every record of a topic
   * read as a table (its store's changelog), for `{ changelog }` of a new driver.
   */
  changelogRecords(): OutputRecord[] {
    const topics = new Set([...this.plan.changelogTopics.values(), ...this.tableTopics]);
    return [...this.topics].filter(([topic]) => topics.has(topic)).flatMap(([, records]) => records);
  }

  /**
   * A read view of a key-value store across the driver's tasks: a processor's (pass its definition for the
   * types) or a built-in aggregate's (`<operator name>-store`), reading what the task holds now.
   */
  store<K, V>(store: KeyValueStoreDefinition<K, V> | string): KeyValueStoreView<K, V> {
    const name = typeof store === 'string' ? store : store.name;
    return keyValueView<K, V>(name, this.storesNamed(name));
  }

  /** A read view of a window (or session) store: a processor's, or a windowed aggregate's. */
  windowStore<K, V>(store: WindowStoreDefinition<K, V> | string): WindowStoreView<K, V> {
    const name = typeof store === 'string' ? store : store.name;
    return windowView<K, V>(name, this.storesNamed(name));
  }

  private storesNamed(name: string): StateStore[] {
    const found: StateStore[] = [];
    for (const { task } of this.tasks.values()) {
      const store = task.stores.get(name);
      if (store !== undefined) found.push(store);
    }
    if (found.length === 0) {
      const known = [...this.plan.changelogTopics.keys(), ...this.plan.sourceChangelogs.keys()];
      throw new TopologyError(`the topology has no store "${name}" (it has ${known.length === 0 ? 'none' : known.join(', ')})`);
    }
    return found;
  }

  /** Current watermark of a task, e.g. `driver.watermark('0_0')`. */
  watermark(taskId: string): number {
    return (this.tasks.get(taskId) as DriverTask | undefined)?.task.watermark.current() ?? Number.MIN_SAFE_INTEGER;
  }

  /** Late records counted per task. */
  lateRecords(): number {
    let n = 0;
    for (const { task } of this.tasks.values()) n += task.lateRecords;
    return n;
  }

  private sinkSerdes(topic: string): { key: Serde<unknown>; value: Serde<unknown> } | undefined {
    for (const sub of this.plan.subtopologies) {
      for (const node of sub.nodes) if (node.type === 'sink' && node.topic === topic) return { key: node.keySerde, value: node.valueSerde };
    }
    return undefined;
  }
}
