/**
 * GroupConsumer on a kafkajs consumer: read_committed, never auto-committing, one partition batch at a time.
 *
 * - Assignment: kafkajs has no rebalance listener; its GROUP_JOIN event fires synchronously inside every
 *   successful join + sync, with the member's new assignment, before any fetch of the new generation. kafkajs
 *   does not expose the group's generation id, so `Assignment.generationId` counts this consumer's joins
 *   (1, 2, 3, ...): monotonic per consumer, not the broker's number.
 * - Positions: with autoCommit and auto-resolve off, kafkajs fetches the next batch from the last *resolved*
 *   offset. A batch is resolved (through its control records) only when `onBatch` returned normally and the
 *   batch is still current: no seek of that partition and no new join since it was fetched.
 * - Errors thrown by `onBatch` stop the consumer without kafkajs's retry (which would redeliver a half-processed
 *   batch) and without its restart; `onCrash` listeners get the handler's own error. Crashes kafkajs restarts
 *   itself (retriable broker errors) are logged, not reported: the restart joins again and fires onAssignment.
 *   Crashes kafkajs does not restart although a broker restart or outage caused them (it calls "coordinator not
 *   found" and "connection closed" non-retriable) are restarted here with backoff, on a fresh kafkajs consumer;
 *   only credentials and permissions errors (isPermanentConsumerError) reach `onCrash`.
 */
import kafkajs, { type Consumer, type EachBatchPayload, type Kafka } from 'kafkajs';
import { KafkaError } from '../../errors/index.ts';
import type { KafkaLogger } from '../logger.ts';
import type {
  Assignment,
  BatchControls,
  GroupConsumer,
  GroupConsumerOptions,
  InputBatch,
  TopicPartition,
  TopicPartitionOffset,
} from '../types.ts';
import { copartitionedAssigner } from './copartitioned-assigner.ts';
import { beforeJoin, generationOf, installGenerationCapture } from './group-generation.ts';
import { installFetchAbortedFilter } from './fetch-response-patch.ts';
import { describeError, hasErrorType, toKafkaError } from '../client-errors.ts';
import { toConsumedRecords } from './records.ts';

type ConsumerState = 'created' | 'connected' | 'running' | 'stopping' | 'stopped' | 'crashed';

// kafkajs is CommonJS and spreads its error classes into module.exports: Node's ESM loader cannot see them as
// named exports, only on the default (module.exports) object.
const { KafkaJSNonRetriableError } = kafkajs;

const TRANSITIONS: Record<ConsumerState, readonly ConsumerState[]> = {
  created: ['connected', 'stopping'],
  connected: ['running', 'stopping'],
  running: ['stopping', 'crashed'],
  stopping: ['stopped'],
  stopped: [],
  crashed: ['stopping'],
};

/** Backoff of this adapter's own restarts after kafkajs gave up on a broker error. */
const RESTART_INITIAL_MS = 500;
const RESTART_MAX_MS = 15_000;

/**
 * Errors no restart can cure: credentials and permissions. Everything else that stops the consumer outside the
 * batch handler comes from the cluster's state (outage, restart, coordinator moving) and is retried.
 */
function isPermanentConsumerError(error: unknown): boolean {
  if (hasErrorType(error, 'SASL_AUTHENTICATION_FAILED', 'UNSUPPORTED_SASL_MECHANISM', 'ILLEGAL_SASL_STATE', 'TOPIC_AUTHORIZATION_FAILED', 'GROUP_AUTHORIZATION_FAILED', 'CLUSTER_AUTHORIZATION_FAILED', 'INVALID_GROUP_ID', 'INCONSISTENT_GROUP_PROTOCOL')) return true;
  for (let e: unknown = error; e instanceof Error; e = (e as { cause?: unknown }).cause) {
    if (e.name === 'KafkaJSSASLAuthenticationError') return true;
  }
  return false;
}

/** Retries for the fetch loop and group calls before kafkajs gives up (it may then restart, see above). */
const CONSUMER_RETRY = { initialRetryTime: 100, maxRetryTime: 5_000, retries: 8 } as const;

export class KafkajsConsumer implements GroupConsumer {
  private consumer: Consumer;
  private onBatch: ((batch: InputBatch, controls: BatchControls) => Promise<void>) | undefined;
  /** Restarts of the kafkajs consumer by this adapter in a row (reset by a successful join). */
  private restarts = 0;
  private rejoining = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private state: ConsumerState = 'created';
  private joins = 0;
  private readonly assignmentListeners: ((assignment: Assignment) => void)[] = [];
  private readonly crashListeners: ((error: Error) => void)[] = [];
  private readonly membershipListeners: ((membership: 'in-group' | 'rejoining') => void)[] = [];
  /** Partitions paused through this object, re-applied after kafkajs restarts its group session. */
  private readonly paused = new Map<string, Set<number>>();
  /** "topic\u0000partition" of the latest assignment. */
  private assigned = new Set<string>();
  /** Set when onBatch threw: the consumer stops and reports this error, without retry or restart. */
  private handlerError: Error | undefined;
  /** "topic\u0000partition" -> the offset of its last commit kafkajs reported (COMMIT_OFFSETS) as done. */
  private readonly committed = new Map<string, string>();

  constructor(
    private readonly kafka: Kafka,
    private readonly options: GroupConsumerOptions,
    private readonly logger: KafkaLogger,
  ) {
    // kafkajs's own aborted-transaction filter can leak aborted records; see read-committed-filter.ts.
    installFetchAbortedFilter();
    installGenerationCapture();
    this.consumer = this.createKafkajsConsumer();
  }

  private createKafkajsConsumer(): Consumer {
    const consumer = this.kafka.consumer({
      groupId: this.options.groupId,
      partitionAssigners: [copartitionedAssigner(() => [...new Set([...this.assigned].map((tp) => Number(tp.split('\u0000')[1])))])],
      sessionTimeout: this.options.sessionTimeoutMs,
      rebalanceTimeout: this.options.rebalanceTimeoutMs,
      heartbeatInterval: this.options.heartbeatIntervalMs,
      maxWaitTimeInMs: this.options.maxWaitMs,
      allowAutoTopicCreation: false,
      readUncommitted: false,
      retry: { ...CONSUMER_RETRY, restartOnFailure: async () => this.handlerError === undefined },
    });
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      if (consumer === this.consumer) this.onGroupJoin(event.payload.memberId, event.payload.memberAssignment);
    });
    // kafkajs returns from commitOffsets without committing when its fetch loop is between a crash and its
    // restart; only this event says a commit reached the coordinator.
    consumer.on(consumer.events.COMMIT_OFFSETS, (event) => {
      for (const { topic, partitions } of event.payload.topics) {
        for (const { partition, offset } of partitions) this.committed.set(`${topic}\u0000${partition}`, String(offset));
      }
    });
    consumer.on(consumer.events.CRASH, (event) => {
      if (consumer === this.consumer) this.onKafkajsCrash(event.payload.error, event.payload.restart);
    });
    return consumer;
  }

  private transitionTo(next: ConsumerState): void {
    if (!TRANSITIONS[this.state].includes(next)) {
      throw new KafkaError(`consumer of group ${this.options.groupId}: cannot go from ${this.state} to ${next}`);
    }
    this.state = next;
  }

  /** May be called again after it failed (startup retries while the brokers are unreachable). */
  async connect(): Promise<void> {
    try {
      await this.consumer.connect();
    } catch (error) {
      throw toKafkaError(error, `connecting the consumer of group ${this.options.groupId}`);
    }
    this.transitionTo('connected');
  }

  async run(onBatch: (batch: InputBatch, controls: BatchControls) => Promise<void>): Promise<void> {
    this.transitionTo('running');
    this.onBatch = onBatch;
    const what = `starting the consumer of group ${this.options.groupId} on ${this.options.topics.join(', ')}`;
    try {
      await this.subscribeAndRun(onBatch);
    } catch (error) {
      if (isPermanentConsumerError(error) || this.handlerError !== undefined) throw toKafkaError(error, what);
      // The first join failed on the cluster's state (a broker restarting): start over as after a crash.
      await this.consumer.disconnect().catch(() => undefined);
      this.onKafkajsCrash(error instanceof Error ? error : new Error(String(error)), false);
    }
  }

  /** Subscribes the current kafkajs consumer and starts its fetch loop (no auto-commit, one batch at a time). */
  private async subscribeAndRun(onBatch: (batch: InputBatch, controls: BatchControls) => Promise<void>): Promise<void> {
    await this.consumer.subscribe({ topics: [...this.options.topics], fromBeginning: this.options.fromBeginning });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: (payload) => this.eachBatch(payload, onBatch),
    });
  }

  private async eachBatch(
    payload: EachBatchPayload,
    onBatch: (batch: InputBatch, controls: BatchControls) => Promise<void>,
  ): Promise<void> {
    const { batch } = payload;
    // kafkajs already skips batches left empty by read_committed filtering (and resolves past them).
    if (batch.messages.length === 0) return;
    // With several brokers, one fetcher can rejoin the group while another's batch waits: drop a batch of a
    // partition this member no longer owns (unresolved, so nothing moves).
    if (!this.assigned.has(`${batch.topic}\u0000${batch.partition}`)) return;
    const joinsAtFetch = this.joins;
    let heartbeatError: unknown;
    const isCurrent = () => this.joins === joinsAtFetch && payload.isRunning() && !payload.isStale();
    const controls: BatchControls = {
      // Never throws: a failed heartbeat (rebalance, expired session) makes isRunning() false, and the error is
      // handed back to kafkajs once onBatch returns, so kafkajs rejoins the group as usual.
      heartbeat: async () => {
        if (heartbeatError !== undefined) return;
        try {
          await payload.heartbeat();
        } catch (error) {
          heartbeatError = error;
          this.logger.info({ groupId: this.options.groupId, err: describeError(error) }, 'heartbeat failed during a batch; the batch is stale');
        }
      },
      isRunning: () => heartbeatError === undefined && this.state === 'running' && isCurrent(),
    };
    const input: InputBatch = {
      topic: batch.topic,
      partition: batch.partition,
      records: toConsumedRecords(batch.messages),
      highWatermark: batch.highWatermark ?? null,
    };
    try {
      await onBatch(input, controls);
    } catch (error) {
      this.handlerError = error instanceof Error ? error : new Error(String(error));
      throw new KafkaJSNonRetriableError(`the batch handler failed on ${batch.topic}/${batch.partition}: ${this.handlerError.message}`);
    }
    if (heartbeatError !== undefined) throw heartbeatError;
    if (isCurrent()) payload.resolveOffset(batch.lastOffset());
  }

  beforeRejoin(hook: () => Promise<void>): () => void {
    return beforeJoin(this.options.groupId, hook);
  }

  private onGroupJoin(memberId: string, memberAssignment: Record<string, number[]>): void {
    this.joins += 1;
    if (this.restarts > 0) this.logger.info({ groupId: this.options.groupId, attempts: this.restarts }, 'the consumer is back in the group');
    this.restarts = 0;
    this.setRejoining(false);
    const partitions: TopicPartition[] = [];
    for (const topic of Object.keys(memberAssignment).sort()) {
      for (const partition of [...(memberAssignment[topic] ?? [])].sort((a, b) => a - b)) partitions.push({ topic, partition });
    }
    this.assigned = new Set(partitions.map(({ topic, partition }) => `${topic}\u0000${partition}`));
    // kafkajs keeps pauses across rejoins of one session but forgets them when it restarts after a crash.
    for (const [topic, paused] of this.paused) {
      if (paused.size > 0) this.consumer.pause([{ topic, partitions: [...paused] }]);
    }
    const generation = generationOf(memberId);
    const member = generation === undefined ? {} : { member: { generationId: generation, memberId, groupInstanceId: null } };
    const assignment: Assignment = { generationId: this.joins, memberId, partitions, ...member };
    for (const listener of this.assignmentListeners) {
      try {
        listener(assignment);
      } catch (error) {
        // Thrown into kafkajs's join, it would crash the consumer with a confusing error; report it instead (the
        // owner is expected to disconnect).
        this.logger.error({ groupId: this.options.groupId, err: error }, 'an assignment listener threw');
        this.reportCrash(error instanceof Error ? error : new Error(String(error)));
      }
    }
  }

  private onKafkajsCrash(error: Error, restart: boolean): void {
    if (restart) {
      this.logger.warn({ groupId: this.options.groupId, err: describeError(error) }, 'the consumer crashed; kafkajs restarts it');
      this.setRejoining(true);
      return;
    }
    if (this.handlerError !== undefined || isPermanentConsumerError(error)) {
      this.reportCrash(this.handlerError ?? toKafkaError(error, `the consumer of group ${this.options.groupId}`));
      return;
    }
    // kafkajs gives up on errors it calls non-retriable that a broker restart or outage produces (coordinator
    // not found, connections closed while it rejoins). The member's tasks stay with the runtime, which sees the
    // next assignment; the consumer starts over with backoff until the broker is back.
    this.restarts += 1;
    this.setRejoining(true);
    const delayMs = Math.min(RESTART_MAX_MS, RESTART_INITIAL_MS * 2 ** Math.min(this.restarts - 1, 10));
    this.logger.warn({ groupId: this.options.groupId, err: describeError(error), attempt: this.restarts, retryInMs: delayMs }, 'the consumer stopped on a broker error; starting it again');
    this.restartTimer = setTimeout(() => void this.restart(), delayMs);
  }

  private async restart(): Promise<void> {
    this.restartTimer = undefined;
    if (this.state !== 'running' || this.onBatch === undefined) return;
    const onBatch = this.onBatch;
    this.consumer = this.createKafkajsConsumer();
    try {
      await this.consumer.connect();
      await this.subscribeAndRun(onBatch);
    } catch (error) {
      await this.consumer.disconnect().catch(() => undefined);
      this.onKafkajsCrash(error instanceof Error ? error : new Error(String(error)), false);
    }
  }

  private reportCrash(error: Error): void {
    if (this.state !== 'running') return;
    this.transitionTo('crashed');
    for (const listener of this.crashListeners) {
      try {
        listener(error);
      } catch (listenerError) {
        this.logger.error({ groupId: this.options.groupId, err: listenerError }, 'a crash listener threw');
      }
    }
  }

  onAssignment(listener: (assignment: Assignment) => void): void {
    this.assignmentListeners.push(listener);
  }

  onCrash(listener: (error: Error) => void): void {
    this.crashListeners.push(listener);
  }

  onMembershipChange(listener: (membership: 'in-group' | 'rejoining') => void): void {
    this.membershipListeners.push(listener);
  }

  /** Tells membership listeners once per change: lost the group session (crashed, restarting) / joined again. */
  private setRejoining(rejoining: boolean): void {
    if (this.rejoining === rejoining) return;
    this.rejoining = rejoining;
    this.notifyMembership(rejoining ? 'rejoining' : 'in-group');
  }

  private notifyMembership(membership: 'in-group' | 'rejoining'): void {
    for (const listener of this.membershipListeners) {
      try {
        listener(membership);
      } catch (error) {
        this.logger.error({ groupId: this.options.groupId, err: error }, 'a membership listener threw');
      }
    }
  }

  seek(position: TopicPartitionOffset): void {
    try {
      this.consumer.seek({ topic: position.topic, partition: position.partition, offset: position.offset });
    } catch (error) {
      throw toKafkaError(error, `seeking ${position.topic}/${position.partition} to ${position.offset}`, position);
    }
  }

  /** Pauses fetching of these partitions until `resume`, across rejoins; allowed before `run` too. */
  pause(partitions: readonly TopicPartition[]): void {
    const byTopic = groupByTopic(partitions);
    for (const [topic, numbers] of byTopic) {
      const paused = this.paused.get(topic) ?? new Set<number>();
      for (const partition of numbers) paused.add(partition);
      this.paused.set(topic, paused);
    }
    this.applyToKafkajs('pause', byTopic);
  }

  resume(partitions: readonly TopicPartition[]): void {
    const byTopic = groupByTopic(partitions);
    for (const [topic, numbers] of byTopic) {
      const paused = this.paused.get(topic);
      for (const partition of numbers) paused?.delete(partition);
    }
    this.applyToKafkajs('resume', byTopic);
  }

  /**
   * kafkajs keeps pause state in its group session, which exists from `run` on (and not while it restarts after
   * a crash). Without one, `this.paused` alone is the truth and the next join applies it.
   */
  private applyToKafkajs(action: 'pause' | 'resume', byTopic: Map<string, number[]>): void {
    if (this.state !== 'running' || this.joins === 0) return;
    const topicPartitions = [...byTopic].map(([topic, numbers]) => ({ topic, partitions: numbers }));
    try {
      if (action === 'pause') this.consumer.pause(topicPartitions);
      else this.consumer.resume(topicPartitions);
    } catch (error) {
      this.logger.debug({ groupId: this.options.groupId, err: describeError(error) }, `${action} deferred to the next group join`);
    }
  }

  async commitOffsets(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    if (offsets.length === 0) return;
    // kafkajs silently skips the commit when its fetch loop is not running; say so instead.
    if (this.state !== 'running') {
      throw new KafkaError(`cannot commit offsets of group ${this.options.groupId}: the consumer is ${this.state}`);
    }
    try {
      await this.consumer.commitOffsets(offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset })));
    } catch (error) {
      throw toKafkaError(error, `committing offsets of group ${this.options.groupId}`);
    }
    const skipped = offsets.filter(({ topic, partition, offset }) => this.committed.get(`${topic}\u0000${partition}`) !== String(offset));
    if (skipped.length > 0) {
      const what = skipped.map(({ topic, partition, offset }) => `${topic}/${partition}@${offset}`).join(', ');
      throw new KafkaError(`offsets of group ${this.options.groupId} were not committed (${what}): the consumer is rejoining the group; the work is repeated from the last commit`, { retriable: true });
    }
  }

  /** Stops fetching (waiting for the batch in flight), sends LeaveGroup so the group rebalances at once, closes. */
  async disconnect(): Promise<void> {
    if (this.state === 'stopping' || this.state === 'stopped') return;
    this.transitionTo('stopping');
    if (this.restartTimer !== undefined) clearTimeout(this.restartTimer);
    try {
      await this.consumer.disconnect();
    } catch (error) {
      throw toKafkaError(error, `disconnecting the consumer of group ${this.options.groupId}`);
    } finally {
      this.transitionTo('stopped');
    }
  }
}

function groupByTopic(partitions: readonly TopicPartition[]): Map<string, number[]> {
  const byTopic = new Map<string, number[]>();
  for (const { topic, partition } of partitions) {
    const numbers = byTopic.get(topic);
    if (numbers === undefined) byTopic.set(topic, [partition]);
    else numbers.push(partition);
  }
  return byTopic;
}
