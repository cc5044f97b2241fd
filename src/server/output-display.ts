import type { Serde } from '../serde/serde.ts';

/**
 * A key or value of a sampled output record, made readable for the dashboard. `format` says how: decoded by
 * the topic's serde and printed (`serde`), the bytes as UTF-8 text (`text`) or as hex (`hex`) when no serde
 * decoded them, or `null` for a null payload.
 */
export interface DisplayValue {
  readonly format: 'serde' | 'text' | 'hex' | 'null';
  readonly text: string;
  /** Size of the payload in bytes (of the whole payload, even when only part of it was kept). */
  readonly bytes: number;
  /** True when `text` shows only the start of the payload. */
  readonly truncated: boolean;
  /** A windowed key: the grouping key and the window `[startMs, endMs)`. */
  readonly window?: DisplayWindow;
}

export interface DisplayWindow {
  readonly key: string;
  readonly startMs: number;
  readonly endMs: number;
}

export interface DisplayOptions {
  /** The topic's serde for this side (key or value), when known. */
  readonly serde?: Serde<unknown> | undefined;
  readonly topic: string;
  readonly isKey: boolean;
  /** The payload's size before it was cut to the kept bytes. */
  readonly originalBytes: number;
  /** Longest `text`, in characters. */
  readonly maxChars: number;
}

/**
 * Makes a payload readable: through the serde when there is one and it decodes the kept bytes (it may not when
 * they were cut, or a registry schema is unknown), else as text when the bytes are printable UTF-8, else as hex.
 * Never throws.
 */
export function displayPayload(data: Buffer | null, options: DisplayOptions): DisplayValue {
  if (data === null) return { format: 'null', text: 'null', bytes: 0, truncated: false };
  const cut = data.length < options.originalBytes;
  if (options.serde !== undefined && !cut) {
    const decoded = tryDeserialize(options.serde, data, options.topic, options.isKey);
    if (decoded.ok) return fromDecoded(decoded.value, data.length, options.maxChars);
  }
  const text = printableUtf8(data);
  if (text !== undefined) {
    const window = cut ? undefined : windowOfJson(text, options.maxChars);
    return withText('text', text, options.originalBytes, options.maxChars, cut, window);
  }
  return withText('hex', hexOf(data, options.maxChars), options.originalBytes, options.maxChars, cut || data.length * 2 > options.maxChars);
}

function tryDeserialize(serde: Serde<unknown>, data: Buffer, topic: string, isKey: boolean): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: serde.deserialize(data, { topic, isKey }) };
  } catch {
    return { ok: false };
  }
}

function fromDecoded(value: unknown, bytes: number, maxChars: number): DisplayValue {
  const window = windowOf(value, maxChars);
  if (window !== undefined) return withText('serde', `${window.key} [${iso(window.startMs)} → ${iso(window.endMs)})`, bytes, maxChars, false, window);
  if (value === null || value === undefined) return { format: 'serde', text: String(value), bytes, truncated: false };
  return withText('serde', printValue(value, maxChars), bytes, maxChars, false);
}

function withText(format: DisplayValue['format'], text: string, bytes: number, maxChars: number, cut: boolean, window?: DisplayWindow): DisplayValue {
  const truncated = cut || text.length > maxChars;
  const shown = text.length > maxChars ? `${text.slice(0, maxChars - 1)}…` : text;
  return window === undefined ? { format, text: shown, bytes, truncated } : { format, text: shown, bytes, truncated, window };
}

/** A windowed key as the windowed serdes decode it: `{ key, startMs, endMs }`. */
function windowOf(value: unknown, maxChars: number): DisplayWindow | undefined {
  if (typeof value !== 'object' || value === null || !('key' in value)) return undefined;
  const { key, startMs, endMs } = value as { key: unknown; startMs?: unknown; endMs?: unknown };
  if (typeof startMs !== 'number' || typeof endMs !== 'number' || !Number.isFinite(startMs) || !Number.isFinite(endMs)) return undefined;
  const keyText = printValue(key, maxChars);
  return { key: keyText.length > maxChars ? `${keyText.slice(0, maxChars - 1)}…` : keyText, startMs, endMs };
}

function windowOfJson(text: string, maxChars: number): DisplayWindow | undefined {
  if (!text.startsWith('{') || !text.includes('"startMs"')) return undefined;
  try {
    return windowOf(JSON.parse(text), maxChars);
  } catch {
    return undefined;
  }
}

/** Strings as they are, bytes as text or hex, everything else as JSON (bigints as numbers' digits). */
function printValue(value: unknown, maxChars: number): string {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return printableUtf8(value) ?? hexOf(value, maxChars);
  if (typeof value === 'bigint' || typeof value === 'number' || typeof value === 'boolean' || typeof value === 'symbol') return String(value);
  if (value === undefined || typeof value === 'function') return String(value);
  try {
    return JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
      const original = key === '' ? value : this[key];
      if (original instanceof Uint8Array) return printableUtf8(original) ?? hexOf(original, maxChars);
      return typeof v === 'bigint' ? v.toString() : v;
    }) ?? String(value);
  } catch {
    return String(value);
  }
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** The bytes as UTF-8 when they decode and hold no control characters but tab and line breaks. */
function printableUtf8(data: Uint8Array): string | undefined {
  let text: string;
  try {
    text = decoder.decode(data);
  } catch {
    return undefined;
  }
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text) ? undefined : text;
}

function hexOf(data: Uint8Array, maxChars: number): string {
  const shown = data.subarray(0, Math.max(1, Math.floor(maxChars / 2)));
  return Buffer.from(shown.buffer, shown.byteOffset, shown.byteLength).toString('hex');
}

function iso(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? String(ms) : date.toISOString();
}
