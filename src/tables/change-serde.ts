import { DeserializationError } from '../errors/index.ts';
import type { PrepareRequest, Serde, SerdeContext } from '../serde/serde.ts';
import type { Change } from './change.ts';

const ABSENT = 0xffffffff;

/** The old and new value payloads of an encoded change, for a serde's `prepare`; malformed input gives none. */
function parts(data: Buffer): Buffer[] {
  const found: Buffer[] = [];
  let at = 0;
  for (let i = 0; i < 2 && at + 4 <= data.length; i++) {
    const length = data.readUInt32BE(at);
    at += 4;
    if (length === ABSENT) continue;
    if (at + length > data.length) break;
    found.push(data.subarray(at, at + length));
    at += length;
  }
  return found;
}

/**
 * Changes on a regrouping repartition topic: `u32 old length | old | u32 new length | new`, a length of
 * 0xffffffff meaning absent; each value in the given serde. The subtractor downstream needs the old value.
 */
export function changeSerde<V>(inner: Serde<V>): Serde<Change<V>> {
  const part = (value: V | null, context: SerdeContext): Buffer[] => {
    const bytes = value === null ? null : inner.serialize(value, context);
    const length = Buffer.allocUnsafe(4);
    length.writeUInt32BE(bytes === null ? ABSENT : bytes.length, 0);
    return bytes === null ? [length] : [length, bytes];
  };
  const prepare = inner.prepare?.bind(inner);
  return {
    name: `change(${inner.name})`,
    ...(prepare === undefined
      ? {}
      : {
          prepare: (request: PrepareRequest) =>
            prepare(request.payloads === undefined ? request : { ...request, payloads: request.payloads.flatMap((p) => (p === null ? [] : parts(p))) }),
        }),
    serialize: (value, context) => Buffer.concat([...part(value.oldValue, context), ...part(value.newValue, context)]),
    deserialize(data, context) {
      if (data === null) throw new DeserializationError(`a table change on "${context.topic}" is null (expected old and new value)`);
      let at = 0;
      const read = (): V | null => {
        if (at + 4 > data.length) throw new DeserializationError(`a table change on "${context.topic}" is truncated`);
        const length = data.readUInt32BE(at);
        at += 4;
        if (length === ABSENT) return null;
        if (at + length > data.length) throw new DeserializationError(`a table change on "${context.topic}" is truncated`);
        const value = inner.deserialize(data.subarray(at, at + length), context);
        at += length;
        return value;
      };
      const oldValue = read();
      const newValue = read();
      return { oldValue, newValue };
    },
  };
}
