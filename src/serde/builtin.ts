import { isUtf8 } from 'node:buffer';
import { DeserializationError } from '../errors/index.ts';
import type { Serde, SerdeContext } from './serde.ts';

function where(context: SerdeContext): string {
  return `${context.isKey ? 'key' : 'value'} of topic "${context.topic}"`;
}

/**
 * Decodes UTF-8, refusing bytes that are not: Buffer#toString would replace them with U+FFFD, so two different
 * inputs would become the same key and a corrupt record would pass as a good one.
 */
function utf8(data: Buffer, context: SerdeContext, expected: string): string {
  if (!isUtf8(data)) throw new DeserializationError(`${where(context)} is not valid UTF-8 (expected ${expected})`);
  return data.toString('utf8');
}

/** UTF-8 strings. A null key or value is a DeserializationError; use `nullableString()` where null is expected. */
export function string(): Serde<string> {
  return {
    name: 'string',
    serialize: (value: string) => Buffer.from(value, 'utf8'),
    deserialize(data: Buffer | null, context: SerdeContext): string {
      if (data === null) throw new DeserializationError(`${where(context)} is null (expected a string; use serdes.nullableString() to accept null)`);
      return utf8(data, context, 'a UTF-8 string');
    },
  };
}

/** UTF-8 strings; null stays null. */
export function nullableString(): Serde<string | null> {
  return {
    name: 'nullable-string',
    serialize: (value: string | null) => (value === null ? null : Buffer.from(value, 'utf8')),
    deserialize: (data: Buffer | null, context: SerdeContext) => (data === null ? null : utf8(data, context, 'a UTF-8 string or null')),
  };
}

/**
 * JSON values. The type parameter is the shape you expect; use `json<T>({ validate })` with a type guard to
 * check it at the edge (a record failing the guard is a DeserializationError routed to `onError`).
 */
export function json<T>(options: { validate?: (value: unknown) => value is T } = {}): Serde<T> {
  const validate = options.validate;
  return {
    name: 'json',
    serialize: (value: T) => (value === null || value === undefined ? null : Buffer.from(JSON.stringify(value), 'utf8')),
    deserialize(data: Buffer | null, context: SerdeContext): T {
      if (data === null) throw new DeserializationError(`${where(context)} is null (expected JSON)`);
      const text = utf8(data, context, 'JSON in UTF-8');
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (cause) {
        throw new DeserializationError(`${where(context)} is not valid JSON: ${(cause as Error).message}`, { cause });
      }
      if (validate !== undefined && !validate(parsed)) {
        throw new DeserializationError(`${where(context)} is JSON but failed validation`);
      }
      return parsed as T;
    },
  };
}

/** Raw bytes, untouched. */
export function bytes(): Serde<Buffer | null> {
  return {
    name: 'bytes',
    serialize: (value: Buffer | null) => value,
    deserialize: (data: Buffer | null) => data,
  };
}

/** Ignores the bytes (for keys you do not need); always serializes to null. */
export function none(): Serde<null> {
  return { name: 'none', serialize: () => null, deserialize: () => null };
}

/** Big-endian 64-bit integers as written by the Java client's LongSerializer, as numbers. */
export function long(): Serde<number> {
  return {
    name: 'long',
    serialize(value: number) {
      const buffer = Buffer.allocUnsafe(8);
      buffer.writeBigInt64BE(BigInt(value));
      return buffer;
    },
    deserialize(data: Buffer | null, context: SerdeContext): number {
      if (data === null || data.length !== 8) {
        throw new DeserializationError(`${where(context)} is not an 8-byte long (got ${data === null ? 'null' : `${data.length} bytes`})`);
      }
      return Number(data.readBigInt64BE());
    },
  };
}

/**
 * Keys of windowed results: JSON `{"key":<key>,"startMs":<ms>,"endMs":<ms>}` (end exclusive). The grouping
 * key must be JSON-serializable (strings and numbers are).
 */
export function windowed<K>(): Serde<{ readonly key: K; readonly startMs: number; readonly endMs: number }> {
  return {
    name: 'windowed-json',
    serialize: (w) => Buffer.from(JSON.stringify({ key: w.key, startMs: w.startMs, endMs: w.endMs }), 'utf8'),
    deserialize(data: Buffer | null, context: SerdeContext) {
      if (data === null) throw new DeserializationError(`${where(context)} is null (expected a windowed key)`);
      const parsed = JSON.parse(data.toString('utf8')) as { key: K; startMs: number; endMs: number };
      if (typeof parsed?.startMs !== 'number' || typeof parsed.endMs !== 'number') {
        throw new DeserializationError(`${where(context)} is not a windowed key (expected {"key","startMs","endMs"})`);
      }
      return parsed;
    },
  };
}
