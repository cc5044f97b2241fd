// Restore progress as short text for the dashboard: task restores and global table loads. Pure, no DOM.
import { fmtCompact, fmtDuration } from './format.js';

const known = (n) => n !== null && n !== undefined && Number.isFinite(n);

/** 0..1 from offsets read of those to read; 1 when there is nothing to read. */
export function fractionOf(progress) {
  if (!progress || !known(progress.totalOffsets) || progress.totalOffsets <= 0) return 1;
  return Math.max(0, Math.min(1, progress.readOffsets / progress.totalOffsets));
}

/** `1.2K / 10K offsets · 3.4K/s · 3.0 s left`: what the read did, how fast, how long still (when known). */
export function progressText(progress) {
  if (!progress) return '';
  const parts = [`${fmtCompact(progress.readOffsets)} / ${fmtCompact(progress.totalOffsets)} offsets`];
  if (known(progress.offsetsPerSec)) parts.push(`${fmtCompact(progress.offsetsPerSec)}/s`);
  if (known(progress.etaMs) && progress.readOffsets < progress.totalOffsets) parts.push(`${fmtDuration(progress.etaMs)} left`);
  return parts.join(' · ');
}

/**
 * A task's restore: which stores it is reading (from their changelogs, or tables from their source topics),
 * then the progress: `table prices-store ← prices · 5 / 10 offsets · 2/s` or `changelog counts-store · 1.2K / 10K offsets`.
 */
export function taskRestoreText(restore) {
  if (!restore) return '';
  const reading = restore.stores.filter((s) => s.readOffsets < s.totalOffsets);
  // A changelog's name is the store's (<applicationId>-<store>-changelog); a table's source topic is the user's.
  const stores = (reading.length > 0 ? reading : restore.stores).map((s) => (s.source === 'source-topic' ? `${s.store} ← ${s.topic}` : s.store));
  const what = restore.phase === 'source-topics' ? 'table' : 'changelog';
  const head = stores.length === 0 ? what : `${what} ${stores.join(', ')}`;
  return `${head} · ${progressText(restore)}`;
}
