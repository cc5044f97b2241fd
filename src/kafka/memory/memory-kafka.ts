/**
 * An in-memory Kafka cluster for unit tests of code behind the Kafka seam (src/kafka/types.ts). Each
 * `client()` is one instance's KafkaClient; all clients share the cluster's topics, groups and transaction
 * coordinator, so several application instances, zombies and rebalances can be tested in one process.
 *
 * Determinism: nothing happens on a timer except Kafka's own timeouts (transaction timeout, rebalance
 * timeout). Consumers fetch when data, seeks, resumes or rebalances wake them; `settle()` resolves once every
 * consumer has nothing left to deliver and no batch handler is running, so tests wait for that, not for time.
 *
 * Faults: `faults` arms one-shot or counted faults (see faults.ts); `fence(id)` initialises a transactional id
 * as a newer producer would; `maxMessageBytes` bounds record size.
 */
import type { ConsumedRecord, TopicPartitionOffset, TopicSpec } from '../types.ts';
import { FaultInjector } from './faults.ts';
import { MemoryClient } from './memory-client.ts';
import { MemoryGroup } from './memory-group.ts';
import { PartitionLog } from './partition-log.ts';
import { nextTurn, Signal } from './signal.ts';
import { TransactionCoordinator } from './transaction-coordinator.ts';
import type { WriteTarget } from './record-writer.ts';

export interface MemoryKafkaOptions {
  /** Largest record a partition accepts (Kafka's message.max.bytes; default 1048588). */
  readonly maxMessageBytes?: number;
  /** Bytes of records a consumer batch holds at most (at least one record; default 1 MiB, as kafkajs). */
  readonly maxBatchBytes?: number;
  /** Bytes a partition reader hands over per call at most (default 16 MiB, as the kafkajs reader). */
  readonly maxFetchBytes?: number;
  /** The broker clock, for LogAppendTime topics. Default Date.now. */
  readonly nowMs?: () => number;
}

export interface MemoryTopic {
  readonly name: string;
  readonly partitions: readonly PartitionLog[];
  readonly config: Readonly<Record<string, string>>;
  readonly maxMessageBytes: number;
  readonly logAppendTime: boolean;
}

/** Something settle() waits for: a consumer loop, a partition read. */
export interface Activity {
  /** True while it has nothing to do until something changes in the cluster. */
  readonly idle: boolean;
  describe(): string;
}

export interface ClientOptions {
  /** Shows in member ids and scopes faults; default `memory-<n>`. */
  readonly clientId?: string;
}

const DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

export class MemoryKafka implements WriteTarget {
  readonly faults = new FaultInjector();
  readonly transactions: TransactionCoordinator;
  readonly maxBatchBytes: number;
  readonly maxFetchBytes: number;
  private readonly maxMessageBytes: number;
  private readonly clock: () => number;
  private readonly topics = new Map<string, MemoryTopic>();
  private readonly groups = new Map<string, MemoryGroup>();
  private readonly watchers = new Set<() => void>();
  private readonly activities = new Set<Activity>();
  private readonly becameIdle = new Signal();
  private readonly sessionExpiries = new Set<() => void>();
  private clientCount = 0;
  private closed = false;

  constructor(options: MemoryKafkaOptions = {}) {
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.maxBatchBytes = options.maxBatchBytes ?? 1024 * 1024;
    this.maxFetchBytes = options.maxFetchBytes ?? 16 * 1024 * 1024;
    this.clock = options.nowMs ?? Date.now;
    this.transactions = new TransactionCoordinator({
      commitGroupOffsets: (groupId, offsets) => this.group(groupId).commit(offsets),
      changed: () => this.changed(),
    });
  }

  /** A KafkaClient of one instance. */
  client(options: ClientOptions = {}): MemoryClient {
    this.clientCount += 1;
    return new MemoryClient(this, options.clientId ?? `memory-${this.clientCount}`);
  }

  nowMs(): number {
    return this.clock();
  }

  // ---- topics ----------------------------------------------------------------------------------------------

  topic(name: string): MemoryTopic | undefined {
    return this.topics.get(name);
  }

  /** Creates a topic unless it exists (then false); what Admin createTopics does, synchronously, for test setup. */
  createTopic(spec: TopicSpec): boolean {
    if (this.topics.has(spec.name)) return false;
    const config = { ...spec.config };
    const maxBytes = config['max.message.bytes'];
    const topic: MemoryTopic = {
      name: spec.name,
      partitions: Array.from({ length: spec.partitions }, (_, p) => new PartitionLog(spec.name, p)),
      config,
      maxMessageBytes: maxBytes === undefined ? this.maxMessageBytes : Number(maxBytes),
      logAppendTime: config['message.timestamp.type'] === 'LogAppendTime',
    };
    this.topics.set(spec.name, topic);
    for (const group of this.groups.values()) group.topicChanged(spec.name);
    this.changed();
    return true;
  }

  deleteTopic(name: string): boolean {
    const topic = this.topics.get(name);
    if (topic === undefined) return false;
    this.topics.delete(name);
    for (const log of topic.partitions) log.deleted = true;
    for (const group of this.groups.values()) {
      group.forgetTopic(name);
      group.topicChanged(name);
    }
    this.changed();
    return true;
  }

  /** The partition's log; undefined when the topic or partition does not exist. */
  log(topic: string, partition: number): PartitionLog | undefined {
    return this.topics.get(topic)?.partitions[partition];
  }

  // ---- groups and transactions -----------------------------------------------------------------------------

  group(groupId: string): MemoryGroup {
    let group = this.groups.get(groupId);
    if (group === undefined) {
      group = new MemoryGroup(groupId, (topic) => this.topics.get(topic)?.partitions.length, () => this.changed());
      this.groups.set(groupId, group);
    }
    return group;
  }

  /** Initialises `transactionalId` as a newer producer would: fences the current one and aborts its open transaction. */
  fence(transactionalId: string): void {
    this.transactions.initProducerId(transactionalId);
  }

  epochOf(transactionalId: string): number {
    return this.transactions.epochOf(transactionalId);
  }

  /** For consumers of killed clients: how to expire their session now. */
  expireOnRequest(expire: () => void): void {
    this.sessionExpiries.add(expire);
  }

  /** Expires the sessions of every consumer of a killed client now (instead of after their session timeout). */
  expireSessions(): void {
    const expiries = [...this.sessionExpiries];
    this.sessionExpiries.clear();
    for (const expire of expiries) expire();
  }

  // ---- inspection for tests --------------------------------------------------------------------------------

  /** What a read_committed reader sees in the partition now (from the log start to the LSO). */
  readCommitted(topic: string, partition = 0): ConsumedRecord[] {
    const log = this.requireLog(topic, partition);
    return log.readCommitted(log.logStartOffset, log.lastStableOffset, Number.POSITIVE_INFINITY).records;
  }

  /** Every record written to the partition, committed, open or aborted (read_uncommitted). */
  readUncommitted(topic: string, partition = 0): ConsumedRecord[] {
    return this.requireLog(topic, partition).readUncommitted();
  }

  /** The group's committed offset of a partition, undefined when none. */
  committedOffset(groupId: string, topic: string, partition: number): string | undefined {
    const offset = this.groups.get(groupId)?.committedOffset(topic, partition);
    return offset === undefined ? undefined : String(offset);
  }

  /** The group's committed offsets of every partition of the topic that has one. */
  committedOffsets(groupId: string, topic: string): TopicPartitionOffset[] {
    const count = this.topics.get(topic)?.partitions.length ?? 0;
    const result: TopicPartitionOffset[] = [];
    for (let partition = 0; partition < count; partition++) {
      const offset = this.committedOffset(groupId, topic, partition);
      if (offset !== undefined) result.push({ topic, partition, offset });
    }
    return result;
  }

  private requireLog(topic: string, partition: number): PartitionLog {
    const log = this.log(topic, partition);
    if (log === undefined) throw new RangeError(`${topic}/${partition} does not exist in the memory cluster`);
    return log;
  }

  // ---- waking and settling ---------------------------------------------------------------------------------

  /** Calls `wake` after every change (records, markers, offsets, groups, topics) until the returned function is called. */
  watch(wake: () => void): () => void {
    this.watchers.add(wake);
    return () => {
      this.watchers.delete(wake);
    };
  }

  changed(): void {
    for (const wake of [...this.watchers]) wake();
  }

  track(activity: Activity): () => void {
    this.activities.add(activity);
    return () => {
      this.activities.delete(activity);
      this.becameIdle.notify();
    };
  }

  /** For activities: tell settle() to look again. */
  noteIdle(): void {
    this.becameIdle.notify();
  }

  /**
   * Resolves once every consumer is idle: nothing deliverable in its unpaused partitions, no batch handler
   * running, no rebalance under way (and stays so for a couple of event-loop turns). Rejects after `timeoutMs`
   * naming what is still busy.
   */
  async settle(options: { timeoutMs?: number } = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? 30_000;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      this.becameIdle.notify();
    }, timeoutMs);
    try {
      let quietTurns = 0;
      for (;;) {
        await nextTurn();
        const busy = [...this.activities].filter((a) => !a.idle);
        if (busy.length === 0) {
          if (++quietTurns >= 3) return;
          continue;
        }
        quietTurns = 0;
        if (timedOut) throw new Error(`the memory cluster did not settle within ${timeoutMs} ms: busy: ${busy.map((a) => a.describe()).join('; ')}`);
        await this.becameIdle.wait();
      }
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops Kafka's own timers (transaction and rebalance timeouts). Clients keep working; nothing times out. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.transactions.close();
    for (const group of this.groups.values()) group.close();
  }
}
