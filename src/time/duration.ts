import { TopologyError } from '../errors/index.ts';

/** Units accepted in duration strings. */
export type DurationUnit = 'ms' | 's' | 'm' | 'h' | 'd';

/**
 * A duration as users write it: a number of milliseconds, or a string such as `'500ms'`, `'10s'`, `'5m'`,
 * `'1h'`, `'1d'`. Accepted only at the user-facing edge; compile it once with `parseDuration`.
 */
export type Duration = number | `${number}${DurationUnit}`;

const UNIT_MS: Readonly<Record<DurationUnit, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

const DURATION_PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/**
 * Compiles a duration to whole milliseconds. Numbers are milliseconds. Throws TopologyError for anything else,
 * naming `what` (e.g. "window grace"): negative, fractional milliseconds, unknown unit, not finite.
 */
export function parseDuration(input: string | number, what: string): number {
  if (typeof input === 'number') {
    if (Number.isSafeInteger(input) && input >= 0) return input;
    throw new TopologyError(`${what} ${String(input)} is not a duration (expected whole milliseconds >= 0 or e.g. "30s")`);
  }
  const match = DURATION_PATTERN.exec(input.trim());
  const amount = match?.[1];
  const unit = match?.[2] as DurationUnit | undefined;
  if (amount === undefined || unit === undefined) {
    throw new TopologyError(`${what} "${input}" is not a duration (expected e.g. "30s")`);
  }
  const ms = Number(amount) * UNIT_MS[unit];
  if (!Number.isSafeInteger(ms)) {
    throw new TopologyError(`${what} "${input}" is not a whole number of milliseconds (expected e.g. "30s")`);
  }
  return ms;
}

/** The shortest exact string for a number of milliseconds: 90000 → "90s", 3600000 → "1h", 1500 → "1500ms". */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0ms';
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    if (ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${ms}ms`;
}
