/**
 * Schema-registry serdes: Avro, JSON Schema and Protobuf records in the Confluent wire format (magic byte 0,
 * 4-byte schema id, payload; Protobuf with message indexes), through any Confluent-compatible registry.
 *
 * @example
 * import { avro, schemaRegistry } from './serde/registry/index.ts';
 * const registry = schemaRegistry({ url: process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:18081/apis/ccompat/v7' });
 * const orders = avro(registry, { schema: { type: 'record', name: 'Order', namespace: 'shop',
 *   fields: [{ name: 'id', type: 'string' }, { name: 'cents', type: 'long' }] } });
 * // orders: Serde<{ id: string; cents: number }>; its subject is "<topic>-value" by default.
 */
export { schemaRegistry, schemaRegistryFromEnv, RegistryClient, type SchemaRegistryOptions, type SchemaKind, type FetchedSchema } from './registry-client.ts';
export { RegistryError } from './registry-error.ts';
export { RegistrySerde, type RegistrySerdeOptions } from './registry-serde.ts';
export { avro, type AvroSerdeOptions } from './avro.ts';
export type { AvroSchemaDefinition, AvroPrimitiveName, InferAvro, AvroValue } from './avro-types.ts';
export { jsonSchema, type JsonSchemaSerdeOptions } from './json-schema.ts';
export { protobuf, type ProtobufSerdeOptions } from './protobuf.ts';
export { subjectName, type SubjectNameStrategy } from './subject-name.ts';
export {
  MAGIC_BYTE,
  HEADER_BYTES,
  readSchemaId,
  frame,
  encodeMessageIndexes,
  decodeMessageIndexes,
  type MessageIndexes,
} from './wire-format.ts';
