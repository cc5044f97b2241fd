/**
 * An in-memory consumer group: members, generations and committed offsets, with the eager protocol kafkajs
 * speaks. A join or leave starts a rebalance; every member is told (its current batch turns stale) and rejoins
 * once its batch is done; when all have rejoined, the generation is bumped and each member gets its partitions
 * from the co-partitioned, sticky assignment of the kafkajs adapter (same partition number of every subscribed
 * topic to one member). A member that does not rejoin within its rebalance timeout is dropped from the group.
 */
import { assignCopartitioned } from '../copartitioned-assignment.ts';
import type { TopicPartition, TopicPartitionOffset } from '../types.ts';

export interface GroupMember {
  readonly memberId: string;
  readonly topics: readonly string[];
  readonly rebalanceTimeoutMs: number;
  /** Partition numbers the member owns now (the sticky assignment keeps them where balance allows). */
  ownedPartitionNumbers(): number[];
  /** A rebalance started: the member's batch is stale; it should rejoin. */
  rebalanceStarted(): void;
  /** The rebalance completed; called for every member at once, in member-id order. */
  assigned(generationId: number, partitions: readonly TopicPartition[]): void;
  /** Dropped from the group (did not rejoin in time): it must join again. */
  removed(): void;
}

export type GroupState = 'empty' | 'rebalancing' | 'stable';

export class MemoryGroup {
  private generation = 0;
  private groupState: GroupState = 'empty';
  private readonly members = new Map<string, GroupMember>();
  private readonly rejoined = new Set<string>();
  private readonly committed = new Map<string, Map<number, number>>();
  private rebalanceTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly groupId: string,
    /** Partition count of a topic, undefined when it does not exist. */
    private readonly partitionCount: (topic: string) => number | undefined,
    private readonly changed: () => void,
  ) {}

  get generationId(): number {
    return this.generation;
  }

  get state(): GroupState {
    return this.groupState;
  }

  get memberIds(): string[] {
    return [...this.members.keys()].sort();
  }

  has(memberId: string): boolean {
    return this.members.has(memberId);
  }

  /** True when `memberId` is in the stable generation `generationId` (its commits and batches are current). */
  isCurrent(memberId: string, generationId: number): boolean {
    return this.groupState === 'stable' && this.members.has(memberId) && generationId === this.generation;
  }

  /**
   * Whether offsets sent in a transaction by `memberId` of `generationId` are accepted: the member is in the group
   * and the generation is the current one (also while a rebalance is under way, as the coordinator does: the
   * generation only changes once everyone has rejoined).
   */
  acceptsTransactionalCommit(memberId: string, generationId: number): boolean {
    return this.members.has(memberId) && generationId === this.generation;
  }

  /** Needs `memberId` to (re)join before it may fetch? */
  awaitsRejoinOf(memberId: string): boolean {
    return this.groupState === 'rebalancing' && !this.rejoined.has(memberId);
  }

  join(member: GroupMember): void {
    this.members.set(member.memberId, member);
    if (this.groupState !== 'rebalancing') this.startRebalance();
    this.rejoined.add(member.memberId);
    this.maybeComplete();
  }

  rejoin(memberId: string): void {
    if (this.groupState !== 'rebalancing' || !this.members.has(memberId)) return;
    this.rejoined.add(memberId);
    this.maybeComplete();
  }

  leave(memberId: string): void {
    if (!this.members.delete(memberId)) return;
    this.rejoined.delete(memberId);
    if (this.members.size === 0) {
      this.clearTimer();
      this.groupState = 'empty';
      this.changed();
      return;
    }
    if (this.groupState === 'rebalancing') this.maybeComplete();
    else this.startRebalance();
  }

  /**
   * The member's session expired (a long pause, a partition from the coordinator only): the group drops it and
   * rebalances the others. The member learns it at once (its batch turns stale, its commits are refused) and
   * joins again, as a consumer does after UNKNOWN_MEMBER_ID.
   */
  expel(memberId: string): void {
    const member = this.members.get(memberId);
    if (member === undefined) return;
    this.leave(memberId);
    member.removed();
  }

  /** A topic was created or deleted: members subscribed to it get a new assignment. */
  topicChanged(topic: string): void {
    if (this.groupState === 'empty') return;
    if (![...this.members.values()].some((m) => m.topics.includes(topic))) return;
    if (this.groupState === 'stable') this.startRebalance();
  }

  commit(offsets: readonly TopicPartitionOffset[]): void {
    for (const { topic, partition, offset } of offsets) {
      let byPartition = this.committed.get(topic);
      if (byPartition === undefined) {
        byPartition = new Map();
        this.committed.set(topic, byPartition);
      }
      byPartition.set(partition, Number(offset));
    }
    this.changed();
  }

  committedOffset(topic: string, partition: number): number | undefined {
    return this.committed.get(topic)?.get(partition);
  }

  /** Kafka drops a deleted topic's committed offsets. */
  forgetTopic(topic: string): void {
    this.committed.delete(topic);
  }

  close(): void {
    this.clearTimer();
  }

  private startRebalance(): void {
    this.groupState = 'rebalancing';
    this.rejoined.clear();
    this.clearTimer();
    const timeoutMs = Math.max(0, ...[...this.members.values()].map((m) => m.rebalanceTimeoutMs));
    this.rebalanceTimer = setTimeout(() => this.dropLateMembers(), timeoutMs);
    this.rebalanceTimer.unref();
    for (const member of [...this.members.values()]) member.rebalanceStarted();
    this.changed();
  }

  private dropLateMembers(): void {
    if (this.groupState !== 'rebalancing') return;
    for (const [memberId, member] of [...this.members]) {
      if (this.rejoined.has(memberId)) continue;
      this.members.delete(memberId);
      member.removed();
    }
    if (this.members.size === 0) this.groupState = 'empty';
    else this.maybeComplete();
    this.changed();
  }

  private maybeComplete(): void {
    if (this.groupState !== 'rebalancing') return;
    for (const memberId of this.members.keys()) if (!this.rejoined.has(memberId)) return;
    this.clearTimer();
    this.generation += 1;
    this.groupState = 'stable';
    const members = [...this.members.values()].sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0));
    const partitionsByTopic = new Map<string, number[]>();
    for (const topic of new Set(members.flatMap((m) => m.topics))) {
      const count = this.partitionCount(topic);
      if (count !== undefined) partitionsByTopic.set(topic, Array.from({ length: count }, (_, p) => p));
    }
    const assignment = assignCopartitioned(
      members.map((m) => ({ memberId: m.memberId, topics: m.topics, owned: m.ownedPartitionNumbers() })),
      partitionsByTopic,
    );
    const generation = this.generation;
    for (const member of members) {
      const byTopic = assignment.get(member.memberId) ?? {};
      const partitions: TopicPartition[] = [];
      for (const topic of Object.keys(byTopic).sort()) {
        for (const partition of [...(byTopic[topic] ?? [])].sort((a, b) => a - b)) partitions.push({ topic, partition });
      }
      member.assigned(generation, partitions);
    }
    this.changed();
  }

  private clearTimer(): void {
    if (this.rebalanceTimer !== undefined) clearTimeout(this.rebalanceTimer);
    this.rebalanceTimer = undefined;
  }
}
