/**
 * A serde turns values into bytes and back. Both directions are synchronous so the per-record hot path has
 * no promise per record. Serdes that need I/O (schema registry look-ups) do it in `prepare`, which the
 * runtime awaits at batch boundaries: once at startup for the topics a serde writes, and before each input
 * batch with that batch's raw payloads so unknown schema ids can be fetched and cached.
 */
export interface Serde<T> {
  /** Short name for describe output and error messages, e.g. "json", "avro(registry)". */
  readonly name: string;
  serialize(value: T, context: SerdeContext): Buffer | null;
  /** Throws DeserializationError (or any error, which the runtime wraps) when the bytes do not decode. */
  deserialize(data: Buffer | null, context: SerdeContext): T;
  /** Optional async preparation; see the type's comment. */
  prepare?(request: PrepareRequest): Promise<void>;
}

export interface SerdeContext {
  readonly topic: string;
  readonly isKey: boolean;
}

export interface PrepareRequest extends SerdeContext {
  /** Raw payloads of an input batch about to be deserialized; absent when preparing to serialize. */
  readonly payloads?: readonly (Buffer | null)[];
}

/** The value type a serde produces. */
export type SerdeType<S> = S extends Serde<infer T> ? T : never;
