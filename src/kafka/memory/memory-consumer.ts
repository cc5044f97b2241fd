/**
 * GroupConsumer on the memory cluster: a member of a MemoryGroup, reading read_committed, never auto-committing,
 * one partition batch at a time, with the kafkajs adapter's observable behaviour:
 *
 * - run() joins the group and resolves after the first assignment; onAssignment listeners are called
 *   synchronously when each rebalance completes, before any fetch of the new generation.
 * - Positions: from a seek, else the group's committed offset, else the earliest (fromBeginning) or the last
 *   stable offset. A position outside the log (below a DeleteRecords, past the end) is reset the same way, as
 *   Kafka's auto.offset.reset. A batch moves the position past it (and past trailing markers and aborted
 *   records) only when the handler returned normally and the batch is still current: same generation, no
 *   rebalance under way, no seek of that partition since the fetch. After a rebalance positions are re-read.
 * - A rebalance makes a running batch stale at once (isRunning() false, heartbeat() marks it failed).
 * - A handler that throws stops the consumer: it leaves the group, onCrash listeners get the handler's own
 *   error, and the batch is not redelivered.
 * The loop is woken by cluster changes, seeks, resumes and rebalances: no polling, no timers.
 * When its client is killed (MemoryClient.kill) the consumer goes silent: no more batches, no LeaveGroup; the
 * group drops it when its session times out (or at MemoryKafka.expireSessions()).
 */
import { KafkaError } from '../../errors/index.ts';
import { toKafkaError } from '../client-errors.ts';
import type {
  Assignment,
  BatchControls,
  ConsumedRecord,
  GroupConsumer,
  GroupConsumerOptions,
  InputBatch,
  TopicPartition,
  TopicPartitionOffset,
} from '../types.ts';
import { MemoryBrokerError } from './broker-error.ts';
import type { ClientLink } from './client-link.ts';
import type { GroupMember, MemoryGroup } from './memory-group.ts';
import type { MemoryKafka } from './memory-kafka.ts';
import type { PartitionLog } from './partition-log.ts';
import { nextTurn, Signal } from './signal.ts';

type ConsumerState = 'created' | 'connected' | 'running' | 'stopping' | 'stopped' | 'crashed';

const TRANSITIONS: Record<ConsumerState, readonly ConsumerState[]> = {
  created: ['connected', 'stopping'],
  connected: ['running', 'stopping'],
  running: ['stopping', 'crashed'],
  stopping: ['stopped'],
  stopped: [],
  crashed: ['stopping'],
};

/** What the loop is doing, for settle(): only 'idle' (nothing deliverable) and a stopped loop count as quiet. */
type LoopActivity = 'starting' | 'joining' | 'fetching' | 'handling' | 'idle';

interface Fetched {
  readonly topic: string;
  readonly partition: number;
  readonly key: string;
  readonly records: ConsumedRecord[];
  readonly next: number;
  readonly highWatermark: number;
}

const keyOf = (topic: string, partition: number) => `${topic}\u0000${partition}`;
const OFFSET = /^\d+$/;

export class MemoryConsumer implements GroupConsumer, GroupMember {
  readonly topics: readonly string[];
  readonly rebalanceTimeoutMs: number;
  private state: ConsumerState = 'created';
  private readonly group: MemoryGroup;
  private inGroup = false;
  private generation = 0;
  private assignment: readonly TopicPartition[] = [];
  private readonly positions = new Map<string, number>();
  private readonly seeks = new Map<string, number>();
  private readonly seekCounts = new Map<string, number>();
  private readonly paused = new Set<string>();
  private cursor = 0;
  private readonly wake = new Signal();
  private activity: LoopActivity = 'starting';
  private loop: Promise<void> | undefined;
  private stopTracking: (() => void)[] = [];
  private readonly assignmentListeners: ((assignment: Assignment) => void)[] = [];
  private readonly crashListeners: ((error: Error) => void)[] = [];

  constructor(
    private readonly cluster: MemoryKafka,
    private readonly options: GroupConsumerOptions,
    private readonly link: ClientLink,
    readonly memberId: string,
  ) {
    this.topics = [...options.topics];
    this.rebalanceTimeoutMs = options.rebalanceTimeoutMs;
    this.group = cluster.group(options.groupId);
  }

  private transitionTo(next: ConsumerState): void {
    if (!TRANSITIONS[this.state].includes(next)) {
      throw new KafkaError(`consumer of group ${this.options.groupId}: cannot go from ${this.state} to ${next}`);
    }
    this.state = next;
  }

  /** May be called again after it failed, as on the kafkajs adapter. */
  async connect(): Promise<void> {
    await nextTurn();
    try {
      this.link.check();
    } catch (error) {
      throw toKafkaError(error, `connecting the consumer of group ${this.options.groupId}`);
    }
    this.transitionTo('connected');
  }

  async run(onBatch: (batch: InputBatch, controls: BatchControls) => Promise<void>): Promise<void> {
    this.transitionTo('running');
    const isIdle = () => this.state !== 'running' || this.activity === 'idle';
    this.stopTracking = [
      this.cluster.track({
        get idle() {
          return isIdle();
        },
        describe: () => `consumer ${this.memberId} of group ${this.options.groupId} (${this.activity})`,
      }),
      this.cluster.watch(() => this.wake.notify()),
    ];
    await nextTurn();
    if (this.state !== 'running') return;
    try {
      this.link.check();
    } catch (error) {
      throw toKafkaError(error, `starting the consumer of group ${this.options.groupId} on ${this.topics.join(', ')}`);
    }
    this.link.onCut(() => this.connectionLost());
    this.inGroup = true;
    this.group.join(this);
    this.loop = this.runLoop(onBatch);
    // As kafkajs's run(), resolve once the first join completed.
    while (this.state === 'running' && this.generation === 0 && !this.link.cut) await this.wake.wait();
  }

  /** The client was killed: stop, and let the group drop this member when its session times out. */
  private connectionLost(): void {
    this.wake.notify();
    if (!this.inGroup) return;
    const expire = () => {
      clearTimeout(timer);
      if (!this.inGroup) return;
      this.inGroup = false;
      this.group.leave(this.memberId);
    };
    const timer = setTimeout(expire, this.options.sessionTimeoutMs);
    timer.unref();
    this.cluster.expireOnRequest(expire);
  }

  private async runLoop(onBatch: (batch: InputBatch, controls: BatchControls) => Promise<void>): Promise<void> {
    try {
      while (this.state === 'running' && !this.link.cut) {
        if (!this.inGroup) {
          this.inGroup = true;
          this.group.join(this);
          continue;
        }
        if (this.group.awaitsRejoinOf(this.memberId)) {
          this.group.rejoin(this.memberId);
          continue;
        }
        if (this.group.state !== 'stable' || this.generation !== this.group.generationId) {
          await this.sleep('joining');
          continue;
        }
        const fetched = this.fetchNext();
        if (fetched === undefined) {
          await this.sleep('idle');
          continue;
        }
        this.activity = 'handling';
        if (!(await this.deliver(fetched, onBatch))) return;
        this.activity = 'fetching';
        await nextTurn();
      }
    } finally {
      this.activity = 'idle';
      this.cluster.noteIdle();
    }
  }

  private async sleep(activity: 'joining' | 'idle'): Promise<void> {
    this.activity = activity;
    if (activity === 'idle') this.cluster.noteIdle();
    await this.wake.wait();
    this.activity = 'fetching';
  }

  /** The next batch of an assigned, unpaused partition (round-robin), moving past ranges without committed records. */
  private fetchNext(): Fetched | undefined {
    const count = this.assignment.length;
    for (let i = 0; i < count; i++) {
      const index = (this.cursor + i) % count;
      const { topic, partition } = this.assignment[index] as TopicPartition;
      const key = keyOf(topic, partition);
      if (this.paused.has(key)) continue;
      const log = this.cluster.log(topic, partition);
      if (log === undefined) continue;
      const position = this.positionOf(key, topic, partition, log);
      const lso = log.lastStableOffset;
      if (position >= lso) continue;
      const { records, next } = log.readCommitted(position, lso, this.cluster.maxBatchBytes);
      if (records.length === 0) {
        this.positions.set(key, next);
        continue;
      }
      this.cursor = index + 1;
      return { topic, partition, key, records, next, highWatermark: log.endOffset };
    }
    return undefined;
  }

  private positionOf(key: string, topic: string, partition: number, log: PartitionLog): number {
    const sought = this.seeks.get(key);
    if (sought !== undefined) {
      this.seeks.delete(key);
      this.positions.set(key, sought);
    }
    let position = this.positions.get(key) ?? this.group.committedOffset(topic, partition);
    if (position === undefined || position < log.logStartOffset || position > log.endOffset) {
      position = this.options.fromBeginning ? log.logStartOffset : log.lastStableOffset;
    }
    this.positions.set(key, position);
    return position;
  }

  /** False when the handler threw (the consumer crashed). */
  private async deliver(fetched: Fetched, onBatch: (batch: InputBatch, controls: BatchControls) => Promise<void>): Promise<boolean> {
    const { key } = fetched;
    const generation = this.generation;
    const seeks = this.seekCounts.get(key) ?? 0;
    let heartbeatFailed = false;
    const isCurrent = () =>
      this.state === 'running' &&
      !this.link.cut &&
      this.inGroup &&
      this.generation === generation &&
      this.group.isCurrent(this.memberId, generation) &&
      (this.seekCounts.get(key) ?? 0) === seeks;
    const controls: BatchControls = {
      heartbeat: async () => {
        await Promise.resolve();
        if (!isCurrent()) heartbeatFailed = true;
      },
      isRunning: () => !heartbeatFailed && isCurrent(),
    };
    const batch: InputBatch = {
      topic: fetched.topic,
      partition: fetched.partition,
      records: fetched.records,
      highWatermark: String(fetched.highWatermark),
    };
    try {
      await onBatch(batch, controls);
    } catch (error) {
      this.crash(error instanceof Error ? error : new Error(String(error)));
      return false;
    }
    if (isCurrent()) this.positions.set(key, fetched.next);
    return true;
  }

  /** As kafkajs on a crash it will not retry: leave the group, then tell the listeners. */
  private crash(error: Error): void {
    if (this.state !== 'running') return;
    this.leaveGroup();
    this.transitionTo('crashed');
    this.wake.notify();
    for (const listener of this.crashListeners) {
      try {
        listener(error);
      } catch {
        // A crash listener's own failure has nowhere better to go.
      }
    }
  }

  private leaveGroup(): void {
    if (!this.inGroup) return;
    this.inGroup = false;
    this.group.leave(this.memberId);
  }

  // ---- GroupMember -----------------------------------------------------------------------------------------

  ownedPartitionNumbers(): number[] {
    return [...new Set(this.assignment.map((p) => p.partition))];
  }

  rebalanceStarted(): void {
    this.wake.notify();
  }

  removed(): void {
    this.inGroup = false;
    this.wake.notify();
  }

  assigned(generationId: number, partitions: readonly TopicPartition[]): void {
    this.generation = generationId;
    this.assignment = partitions;
    const keys = new Set(partitions.map((p) => keyOf(p.topic, p.partition)));
    this.positions.clear();
    for (const key of [...this.seeks.keys()]) if (!keys.has(key)) this.seeks.delete(key);
    this.cursor = 0;
    // A consumer that is stopping (or whose client was killed) never sees the join's answer.
    if (this.state !== 'running' || this.link.cut) return;
    const assignment: Assignment = { generationId, memberId: this.memberId, partitions: [...partitions], member: { generationId, memberId: this.memberId, groupInstanceId: null } };
    for (const listener of this.assignmentListeners) {
      try {
        listener(assignment);
      } catch (error) {
        // Reported after the group finished handing out this generation.
        queueMicrotask(() => this.crash(error instanceof Error ? error : new Error(String(error))));
      }
    }
    this.wake.notify();
  }

  // ---- GroupConsumer ---------------------------------------------------------------------------------------

  onAssignment(listener: (assignment: Assignment) => void): void {
    this.assignmentListeners.push(listener);
  }

  onCrash(listener: (error: Error) => void): void {
    this.crashListeners.push(listener);
  }

  seek(position: TopicPartitionOffset): void {
    const { topic, partition, offset } = position;
    const what = `seeking ${topic}/${partition} to ${offset}`;
    if (this.state !== 'running') throw new KafkaError(`${what} failed: the consumer is ${this.state} (seek needs run() first)`, { context: position });
    if (!OFFSET.test(offset)) throw new KafkaError(`${what} failed: the offset is not a non-negative integer`, { context: position });
    const key = keyOf(topic, partition);
    this.seeks.set(key, Number(offset));
    this.seekCounts.set(key, (this.seekCounts.get(key) ?? 0) + 1);
    this.wake.notify();
  }

  /** Pauses fetching of these partitions until `resume`, across rejoins; allowed before `run` too. */
  pause(partitions: readonly TopicPartition[]): void {
    for (const { topic, partition } of partitions) this.paused.add(keyOf(topic, partition));
  }

  resume(partitions: readonly TopicPartition[]): void {
    for (const { topic, partition } of partitions) this.paused.delete(keyOf(topic, partition));
    this.wake.notify();
  }

  async commitOffsets(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    if (offsets.length === 0) return;
    const what = `committing offsets of group ${this.options.groupId}`;
    if (this.state !== 'running') {
      throw new KafkaError(`cannot commit offsets of group ${this.options.groupId}: the consumer is ${this.state}`);
    }
    for (const { offset } of offsets) {
      if (!OFFSET.test(offset)) throw new KafkaError(`${what} failed: offset ${offset} is not a non-negative integer`);
    }
    await nextTurn();
    try {
      this.link.check();
      if (this.cluster.faults.take('coordinator-unavailable', { api: 'commitOffsets', clientId: this.link.clientId, transactionalId: null }) !== undefined) {
        throw new MemoryBrokerError('COORDINATOR_NOT_AVAILABLE', `the coordinator of group ${this.options.groupId} is not available (injected fault)`, { injected: true });
      }
      if (!this.inGroup || !this.group.isCurrent(this.memberId, this.generation)) {
        throw new MemoryBrokerError('REBALANCE_IN_PROGRESS', `group ${this.options.groupId} is rebalancing; this member's generation ${this.generation} is over`);
      }
    } catch (error) {
      throw toKafkaError(error, what);
    }
    this.group.commit(offsets);
  }

  /** Stops fetching (waiting for the batch in flight), leaves the group so it rebalances at once. */
  async disconnect(): Promise<void> {
    if (this.state === 'stopping' || this.state === 'stopped') return;
    this.transitionTo('stopping');
    this.wake.notify();
    await this.loop;
    // A killed client cannot send LeaveGroup: its session expiry removes it.
    if (!this.link.cut) this.leaveGroup();
    for (const stop of this.stopTracking) stop();
    this.transitionTo('stopped');
  }
}
