import type { OutputRecord } from '../kafka/types.ts';
import type { TopologyDescription } from '../planner/description.ts';
import type { Plan } from '../planner/plan.ts';

/** Lifecycle of a task; transitions are enforced in runtime/task-state.ts. */
export type TaskState = 'created' | 'restoring' | 'running' | 'suspended' | 'closed';

/** Lifecycle of an application instance. */
export type ApplicationState = 'created' | 'starting' | 'rebalancing' | 'running' | 'stopping' | 'stopped' | 'failed';

export interface StoreStatus {
  readonly name: string;
  readonly entries: number;
}

/** A point-in-time view of one task, for /readyz, the dashboard and logs. */
export interface TaskStatus {
  readonly id: string;
  readonly subtopology: number;
  readonly partition: number;
  readonly state: TaskState;
  /** 0..1; 1 when nothing is left to restore. */
  readonly restoreProgress: number;
  readonly watermarkMs: number | null;
  /** Sum over the task's input partitions of high watermark minus next offset; null when unknown. */
  readonly consumerLag: number | null;
  readonly recordsInPerSec: number;
  readonly recordsOutPerSec: number;
  readonly lateRecords: number;
  readonly droppedRecords: number;
  readonly lastCommitDurationMs: number | null;
  readonly stores: readonly StoreStatus[];
  /** Set while the task holds input it has not processed for longer than the stall timeout. */
  readonly stall?: TaskStall | null;
  /** While the task restores: what it reads, how far it got, how fast. Absent otherwise. */
  readonly restore?: TaskRestoreStatus;
}

/**
 * How far a read towards known end offsets got (a restore of a task's stores, a global table's load).
 * Counted in offsets: transaction markers and aborted records take offsets too, so `records` may stay below.
 */
export interface RestoreProgressStatus {
  /** Offsets the read must pass, over every partition it reads. */
  readonly totalOffsets: number;
  /** Offsets passed so far, of `totalOffsets`. */
  readonly readOffsets: number;
  /** Records applied so far. */
  readonly records: number;
  /** Offsets read per second over the last ten seconds; null in the first second. */
  readonly offsetsPerSec: number | null;
  /** Time left at that rate; null while unknown (no rate yet, or the read is not moving). */
  readonly etaMs: number | null;
}

/** One store being restored by a task: its changelog, or (a table read from a topic) that topic. */
export interface StoreRestoreStatus {
  readonly store: string;
  readonly topic: string;
  readonly partition: number;
  /** `changelog`: the store's changelog topic; `source-topic`: the topic a table is read from. */
  readonly source: 'changelog' | 'source-topic';
  readonly totalOffsets: number;
  readonly readOffsets: number;
  readonly records: number;
}

/** A task's restore: the phase it is in and each store it reads in that phase. */
export interface TaskRestoreStatus extends RestoreProgressStatus {
  /** `changelogs` first (stores with a changelog), then `source-topics` (tables, up to the committed position). */
  readonly phase: 'changelogs' | 'source-topics';
  readonly stores: readonly StoreRestoreStatus[];
}

/** Why a task counts as stalled (see TaskManager's stall check). */
export interface TaskStall {
  readonly sinceMs: number;
  readonly reason: string;
}

export interface ApplicationStatus {
  readonly applicationId: string;
  readonly instanceId: string;
  readonly state: ApplicationState;
  /** True once the instance has joined its consumer group and holds an assignment. */
  readonly inGroup: boolean;
  /** inGroup and every assigned task built, restored and running, none stalled. */
  readonly ready: boolean;
  /** Why the instance is not ready (absent when it is). */
  readonly notReadyReason?: string;
  readonly startedAtMs: number;
  readonly tasks: readonly TaskStatus[];
  /** The instance's global tables (absent when the topology has none). */
  readonly globalTables?: readonly GlobalTableStatus[];
}

/** One global table on this instance. */
export interface GlobalTableStatus {
  readonly name: string;
  readonly topic: string;
  readonly state: 'created' | 'restoring' | 'following' | 'stopped' | 'failed';
  /** Keys it holds now. */
  readonly entries: number;
  /** Partitions read up to the end offsets they had at startup, of all its topic's partitions. */
  readonly restoredPartitions: number;
  readonly partitions: number;
  /**
   * The load from the log start to the end offsets the topic had at startup (kept once done, with etaMs 0);
   * null before those end offsets were read.
   */
  readonly restore?: (RestoreProgressStatus & { readonly durationMs: number | null }) | null;
  /**
   * Offsets behind the topic's last stable offsets, summed over its partitions, as of each partition's latest
   * fetch; null until every partition answered once.
   */
  readonly lag?: number | null;
}

/**
 * Called after every successful commit with the records it made visible on sink, repartition, late and
 * dead-letter topics (never changelogs), still serialized. For watchers (the dev console, the dashboard):
 * it must not throw and must not keep the array (copy what it needs).
 */
export type CommittedOutputListener = (records: readonly OutputRecord[]) => void;

/** What the HTTP server reads from a running application. */
export interface StatusSource {
  status(): ApplicationStatus;
  topology(): TopologyDescription;
  /** Subscribes to committed output; returns the unsubscribe function. */
  onCommittedOutput?(listener: CommittedOutputListener): () => void;
  /** The plan, when the source has one: the dashboard decodes sampled output with its sink serdes. */
  readonly plan?: Plan;
}
