/**
 * The Kafka seam. Only src/kafka/ imports a Kafka client; everything else talks to these interfaces, small
 * enough that a second client could implement them (test/integration/kafka/adapter-conformance.test.ts is the
 * suite every implementation must pass against a real broker).
 */

export interface RecordHeaders {
  readonly [name: string]: Buffer | string | undefined;
}

/** A record read from Kafka. Timestamps are numbers (ms) converted once at the boundary. */
export interface ConsumedRecord {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly timestampMs: number;
  /** Offsets stay strings: int64 does not fit a JS number in general. */
  readonly offset: string;
  readonly headers: RecordHeaders;
}

/** A contiguous run of records from one partition, in offset order. */
export interface InputBatch {
  readonly topic: string;
  readonly partition: number;
  readonly records: readonly ConsumedRecord[];
  /** The partition's high watermark when the batch was fetched (for lag); null when unknown. */
  readonly highWatermark: string | null;
}

/** A record to write. `partition` is explicit for changelogs; otherwise chosen from the key (murmur2, as the Java client). */
export interface OutputRecord {
  readonly topic: string;
  readonly partition?: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly timestampMs: number;
  readonly headers?: RecordHeaders;
}

export interface TopicPartitionOffset {
  readonly topic: string;
  readonly partition: number;
  /** The next offset to read (last processed + 1). */
  readonly offset: string;
}

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** The partitions assigned to this member after a group join; the truth for task creation and closing. */
export interface Assignment {
  /**
   * Increases with every join of this consumer (1, 2, ...). kafkajs does not expose the group's generation id, so
   * this is not necessarily the broker's number: compare it only with other assignments of the same consumer.
   */
  readonly generationId: number;
  readonly memberId: string;
  readonly partitions: readonly TopicPartition[];
  /**
   * The member as the group coordinator knows it (its generation id), when the adapter can tell: what a
   * transaction shared by all of this member's tasks sends with its offsets, so the coordinator refuses the
   * commit of a member the group has moved on from (KIP-447).
   */
  readonly member?: GroupMember;
}

/** A consumer-group member in one generation, as TxnOffsetCommit v3+ carries it. */
export interface GroupMember {
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
}

export interface BatchControls {
  /** Keeps the group session alive during long work (restore). Never throws: when it fails, isRunning() turns false. */
  heartbeat(): Promise<void>;
  /** False once the consumer is stopping or the batch is stale after a rebalance. */
  isRunning(): boolean;
}

export interface GroupConsumerOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly sessionTimeoutMs: number;
  readonly rebalanceTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  /** Longest a fetch waits for data; bounds latency when traffic is light. */
  readonly maxWaitMs: number;
  readonly fromBeginning: boolean;
}

/** A consumer-group member reading read_committed, never auto-committing. */
export interface GroupConsumer {
  connect(): Promise<void>;
  /** Starts the fetch loop; `onBatch` calls are serialized (one partition batch at a time). */
  run(onBatch: (batch: InputBatch, controls: BatchControls) => Promise<void>): Promise<void>;
  /** Called synchronously after every successful group join with the new assignment. */
  onAssignment(listener: (assignment: Assignment) => void): void;
  /** Called when the consumer crashes (the fetch loop stopped with an error it will not retry). */
  onCrash(listener: (error: Error) => void): void;
  /**
   * Optional: called with 'rejoining' when the consumer lost its group session on a broker error and is starting
   * over (its assignment is in doubt until the next onAssignment), and with 'in-group' after the next join.
   */
  onMembershipChange?(listener: (membership: 'in-group' | 'rejoining') => void): void;
  /**
   * Optional: runs `hook` before each rejoin of the group, before the coordinator can start the next generation
   * (the eager protocol's "partitions revoked"). The hook must not throw. Returns the function that removes it.
   */
  beforeRejoin?(hook: () => Promise<void>): () => void;
  /** Next fetch of that partition starts at `offset`. */
  seek(position: TopicPartitionOffset): void;
  pause(partitions: readonly TopicPartition[]): void;
  resume(partitions: readonly TopicPartition[]): void;
  /** Committed offsets of this group (at-least-once commits and restarts). */
  commitOffsets(offsets: readonly TopicPartitionOffset[]): Promise<void>;
  /** Stops fetching and leaves the group. */
  disconnect(): Promise<void>;
}

/** One open transaction. */
export interface Transaction {
  send(records: readonly OutputRecord[]): Promise<void>;
  /**
   * With `member`, the coordinator accepts the offsets only from that member in that generation (ILLEGAL_GENERATION,
   * UNKNOWN_MEMBER_ID otherwise): a transaction shared by several tasks is fenced by the group, not by its id.
   */
  sendOffsets(groupId: string, offsets: readonly TopicPartitionOffset[], member?: GroupMember): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/**
 * A producer with a transactional id. `connect` initialises the id, which fences any older producer (a
 * zombie) using the same id. After a failed commit or abort the implementation recovers by itself (a new
 * underlying producer), so `begin` always works again unless the producer was fenced, in which case every
 * call fails with TaskMigratedError.
 */
export interface TransactionalProducer {
  readonly transactionalId: string;
  /**
   * With a scope: first ends whatever an earlier producer of the id left open on those partitions and on the
   * group's offsets that the coordinator no longer knows of (a commit acknowledged by a broker shutting down whose
   * markers it never wrote; src/kafka/kafkajs/leftover-abort.ts), so this producer's first commit cannot commit it.
   */
  connect(scope?: TransactionScope): Promise<void>;
  begin(): Promise<Transaction>;
  disconnect(): Promise<void>;
}

/** Every partition a task's transactions may write, and the group whose offsets they carry. */
export interface TransactionScope {
  readonly partitions: readonly TopicPartition[];
  readonly groupId: string;
}

/** An idempotent, non-transactional producer (at-least-once). */
export interface Producer {
  connect(): Promise<void>;
  send(records: readonly OutputRecord[]): Promise<void>;
  disconnect(): Promise<void>;
}

export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  readonly config?: Readonly<Record<string, string>>;
}

export interface TopicInfo {
  readonly name: string;
  readonly partitions: number;
}

export interface PartitionOffsets {
  readonly partition: number;
  /** Earliest available offset. */
  readonly low: string;
  /**
   * The read_committed end: the last stable offset (LSO), i.e. the first offset of the oldest open transaction, or
   * the high watermark when none is open. Reading [low, high) never waits for an open transaction. Markers count:
   * high - low is not a record count. Just after a commit returns, high may not include it yet: the commit's
   * markers are written a moment later.
   */
  readonly high: string;
}

export interface Admin {
  connect(): Promise<void>;
  /** Topics that exist, with partition counts; missing names are simply absent from the result. */
  describeTopics(names: readonly string[]): Promise<Map<string, TopicInfo>>;
  /** Creates topics that do not exist; existing ones are left alone (the caller validates them). */
  createTopics(specs: readonly TopicSpec[]): Promise<void>;
  /** Offsets per partition of a topic. */
  topicOffsets(topic: string): Promise<PartitionOffsets[]>;
  /**
   * Committed offsets of a group for a topic: partition → next offset ('-1' when none). With `requireStable`,
   * waits while a transaction holding offsets of the group for the topic is still open, so the answer never
   * predates a commit under way (a task taking over from a member that shares one transaction over its tasks).
   */
  committedOffsets(groupId: string, topic: string, options?: { readonly requireStable?: boolean }): Promise<Map<number, string>>;
  deleteTopics(names: readonly string[]): Promise<void>;
  /** Deletes the records of each partition below `offset` (DeleteRecords): frees repartition topics once consumed. */
  deleteRecordsBefore(topic: string, partitions: readonly { partition: number; offset: string }[]): Promise<void>;
  disconnect(): Promise<void>;
}

/** A plain consumer assigned to explicit partitions (no group): used to restore changelogs and in tests. */
export interface PartitionReader {
  /**
   * Reads `topic`/`partition` from `fromOffset` (inclusive) up to `toOffset` (exclusive), read_committed. Ends as
   * soon as nothing committed is left below `toOffset` (the range may end in markers or aborted records); waits
   * while an open transaction lies below it, so take `toOffset` from Admin `high`.
   */
  read(
    position: { topic: string; partition: number; fromOffset: string; toOffset: string },
    onRecords: (records: readonly ConsumedRecord[]) => void | Promise<void>,
  ): Promise<void>;
  /**
   * One read_committed fetch of `topic`/`partition` at `offset`, for a reader that follows a partition with its
   * own position and no group (global tables). Returns the committed records from `offset` on (up to one
   * fetch's bytes); when none is readable there yet, waits up to `maxWaitMs` for some and may return none.
   * `nextOffset` is where the next fetch starts: past the records, markers and aborted records looked at.
   * An offset outside the partition's log fails with OffsetOutOfRangeError. Calls on one reader may not overlap.
   */
  fetch(position: TopicPartitionOffset, options: { readonly maxWaitMs: number }): Promise<PartitionFetch>;
  disconnect(): Promise<void>;
}

/** What one PartitionReader fetch returned. */
export interface PartitionFetch {
  /** Committed data records at or after the requested offset, in offset order; may be empty. */
  readonly records: readonly ConsumedRecord[];
  /** The next offset to fetch (the requested one when nothing was passed). */
  readonly nextOffset: string;
  /** The partition's read_committed end (last stable offset) when the broker answered. */
  readonly lastStableOffset: string;
}

export interface KafkaConnection {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly ssl?: { readonly ca?: string } | boolean;
  readonly sasl?: { readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; readonly username: string; readonly password: string };
  readonly connectionTimeoutMs?: number;
}

export interface TransactionalProducerOptions {
  readonly transactionalId: string;
  readonly transactionTimeoutMs: number;
}

/** Entry point of an adapter. */
export interface KafkaClient {
  consumer(options: GroupConsumerOptions): GroupConsumer;
  transactionalProducer(options: TransactionalProducerOptions): TransactionalProducer;
  producer(): Producer;
  admin(): Admin;
  partitionReader(): PartitionReader;
}
