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
