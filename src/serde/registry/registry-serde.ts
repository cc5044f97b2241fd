/**
 * What the Avro, JSON Schema and Protobuf registry serdes share: schema ids per topic for writing, decoders per
 * schema id for reading, both filled in `prepare` (async, once per schema) so that `serialize` and
 * `deserialize` stay synchronous and cost one Map lookup plus the encoding itself per record.
 */
import { ConfigError, DeserializationError, ProductionError } from '../../errors/index.ts';
import type { PrepareRequest, Serde, SerdeContext } from '../serde.ts';
import { BoundedMap } from './bounded-map.ts';
import type { FetchedSchema, RegistryClient, SchemaKind } from './registry-client.ts';
import { RegistryError } from './registry-error.ts';
import { checkSubjectNameStrategy, subjectName, type SubjectNameStrategy } from './subject-name.ts';
import { framingProblem, HEADER_BYTES, MAGIC_BYTE } from './wire-format.ts';

/** Options every registry serde takes. */
export interface RegistrySerdeOptions {
  /** How the subject of the writer schema is named; default 'topic' (`<topic>-key` / `<topic>-value`). */
  readonly subjectNameStrategy?: SubjectNameStrategy;
  /**
   * true (default): register the writer schema under its subject at startup (a no-op when it is there).
   * false: only look it up, and fail at startup when it is not registered.
   */
  readonly autoRegister?: boolean;
}

/** The writer schema of a serde, as registered, and its full record name for the record subject strategies. */
export interface WriterSchema {
  readonly text: string;
  readonly recordName: string | undefined;
}

/** What a format adds to the shared machinery. */
export interface SchemaFormat<T> {
  readonly kind: SchemaKind;
  /** e.g. "avro(registry)". */
  readonly name: string;
  /** Undefined when the serde was given no schema: it can then only read. */
  readonly writerSchema: WriterSchema | undefined;
  /** The encoder for records written with schema `id` (the registered writer schema), frame included. */
  writer(id: number, client: RegistryClient): Promise<(value: T) => Buffer>;
  /** The decoder for framed records written with `fetched`; throws when this serde cannot read that schema. */
  reader(fetched: FetchedSchema): (data: Buffer) => T;
}

interface Writer<T> {
  readonly id: number;
  readonly subject: string;
  readonly encode: (value: T) => Buffer;
}

type Reader<T> =
  | { readonly ok: true; readonly decode: (data: Buffer) => T }
  | { readonly ok: false; readonly reason: string; readonly retryAtMs: number };

/** An id the registry did not know is asked for again after this long (it may have been registered since). */
const UNKNOWN_ID_RETRY_MS = 30_000;

function where(context: SerdeContext): string {
  return `${context.isKey ? 'key' : 'value'} of topic "${context.topic}"`;
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class RegistrySerde<T> implements Serde<T> {
  readonly name: string;
  private readonly strategy: SubjectNameStrategy;
  private readonly autoRegister: boolean;
  private readonly keyWriters = new Map<string, Writer<T>>();
  private readonly valueWriters = new Map<string, Writer<T>>();
  private readonly pendingWriters = new Map<string, Promise<void>>();
  private readonly readers: BoundedMap<number, Reader<T>>;
  private readonly pendingReaders = new Map<number, Promise<void>>();

  constructor(
    private readonly client: RegistryClient,
    private readonly format: SchemaFormat<T>,
    options: RegistrySerdeOptions,
  ) {
    this.name = format.name;
    this.strategy = checkSubjectNameStrategy(options.subjectNameStrategy, format.name);
    if (options.autoRegister !== undefined && typeof options.autoRegister !== 'boolean') {
      throw new ConfigError(`${format.name}: autoRegister must be true or false`, { context: { field: 'autoRegister' } });
    }
    this.autoRegister = options.autoRegister ?? true;
    this.readers = new BoundedMap(client.cacheSize);
  }

  /** The subject the writer schema goes under for `context`; throws a ConfigError when it cannot be named. */
  subjectFor(context: SerdeContext): string {
    return subjectName(this.strategy, context, this.format.writerSchema?.recordName);
  }

  /** The registered id records written for `context` carry, once `prepare` has run for it. */
  writerSchemaId(context: SerdeContext): number | undefined {
    return (context.isKey ? this.keyWriters : this.valueWriters).get(context.topic)?.id;
  }

  serialize(value: T, context: SerdeContext): Buffer | null {
    if (value === null || value === undefined) return null;
    const writer = (context.isKey ? this.keyWriters : this.valueWriters).get(context.topic);
    if (writer === undefined) {
      throw new ProductionError(
        `${this.name}: no writer schema id for the ${where(context)}: prepare({ topic, isKey }) must be awaited before serializing`,
        { context: { topic: context.topic } },
      );
    }
    try {
      return writer.encode(value);
    } catch (cause) {
      throw new ProductionError(
        `${where(context)} does not match its ${this.format.kind} schema (id ${writer.id}, subject "${writer.subject}"): ${reasonOf(cause)}`,
        { cause, context: { topic: context.topic } },
      );
    }
  }

  deserialize(data: Buffer | null, context: SerdeContext): T {
    if (data === null) {
      throw new DeserializationError(`${where(context)} is null (expected a record in the Confluent wire format for ${this.name})`, {
        context: { topic: context.topic },
      });
    }
    if (data.length < HEADER_BYTES || data[0] !== MAGIC_BYTE) {
      throw new DeserializationError(`${where(context)} is not in the Confluent wire format: ${framingProblem(data) ?? 'unknown framing'}`, {
        context: { topic: context.topic },
      });
    }
    const id = data.readInt32BE(1);
    const reader = this.readers.get(id);
    if (reader === undefined) {
      throw new DeserializationError(
        `${where(context)} has schema id ${id}, which was not fetched from the registry (prepare() was not awaited with this batch's payloads)`,
        { context: { topic: context.topic } },
      );
    }
    if (!reader.ok) {
      throw new DeserializationError(`${where(context)} has schema id ${id}, ${reader.reason}`, { context: { topic: context.topic } });
    }
    try {
      return reader.decode(data);
    } catch (cause) {
      throw new DeserializationError(`${where(context)} with schema id ${id} does not decode as ${this.format.kind}: ${reasonOf(cause)}`, {
        cause,
        context: { topic: context.topic },
      });
    }
  }

  /**
   * Without payloads: resolves the writer schema id for the topic (registering or looking up the schema).
   * With payloads: fetches every schema id in them that is not cached yet. Rejects with a ConfigError for
   * what retrying cannot fix (URL, credentials, a refused or unregistered writer schema) and with a retriable
   * RegistryError when the registry cannot be asked; an id the registry does not know is not an error here:
   * the records carrying it fail to deserialize, with that reason.
   */
  async prepare(request: PrepareRequest): Promise<void> {
    if (request.payloads === undefined) return this.prepareWriter(request);
    let batchIds: Set<number> | undefined;
    let missing: number[] | undefined;
    const now = Date.now();
    for (const payload of request.payloads) {
      if (payload === null || payload.length < HEADER_BYTES || payload[0] !== MAGIC_BYTE) continue;
      const id = payload.readInt32BE(1);
      batchIds ??= new Set();
      if (batchIds.has(id)) continue;
      batchIds.add(id);
      const reader = this.readers.get(id);
      if (reader === undefined || (!reader.ok && reader.retryAtMs <= now)) (missing ??= []).push(id);
    }
    if (missing === undefined || batchIds === undefined) return;
    const keep = batchIds;
    await Promise.all(missing.map((id) => this.prepareReader(id, keep)));
  }

  private prepareReader(id: number, keep: ReadonlySet<number>): Promise<void> {
    let pending = this.pendingReaders.get(id);
    if (pending === undefined) {
      pending = this.fetchReader(id, keep).finally(() => this.pendingReaders.delete(id));
      this.pendingReaders.set(id, pending);
    }
    return pending;
  }

  private async fetchReader(id: number, keep: ReadonlySet<number>): Promise<void> {
    let fetched: FetchedSchema;
    try {
      fetched = await this.client.schemaById(id);
    } catch (error) {
      if (error instanceof RegistryError && error.status === 404) {
        const reason = `which the schema registry at ${this.client.url} does not know (HTTP 404)`;
        this.readers.set(id, { ok: false, reason, retryAtMs: Date.now() + UNKNOWN_ID_RETRY_MS }, keep);
        return;
      }
      throw error;
    }
    let reader: Reader<T>;
    if (fetched.kind !== this.format.kind) {
      reader = { ok: false, reason: `a ${fetched.kind} schema, which ${this.name} does not read`, retryAtMs: Number.POSITIVE_INFINITY };
    } else {
      try {
        reader = { ok: true, decode: this.format.reader(fetched) };
      } catch (cause) {
        reader = { ok: false, reason: `which ${this.name} cannot read: ${reasonOf(cause)}`, retryAtMs: Number.POSITIVE_INFINITY };
      }
    }
    this.readers.set(id, reader, keep);
  }

  private prepareWriter(context: SerdeContext): Promise<void> {
    if ((context.isKey ? this.keyWriters : this.valueWriters).has(context.topic)) return Promise.resolve();
    const key = `${context.isKey ? 'k' : 'v'}:${context.topic}`;
    let pending = this.pendingWriters.get(key);
    if (pending === undefined) {
      pending = this.resolveWriter(context).finally(() => this.pendingWriters.delete(key));
      this.pendingWriters.set(key, pending);
    }
    return pending;
  }

  private async resolveWriter(context: SerdeContext): Promise<void> {
    const schema = this.format.writerSchema;
    if (schema === undefined) {
      throw new ConfigError(`${this.name} for the ${where(context)} has no schema, so it cannot write records: pass options.schema`, {
        context: { topic: context.topic, field: 'schema' },
      });
    }
    const subject = this.subjectFor(context);
    const id = this.autoRegister
      ? await this.client.register(subject, this.format.kind, schema.text)
      : await this.client.lookup(subject, this.format.kind, schema.text);
    const encode = await this.format.writer(id, this.client);
    (context.isKey ? this.keyWriters : this.valueWriters).set(context.topic, { id, subject, encode });
  }
}
