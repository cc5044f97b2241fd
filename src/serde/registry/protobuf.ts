import protobufjs from 'protobufjs';
import { ConfigError } from '../../errors/index.ts';
import type { FetchedSchema, RegistryClient } from './registry-client.ts';
import { RegistrySerde, type RegistrySerdeOptions, type SchemaFormat, type WriterSchema } from './registry-serde.ts';
import { decodeMessageIndexes, encodeMessageIndexes, frame, HEADER_BYTES } from './wire-format.ts';

export interface ProtobufSerdeOptions extends RegistrySerdeOptions {
  /** The .proto file of the writer schema (proto2 or proto3, without imports); required to serialize. */
  readonly schema?: string;
  /**
   * The message records are written as, by its full name (`shop.Order`), its name in the file's package
   * (`Order`, `Order.Line`); default the file's first message. Reading needs no name: each record's message
   * indexes say which message of its schema it is.
   */
  readonly messageName?: string;
}

type MessageType = protobufjs.Type;
type Namespace = protobufjs.Namespace;

const NAME = 'protobuf(registry)';

/**
 * Decoded messages are plain objects in the proto3 JSON style: 64-bit integers as decimal strings, enums by
 * name, every field present (absent scalars as their default, absent messages as null), field names in
 * lowerCamelCase (as protobufjs parses them). Writing accepts the same shape, numbers for 64-bit integers
 * and enum numbers too.
 */
const TO_OBJECT: protobufjs.IConversionOptions = { longs: String, enums: String, defaults: true };

function isMessageType(value: unknown): value is MessageType {
  const candidate = value as Partial<MessageType> | null;
  return (
    typeof candidate === 'object' && candidate !== null && typeof candidate.decode === 'function' && typeof candidate.fromObject === 'function'
  );
}

function messagesIn(scope: Namespace): MessageType[] {
  return scope.nestedArray.filter(isMessageType);
}

/** The message at a message-index path, counting the file's messages (or a message's nested ones) in order. */
function messageAt(top: Namespace, indexes: readonly number[]): MessageType {
  let scope: Namespace = top;
  let found: MessageType | undefined;
  for (const index of indexes) {
    found = messagesIn(scope)[index];
    if (found === undefined) {
      throw new Error(`message indexes [${indexes.join(', ')}] point to no message of the schema (no message #${index} in ${scope.fullName || 'the file'})`);
    }
    scope = found;
  }
  if (found === undefined) throw new Error('empty message indexes');
  return found;
}

/** The message-index path of `type` within the file whose top-level scope is `top`. */
function indexesOf(type: MessageType, top: Namespace): number[] {
  const path: number[] = [];
  let current: MessageType = type;
  for (;;) {
    const parent = current.parent;
    if (parent === null) throw new Error(`${type.fullName} is not in the schema file`);
    path.unshift(messagesIn(parent).indexOf(current));
    if (parent === top) return path;
    if (!isMessageType(parent)) throw new Error(`${type.fullName} is not in the schema file's package`);
    current = parent;
  }
}

/**
 * The library builds a protobufjs type for the schema's first message and keeps it as `message`; its parent
 * is the file's package scope, from which the message indexes of each record are resolved.
 */
function topScopeOf(fetched: FetchedSchema): Namespace {
  const first = (fetched.schema as unknown as { message?: unknown }).message;
  if (!isMessageType(first) || first.parent === null) {
    throw new Error('the registry client built no protobufjs message type for it (has @kafkajs/confluent-schema-registry changed?)');
  }
  return first.parent;
}

class ProtobufFormat<T> implements SchemaFormat<T> {
  readonly kind = 'PROTOBUF' as const;
  readonly name = NAME;
  readonly writerSchema: WriterSchema | undefined;
  private readonly writerType: MessageType | undefined;
  private readonly writerIndexes: Buffer | undefined;

  constructor(schema: string | undefined, messageName: string | undefined) {
    if (schema === undefined) {
      if (messageName !== undefined) {
        throw new ConfigError(`${NAME}: messageName "${messageName}" was given without a schema`, { context: { field: 'messageName' } });
      }
      this.writerSchema = undefined;
      return;
    }
    let parsed: protobufjs.IParserResult;
    try {
      parsed = protobufjs.parse(schema);
    } catch (cause) {
      throw new ConfigError(`${NAME}: the schema is not a valid .proto file: ${(cause as Error).message}`, { cause, context: { field: 'schema' } });
    }
    const top: Namespace = parsed.package === undefined ? parsed.root : parsed.root.lookup(parsed.package) as Namespace;
    let type: MessageType | undefined;
    if (messageName === undefined) {
      type = messagesIn(top)[0];
      if (type === undefined) throw new ConfigError(`${NAME}: the schema declares no message`, { context: { field: 'schema' } });
    } else {
      const found = top.lookup(messageName.replace(/^\./, '')) ?? parsed.root.lookup(messageName);
      if (!isMessageType(found)) {
        const names = messagesIn(top).map((m) => m.name).join(', ');
        throw new ConfigError(`${NAME}: the schema has no message "${messageName}" (its messages: ${names || 'none'})`, {
          context: { field: 'messageName' },
        });
      }
      type = found;
    }
    this.writerType = type;
    this.writerIndexes = encodeMessageIndexes(indexesOf(type, top));
    this.writerSchema = { text: schema, recordName: type.fullName.replace(/^\./, '') };
  }

  writer(id: number): Promise<(value: T) => Buffer> {
    const type = this.writerType;
    const indexes = this.writerIndexes;
    if (type === undefined || indexes === undefined) return Promise.reject(new Error(`${NAME} has no schema to write with`));
    return Promise.resolve((value: T) => {
      const message = type.fromObject(value as Record<string, unknown>);
      const problem = type.verify(message);
      if (problem !== null) throw new Error(problem);
      return frame(id, type.encode(message).finish(), indexes);
    });
  }

  reader(fetched: FetchedSchema): (data: Buffer) => T {
    const top = topScopeOf(fetched);
    const first = messageAt(top, [0]);
    const byPath = new Map<string, MessageType>();
    return (data) => {
      let type = first;
      let offset = HEADER_BYTES + 1;
      // One byte 0 is the path [0], the file's first message: the common case, read without allocating.
      if (data[HEADER_BYTES] !== 0) {
        const { indexes, payloadOffset } = decodeMessageIndexes(data, HEADER_BYTES);
        const key = indexes.join('.');
        let resolved = byPath.get(key);
        if (resolved === undefined) {
          resolved = messageAt(top, indexes);
          byPath.set(key, resolved);
        }
        type = resolved;
        offset = payloadOffset;
      }
      return type.toObject(type.decode(data.subarray(offset)), TO_OBJECT) as T;
    };
  }
}

/**
 * Protobuf messages in the Confluent wire format (with message indexes) through the schema registry, as
 * plain objects (see TO_OBJECT above). The value type is yours to give: `protobuf<Order>(registry, { schema })`.
 */
export function protobuf<T = unknown>(registry: RegistryClient, options: ProtobufSerdeOptions = {}): RegistrySerde<T> {
  return new RegistrySerde<T>(registry, new ProtobufFormat<T>(options.schema, options.messageName), options);
}

