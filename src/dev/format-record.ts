/**
 * One line per output record for the `sluice dev` console:
 *
 *   /products   [12:01:00 → 12:01:10)  7
 *   user-42     {"path":"/cart","ts":1764590000000}
 *
 * Windowed keys (`{ key, startMs, endMs }`, what `serdes.windowed()` decodes to) show their window as a half-open
 * interval of wall-clock times; window results (`{ value, final }`) show their value, marked when not final.
 */

export interface FormatOptions {
  /** Time zone of window bounds: the machine's (default) or UTC (stable output for tests). */
  readonly timeZone?: 'local' | 'utc';
  /** Pads the key column to this many characters so values line up. */
  readonly keyWidth?: number;
  /** Prefixes the line with the topic (when a topology has several sinks). */
  readonly topic?: string;
}

export interface WindowedKey {
  readonly key: unknown;
  readonly startMs: number;
  readonly endMs: number;
}

const MAX_TEXT = 200;

export function isWindowedKey(key: unknown): key is WindowedKey {
  if (typeof key !== 'object' || key === null || !('key' in key)) return false;
  const { startMs, endMs } = key as { startMs?: unknown; endMs?: unknown };
  return typeof startMs === 'number' && typeof endMs === 'number' && Number.isFinite(startMs) && Number.isFinite(endMs);
}

function isWindowResult(value: unknown): value is { value: unknown; final: boolean } {
  if (typeof value !== 'object' || value === null) return false;
  const keys = Object.keys(value);
  return keys.length === 2 && 'value' in value && typeof (value as { final?: unknown }).final === 'boolean';
}

function clip(text: string): string {
  return text.length <= MAX_TEXT ? text : `${text.slice(0, MAX_TEXT - 1)}…`;
}

/** Control characters (a newline in a key would break the one-line layout) as \\uXXXX escapes. */
function escapeControl(text: string): string {
  let out = '';
  for (const c of text) {
    const code = c.charCodeAt(0);
    out += code < 0x20 || code === 0x7f ? `\\u${code.toString(16).padStart(4, '0')}` : c;
  }
  return out;
}

/** Strings as they are (control characters escaped), everything else as JSON. */
export function formatValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return '(none)';
  if (typeof value === 'string') return clip(escapeControl(value));
  if (typeof value === 'bigint') return `${value}`;
  if (Buffer.isBuffer(value)) return `<${value.length} bytes>`;
  try {
    return clip(JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? `${v}` : v)) ?? String(value));
  } catch {
    return clip(String(value));
  }
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/** HH:MM:SS, with .mmm when the time is not a whole second. */
export function formatTime(epochMs: number, timeZone: 'local' | 'utc' = 'local'): string {
  const d = new Date(epochMs);
  const utc = timeZone === 'utc';
  const h = utc ? d.getUTCHours() : d.getHours();
  const m = utc ? d.getUTCMinutes() : d.getMinutes();
  const s = utc ? d.getUTCSeconds() : d.getSeconds();
  const ms = utc ? d.getUTCMilliseconds() : d.getMilliseconds();
  const base = `${pad2(h)}:${pad2(m)}:${pad2(s)}`;
  return ms === 0 ? base : `${base}.${String(ms).padStart(3, '0')}`;
}

/** `[12:01:00 → 12:02:00)`: start included, end excluded, as every sluice window. */
export function formatWindow(startMs: number, endMs: number, timeZone: 'local' | 'utc' = 'local'): string {
  return `[${formatTime(startMs, timeZone)} → ${formatTime(endMs, timeZone)})`;
}

/** The key column's text (without padding): the grouping key of a windowed key, else the key. */
export function keyText(key: unknown): string {
  return formatValue(isWindowedKey(key) ? key.key : key);
}

export function formatRecord(record: { readonly key: unknown; readonly value: unknown }, options: FormatOptions = {}): string {
  const { key, value } = record;
  const parts: string[] = [];
  if (options.topic !== undefined) parts.push(options.topic);
  parts.push(keyText(key).padEnd(options.keyWidth ?? 0));
  if (isWindowedKey(key)) parts.push(formatWindow(key.startMs, key.endMs, options.timeZone));
  if (isWindowResult(value)) {
    parts.push(value.final ? formatValue(value.value) : `${formatValue(value.value)} (update)`);
  } else {
    parts.push(value === null ? 'null (tombstone)' : formatValue(value));
  }
  return parts.join('  ');
}
