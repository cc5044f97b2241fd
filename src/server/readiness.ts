import { describeLoad, describeTaskRestore } from '../runtime/describe-restore.ts';
import type { ApplicationStatus, GlobalTableStatus, TaskRestoreStatus } from '../runtime/status.ts';

export interface RestoringTask {
  readonly task: string;
  /** 0..1 over the restore phase the task is in. */
  readonly progress: number;
  /** What it reads, how far it got and how fast (absent before the restore knows its end offsets). */
  readonly phase?: TaskRestoreStatus['phase'];
  readonly totalOffsets?: number;
  readonly readOffsets?: number;
  readonly offsetsPerSec?: number | null;
  readonly etaMs?: number | null;
  readonly stores?: TaskRestoreStatus['stores'];
}

/** A global table that is not loaded (or not following its topic any more). */
export interface LoadingGlobalTable {
  readonly name: string;
  readonly topic: string;
  readonly state: GlobalTableStatus['state'];
  readonly partitions: number;
  readonly restoredPartitions: number;
  readonly totalOffsets: number | null;
  readonly readOffsets: number | null;
  readonly offsetsPerSec: number | null;
  readonly etaMs: number | null;
}

/** The body of /readyz: `ready` mirrors ApplicationStatus.ready; the rest says why not. */
export interface ReadinessReport {
  readonly status: 'ready' | 'not_ready';
  readonly state: ApplicationStatus['state'];
  readonly inGroup: boolean;
  readonly reasons: readonly string[];
  readonly restoring: readonly RestoringTask[];
  /** Global tables still loading (the instance joins its group only once every one is loaded), or failed. */
  readonly globalTables: readonly LoadingGlobalTable[];
  readonly pending: readonly string[];
  readonly tasks: number;
}

/**
 * Explains an application status for /readyz. `status.ready` is the truth (the runtime decides it); the
 * reasons are derived here so an operator reading `kubectl describe` sees what the instance is waiting for.
 */
export function readinessReport(status: ApplicationStatus): ReadinessReport {
  const restoring: RestoringTask[] = [];
  const pending: string[] = [];
  for (const task of status.tasks) {
    if (task.state === 'restoring') restoring.push(restoringTask(task.id, task.restoreProgress, task.restore));
    else if (task.state === 'created') pending.push(task.id);
  }
  const globalTables = (status.globalTables ?? []).filter((t) => t.state !== 'following').map(loadingTable);
  const common = { state: status.state, inGroup: status.inGroup, restoring, globalTables, pending, tasks: status.tasks.length };
  if (status.ready) return { status: 'ready', reasons: [], ...common };

  const reasons: string[] = [];
  if (status.state === 'failed' || status.state === 'stopping' || status.state === 'stopped' || status.state === 'created') {
    reasons.push(`application is ${status.state}`);
  }
  for (const table of status.globalTables ?? []) {
    if (table.state === 'created' || table.state === 'restoring') {
      reasons.push(`restoring global table ${table.name} from ${table.topic} (${describeLoad({ restored: table.restoredPartitions, partitions: table.partitions, restore: table.restore })}); the instance joins its group after that`);
    } else if (table.state !== 'following') reasons.push(`global table ${table.name} is ${table.state}`);
  }
  if (!status.inGroup) reasons.push(`not in consumer group ${status.applicationId} (state ${status.state})`);
  for (const task of status.tasks) {
    if (task.state !== 'restoring') continue;
    const head = `task ${task.id} is restoring its state (${formatPercent(clampProgress(task.restoreProgress))})`;
    reasons.push(task.restore === undefined ? head : `${head}: ${describeTaskRestore(task.restore)}`);
  }
  if (pending.length > 0) reasons.push(`task${pending.length === 1 ? '' : 's'} ${pending.join(', ')} not started yet`);
  for (const task of status.tasks) if (task.stall != null) reasons.push(`task ${task.id} stalled: ${task.stall.reason}`);
  if (reasons.length === 0 && status.notReadyReason !== undefined) reasons.push(status.notReadyReason);
  if (reasons.length === 0) reasons.push(`application is ${status.state} and not ready`);
  return { status: 'not_ready', reasons, ...common };
}

function restoringTask(task: string, progress: number, restore: TaskRestoreStatus | undefined): RestoringTask {
  const base = { task, progress: clampProgress(progress) };
  if (restore === undefined) return base;
  const { phase, totalOffsets, readOffsets, offsetsPerSec, etaMs, stores } = restore;
  return { ...base, phase, totalOffsets, readOffsets, offsetsPerSec, etaMs, stores };
}

function loadingTable(table: GlobalTableStatus): LoadingGlobalTable {
  const restore = table.restore ?? null;
  return {
    name: table.name,
    topic: table.topic,
    state: table.state,
    partitions: table.partitions,
    restoredPartitions: table.restoredPartitions,
    totalOffsets: restore?.totalOffsets ?? null,
    readOffsets: restore?.readOffsets ?? null,
    offsetsPerSec: restore?.offsetsPerSec ?? null,
    etaMs: restore?.etaMs ?? null,
  };
}

function clampProgress(progress: number): number {
  if (!Number.isFinite(progress)) return 0;
  return Math.min(1, Math.max(0, progress));
}

function formatPercent(progress: number): string {
  return `${Math.floor(progress * 1000) / 10}%`;
}
