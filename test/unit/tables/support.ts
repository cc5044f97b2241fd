import type { Serde } from '../../../src/index.ts';

/** JSON where a null value (a tombstone) reads back as null, for reading table changes in tests. */
export function nullableJson<T>(): Serde<T | null> {
  return {
    name: 'nullable-json',
    serialize: (value) => (value === null ? null : Buffer.from(JSON.stringify(value), 'utf8')),
    deserialize: (data) => (data === null ? null : (JSON.parse(data.toString('utf8')) as T)),
  };
}
