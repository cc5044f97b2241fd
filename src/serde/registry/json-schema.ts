import { ConfigError } from '../../errors/index.ts';
import type { FetchedSchema, RegistryClient, RegistrySchema } from './registry-client.ts';
import { RegistrySerde, type RegistrySerdeOptions, type SchemaFormat, type WriterSchema } from './registry-serde.ts';
import { frame, HEADER_BYTES } from './wire-format.ts';

export interface JsonSchemaSerdeOptions extends RegistrySerdeOptions {
  /**
   * The JSON Schema (draft-07, as an object or its JSON text) values are validated against when written and
   * that is registered; required to serialize. Its `title` is the record name for the record strategies.
   * Records are decoded and validated with the schema they were written with (their schema id).
   */
  readonly schema?: string | { readonly [keyword: string]: unknown };
}

const NAME = 'json-schema(registry)';

/** "invalid payload: /n must be integer" from the library's validation error and its paths. */
function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const paths = (error as { paths?: unknown }).paths;
  if (!Array.isArray(paths) || paths.length === 0) return message;
  const details = paths.slice(0, 5).map((entry: unknown) => {
    if (Array.isArray(entry)) return entry.join('') || '(root)';
    const { path, message: why } = entry as { path?: unknown; message?: unknown };
    const at = Array.isArray(path) ? path.join('') || '(root)' : String(path);
    return typeof why === 'string' ? `${at} ${why}` : at;
  });
  return `${message}: ${details.join('; ')}`;
}

function withDetails<R>(action: () => R): R {
  try {
    return action();
  } catch (error) {
    throw new Error(describe(error), { cause: error });
  }
}

class JsonSchemaFormat<T> implements SchemaFormat<T> {
  readonly kind = 'JSON' as const;
  readonly name = NAME;
  readonly writerSchema: WriterSchema | undefined;

  constructor(schema: JsonSchemaSerdeOptions['schema']) {
    if (schema === undefined) {
      this.writerSchema = undefined;
      return;
    }
    const text = typeof schema === 'string' ? schema : JSON.stringify(schema);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (cause) {
      throw new ConfigError(`${NAME}: the schema is not JSON: ${(cause as Error).message}`, { cause, context: { field: 'schema' } });
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new ConfigError(`${NAME}: the schema must be a JSON object`, { context: { field: 'schema' } });
    }
    const title = (parsed as { title?: unknown }).title;
    this.writerSchema = { text, recordName: typeof title === 'string' ? title : undefined };
  }

  async writer(id: number, client: RegistryClient): Promise<(value: T) => Buffer> {
    // The registry's copy of the schema, compiled once by the client's ajv, validates what is written.
    const schema: RegistrySchema = (await client.schemaById(id)).schema;
    return (value: T) => frame(id, withDetails(() => schema.toBuffer(value as object)));
  }

  reader(fetched: FetchedSchema): (data: Buffer) => T {
    const schema = fetched.schema;
    return (data) => withDetails(() => schema.fromBuffer(data.subarray(HEADER_BYTES)) as T);
  }
}

/**
 * JSON values checked against a JSON Schema, in the Confluent wire format through the schema registry.
 * The value type is yours to give: `jsonSchema<Order>(registry, { schema })`.
 */
export function jsonSchema<T = unknown>(registry: RegistryClient, options: JsonSchemaSerdeOptions = {}): RegistrySerde<T> {
  return new RegistrySerde<T>(registry, new JsonSchemaFormat<T>(options.schema), options);
}
