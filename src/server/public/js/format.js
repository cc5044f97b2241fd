// Formatting of numbers, durations and times for the dashboard. Pure functions, no DOM.
// Times of day are UTC, like the watermarks (ISO 8601, "Z").

const intFmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const rateFmt = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const compactFmt = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });

const known = (n) => n !== null && n !== undefined && Number.isFinite(n);

export const fmtInt = (n) => (known(n) ? intFmt.format(n) : '—');
export const fmtRate = (n) => (known(n) ? rateFmt.format(n) : '—');
/** Axis labels: 950, 1.2K, 3.4M. */
export const fmtCompact = (n) => (known(n) ? compactFmt.format(n) : '—');

/** 850 ms, 4.2 s, 3m 05s, 2h 10m, 1d 4h; negative durations get a minus sign. */
export function fmtDuration(ms) {
  if (!known(ms)) return '—';
  const abs = Math.abs(ms);
  let text;
  if (abs < 1000) text = `${Math.round(abs)} ms`;
  else if (abs < 60_000) text = `${(abs / 1000).toFixed(1)} s`;
  else if (abs < 3_600_000) text = `${Math.floor(abs / 60_000)}m ${String(Math.floor((abs % 60_000) / 1000)).padStart(2, '0')}s`;
  else if (abs < 86_400_000) text = `${Math.floor(abs / 3_600_000)}h ${Math.floor((abs % 3_600_000) / 60_000)}m`;
  else text = `${Math.floor(abs / 86_400_000)}d ${Math.floor((abs % 86_400_000) / 3_600_000)}h`;
  return ms < 0 ? `−${text}` : text;
}

/** Short durations for axis labels: 500ms, 5s, 1.5m, 2h. */
export function fmtDurationShort(ms) {
  if (!known(ms)) return '—';
  const abs = Math.abs(ms);
  const trim = (n) => String(Number(n.toFixed(1)));
  if (abs === 0) return '0';
  if (abs < 1000) return `${Math.round(ms)}ms`;
  if (abs < 60_000) return `${trim(ms / 1000)}s`;
  if (abs < 3_600_000) return `${trim(ms / 60_000)}m`;
  if (abs < 86_400_000) return `${trim(ms / 3_600_000)}h`;
  return `${trim(ms / 86_400_000)}d`;
}

export function fmtIso(ms) {
  if (!known(ms)) return '—';
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? String(ms) : date.toISOString();
}

/** 12:01:00 (UTC); with `millis`, 12:01:00.250. */
export function fmtClock(ms, millis = false) {
  const iso = fmtIso(ms);
  if (iso.length < 23) return iso;
  return iso.slice(11, millis ? 23 : 19);
}

/** A window [start, end) as times of day, with the date when it is not today's (UTC). */
export function fmtWindow(startMs, endMs, nowMs = Date.now()) {
  const day = (ms) => fmtIso(ms).slice(0, 10);
  const at = (ms) => (day(ms) === day(nowMs) ? fmtClock(ms) : `${day(ms)} ${fmtClock(ms)}`);
  return `[${at(startMs)} → ${at(endMs)})`;
}

export function fmtBytes(n) {
  if (!known(n)) return '—';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

export function stateClass(state) {
  switch (state) {
    case 'running': case 'following': return 'badge ok';
    case 'restoring': case 'rebalancing': case 'starting': case 'created': return 'badge warn';
    case 'failed': return 'badge bad';
    default: return 'badge';
  }
}

/** Watermark lag colour: warn above a minute, bad above five. */
export function lagClass(ms) {
  if (!known(ms)) return '';
  if (ms > 5 * 60_000) return 'lag-bad';
  if (ms > 60_000) return 'lag-warn';
  return '';
}
