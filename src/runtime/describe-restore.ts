import type { GlobalTableStatus, RestoreProgressStatus, TaskRestoreStatus } from './status.ts';

/**
 * Restore progress in words, for /readyz reasons and logs:
 * `1200 of 5000 offsets read, 800 offsets/s, about 5 s left`.
 */
export function describeProgress(progress: RestoreProgressStatus): string {
  const parts = [`${progress.readOffsets} of ${progress.totalOffsets} offsets read`];
  if (progress.offsetsPerSec !== null) parts.push(`${Math.round(progress.offsetsPerSec)} offsets/s`);
  if (progress.etaMs !== null && progress.readOffsets < progress.totalOffsets) parts.push(`about ${formatEta(progress.etaMs)} left`);
  return parts.join(', ');
}

/** A global table's load: `1 of 3 partitions at their end offsets, 1200 of 5000 offsets read, ...`. */
export function describeLoad(load: { readonly restored: number; readonly partitions: number; readonly restore?: GlobalTableStatus['restore'] }): string {
  const partitions = `${load.restored} of ${load.partitions === 0 ? '?' : load.partitions} partitions at their end offsets`;
  return load.restore == null ? partitions : `${partitions}, ${describeProgress(load.restore)}`;
}

/** A task's restore: `table prices-store from prices partition 1: 1200 of 5000 offsets read, ...`. */
export function describeTaskRestore(restore: TaskRestoreStatus): string {
  const reading = restore.stores.filter((s) => s.readOffsets < s.totalOffsets);
  const what = restore.phase === 'changelogs' ? 'changelog' : 'table';
  const stores = (reading.length > 0 ? reading : restore.stores).map((s) => `${s.store} from ${s.topic} partition ${s.partition}`);
  const head = stores.length === 0 ? `${restore.phase}` : `${what}${stores.length === 1 ? '' : 's'} ${stores.join(', ')}`;
  return `${head}: ${describeProgress(restore)}`;
}

/** 850 ms → `1 s`, 75 s → `1 min 15 s`, 2 h 5 min → `2 h 5 min`: rounded up, never `0 s`. */
export function formatEta(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
}
