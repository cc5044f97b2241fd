import avsc from 'avsc';
import { ConfigError } from '../../errors/index.ts';
import type { AvroSchemaDefinition, AvroValue } from './avro-types.ts';
import type { FetchedSchema, RegistryClient } from './registry-client.ts';
import { RegistrySerde, type RegistrySerdeOptions, type SchemaFormat, type WriterSchema } from './registry-serde.ts';
import { frame, HEADER_BYTES } from './wire-format.ts';

export interface AvroSerdeOptions<S extends AvroSchemaDefinition = AvroSchemaDefinition> extends RegistrySerdeOptions {
  /**
   * The Avro schema, as an object (`{ type: 'record', name: 'Click', fields: [...] }`), a type name
   * (`'string'`) or JSON text. Required to serialize: it is the writer schema that is registered. When
   * given, records are also decoded into it: a record written with another (compatible) version of the
   * schema is resolved to this one, so values always have the shape of this schema.
   */
  readonly schema?: S;
}

type AvscType = avsc.Type;

const NAME = 'avro(registry)';

function schemaText(schema: AvroSchemaDefinition): string {
  // JSON text starts with {, [ or "; any other string is a type name such as 'string' or 'long'.
  return typeof schema === 'string' && /^\s*[{["]/.test(schema) ? schema : JSON.stringify(schema);
}

/** The full name Confluent's record strategies use: namespace.name for named types, else the type's name. */
function fullName(schema: unknown): string | undefined {
  if (typeof schema === 'string') return schema;
  if (Array.isArray(schema)) return 'union';
  if (typeof schema !== 'object' || schema === null) return undefined;
  const { name, namespace, type } = schema as { name?: unknown; namespace?: unknown; type?: unknown };
  if (typeof name === 'string') {
    return name.includes('.') || typeof namespace !== 'string' || namespace === '' ? name : `${namespace}.${name}`;
  }
  return typeof type === 'string' ? type : undefined;
}

function preview(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** "field n = "x" (expected int)"-style details of why `value` does not match `type`. */
function whyInvalid(type: AvscType, value: unknown): string | undefined {
  const problems: string[] = [];
  type.isValid(value, {
    errorHook: (path: string[], wrong: unknown, expected: AvscType) => {
      if (problems.length < 5) {
        const at = path.length === 0 ? 'value' : `field ${path.join('.')}`;
        problems.push(`${at} = ${preview(wrong)} (expected ${expected.typeName})`);
      }
    },
  });
  return problems.length === 0 ? undefined : problems.join('; ');
}

function asAvscType(fetched: FetchedSchema): AvscType {
  const candidate = fetched.schema as unknown as Partial<AvscType>;
  if (typeof candidate.createResolver !== 'function' || typeof candidate.fromBuffer !== 'function') {
    throw new Error('the registry client did not build an Avro type for it');
  }
  return candidate as AvscType;
}

class AvroFormat<T> implements SchemaFormat<T> {
  readonly kind = 'AVRO' as const;
  readonly name = NAME;
  readonly writerSchema: WriterSchema | undefined;
  private readonly local: AvscType | undefined;

  constructor(schema: AvroSchemaDefinition | undefined) {
    if (schema === undefined) {
      this.writerSchema = undefined;
      this.local = undefined;
      return;
    }
    const text = schemaText(schema);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
      this.local = avsc.Type.forSchema(parsed as avsc.Schema);
    } catch (cause) {
      throw new ConfigError(`${NAME}: the schema is not a valid Avro schema: ${(cause as Error).message}`, {
        cause,
        context: { field: 'schema' },
      });
    }
    this.writerSchema = { text, recordName: fullName(parsed) };
  }

  writer(id: number): Promise<(value: T) => Buffer> {
    const type = this.local;
    if (type === undefined) return Promise.reject(new Error(`${NAME} has no schema to write with`));
    return Promise.resolve((value: T) => {
      let payload: Buffer;
      try {
        payload = type.toBuffer(value);
      } catch (error) {
        throw new Error(whyInvalid(type, value) ?? (error as Error).message, { cause: error });
      }
      return frame(id, payload);
    });
  }

  reader(fetched: FetchedSchema): (data: Buffer) => T {
    const writerType = asAvscType(fetched);
    const readerType = this.local;
    if (readerType === undefined) return (data) => writerType.fromBuffer(data.subarray(HEADER_BYTES)) as T;
    if (readerType.equals(writerType)) return (data) => readerType.fromBuffer(data.subarray(HEADER_BYTES)) as T;
    // Throws when the writer's schema cannot be read as this one (schema resolution rules).
    const resolver = readerType.createResolver(writerType);
    return (data) => readerType.fromBuffer(data.subarray(HEADER_BYTES), resolver) as T;
  }
}

/**
 * Avro records in the Confluent wire format through the schema registry. The value type is inferred from a
 * schema literal (see InferAvro) or given: `avro<Click>(registry, { schema })`.
 *
 * @example
 * const registry = schemaRegistry({ url: 'http://127.0.0.1:18081/apis/ccompat/v7' });
 * const clicks = avro(registry, {
 *   schema: { type: 'record', name: 'Click', namespace: 'shop', fields: [
 *     { name: 'user', type: 'string' }, { name: 'page', type: ['null', 'string'], default: null } ] },
 * }); // Serde<{ user: string; page: string | null }>
 */
export function avro<T = never, const S extends AvroSchemaDefinition = AvroSchemaDefinition>(
  registry: RegistryClient,
  options: AvroSerdeOptions<S> = {},
): RegistrySerde<AvroValue<T, S>> {
  return new RegistrySerde<AvroValue<T, S>>(registry, new AvroFormat<AvroValue<T, S>>(options.schema), options);
}
