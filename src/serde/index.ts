export type { Serde, SerdeContext, PrepareRequest, SerdeType } from './serde.ts';
import { bytes, json, long, none, nullableString, string, windowed } from './builtin.ts';

/** Built-in serdes: `serdes.string()`, `serdes.nullableString()`, `serdes.json<T>()`, `serdes.bytes()`, `serdes.long()`, `serdes.none()`. */
export const serdes = { string, nullableString, json, bytes, long, none, windowed } as const;
