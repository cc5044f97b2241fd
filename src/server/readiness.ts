import type { ApplicationStatus } from '../runtime/status.ts';

export interface RestoringTask {
  readonly task: string;
  /** 0..1 */
  readonly progress: number;
}

/** The body of /readyz: `ready` mirrors ApplicationStatus.ready; the rest says why not. */
export interface ReadinessReport {
  readonly status: 'ready' | 'not_ready';
  readonly state: ApplicationStatus['state'];
  readonly inGroup: boolean;
  readonly reasons: readonly string[];
  readonly restoring: readonly RestoringTask[];
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
    if (task.state === 'restoring') restoring.push({ task: task.id, progress: clampProgress(task.restoreProgress) });
    else if (task.state === 'created') pending.push(task.id);
  }
  const common = { state: status.state, inGroup: status.inGroup, restoring, pending, tasks: status.tasks.length };
  if (status.ready) return { status: 'ready', reasons: [], ...common };

  const reasons: string[] = [];
  if (status.state === 'failed' || status.state === 'stopping' || status.state === 'stopped' || status.state === 'created') {
    reasons.push(`application is ${status.state}`);
  }
  for (const table of status.globalTables ?? []) {
    if (table.state === 'created' || table.state === 'restoring') {
      reasons.push(`restoring global table ${table.name} from ${table.topic} (${table.restoredPartitions} of ${table.partitions} partitions at their end offsets); the instance joins its group after that`);
    } else if (table.state !== 'following') reasons.push(`global table ${table.name} is ${table.state}`);
  }
  if (!status.inGroup) reasons.push(`not in consumer group ${status.applicationId} (state ${status.state})`);
  for (const task of restoring) reasons.push(`task ${task.task} is restoring its state (${formatPercent(task.progress)})`);
  if (pending.length > 0) reasons.push(`task${pending.length === 1 ? '' : 's'} ${pending.join(', ')} not started yet`);
  for (const task of status.tasks) if (task.stall != null) reasons.push(`task ${task.id} stalled: ${task.stall.reason}`);
  if (reasons.length === 0 && status.notReadyReason !== undefined) reasons.push(status.notReadyReason);
  if (reasons.length === 0) reasons.push(`application is ${status.state} and not ready`);
  return { status: 'not_ready', reasons, ...common };
}

function clampProgress(progress: number): number {
  if (!Number.isFinite(progress)) return 0;
  return Math.min(1, Math.max(0, progress));
}

function formatPercent(progress: number): string {
  return `${Math.floor(progress * 1000) / 10}%`;
}
