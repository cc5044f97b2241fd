/**
 * The connection to a Confluent-compatible schema registry, shared by the registry serdes.
 *
 * Schemas by id are fetched, built and cached by @kafkajs/confluent-schema-registry (`getSchema(id)` gives an
 * object with synchronous toBuffer/fromBuffer, resolves schema references, and sends one request for
 * concurrent misses); this wrapper bounds that cache to `cacheSize` entries and classifies failures.
 * Registering and looking up a writer schema are two plain requests made here with fetch: the library's
 * `register` also reads and rewrites the subject's compatibility setting and refuses subjects whose setting
 * differs from its own default, which a serializer must not do.
 */
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { ConfigError } from '../../errors/index.ts';
import { BoundedMap } from './bounded-map.ts';
import { RegistryError } from './registry-error.ts';

export type SchemaKind = 'AVRO' | 'JSON' | 'PROTOBUF';

/**
 * The object the library builds for a schema, with synchronous encoding and decoding: an avsc Type for Avro,
 * an ajv-validating codec for JSON Schema, a protobufjs codec for Protobuf (of the schema's first message).
 */
export interface RegistrySchema {
  toBuffer(value: object): Buffer;
  fromBuffer(buffer: Buffer): unknown;
}

type LibraryMiddleware = NonNullable<ConstructorParameters<typeof SchemaRegistry>[0]['middlewares']>[number];

export interface FetchedSchema {
  readonly id: number;
  readonly kind: SchemaKind;
  readonly schema: RegistrySchema;
}

export interface SchemaRegistryOptions {
  /** Base URL of the Confluent-compatible API, e.g. http://127.0.0.1:18081/apis/ccompat/v7 (Apicurio) or http://registry:8081. */
  readonly url: string;
  /** HTTP basic authentication (Confluent Cloud: API key and secret). Credentials in the URL are used the same way. */
  readonly auth?: { readonly username: string; readonly password: string };
  /** Most schemas kept in memory, by id, by this client and by each serde; default 1000. */
  readonly cacheSize?: number;
  /** Time limit of each request to the registry, in ms; default 10 000. */
  readonly timeoutMs?: number;
}

interface ParsedOptions {
  readonly baseUrl: string;
  readonly authHeader: string | undefined;
  readonly auth: { readonly username: string; readonly password: string } | undefined;
  readonly cacheSize: number;
  readonly timeoutMs: number;
}

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';
const DEFAULT_CACHE_SIZE = 1000;
const DEFAULT_TIMEOUT_MS = 10_000;

function parseOptions(options: SchemaRegistryOptions): ParsedOptions | ConfigError {
  const example = 'expected e.g. http://127.0.0.1:18081/apis/ccompat/v7';
  if (typeof options.url !== 'string' || options.url.trim() === '') {
    return new ConfigError(`schema registry url is missing (${example})`, { context: { field: 'schemaRegistry.url' } });
  }
  let url: URL;
  try {
    url = new URL(options.url.trim());
  } catch (cause) {
    return new ConfigError(`schema registry url "${options.url}" is not a URL (${example})`, {
      cause,
      context: { field: 'schemaRegistry.url' },
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return new ConfigError(`schema registry url "${options.url}" must start with http:// or https:// (${example})`, {
      context: { field: 'schemaRegistry.url' },
    });
  }
  let auth = options.auth;
  if (url.username !== '' && auth === undefined) {
    auth = { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
  }
  url.username = '';
  url.password = '';
  const cacheSize = options.cacheSize ?? DEFAULT_CACHE_SIZE;
  if (!Number.isInteger(cacheSize) || cacheSize < 1) {
    return new ConfigError(`schema registry cacheSize ${cacheSize} must be a positive integer`, {
      context: { field: 'schemaRegistry.cacheSize' },
    });
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    return new ConfigError(`schema registry timeoutMs ${timeoutMs} must be a positive number of milliseconds`, {
      context: { field: 'schemaRegistry.timeoutMs' },
    });
  }
  const authHeader =
    auth === undefined ? undefined : `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
  return { baseUrl: url.toString().replace(/\/+$/, ''), authHeader, auth, cacheSize, timeoutMs };
}

const NETWORK_FAILURE = /ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EPIPE|socket hang up|Timeout \(\d+ms\)/;

const NO_ANSWER = 'no answer in time';

function messageOf(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    const code = (cause as { code?: unknown } | undefined)?.code;
    if (error.name === 'TimeoutError' || error.name === 'AbortError') return NO_ANSWER;
    if (typeof code === 'string') return `${code}${cause instanceof Error && cause.message !== '' ? ` (${cause.message})` : ''}`;
    if (cause instanceof Error && cause.message !== '') return cause.message;
    return error.message;
  }
  return String(error);
}

/** A client of one schema registry; create it with `schemaRegistry({ url })`. */
export class RegistryClient {
  private readonly parsed: ParsedOptions | ConfigError;
  private library: SchemaRegistry | undefined;
  private readonly schemas: BoundedMap<number, FetchedSchema>;
  private readonly pendingSchemas = new Map<number, Promise<FetchedSchema>>();
  private connecting: Promise<void> | undefined;
  private requests = 0;

  private readonly givenUrl: string;

  constructor(options: SchemaRegistryOptions) {
    this.givenUrl = String(options.url);
    this.parsed = parseOptions(options);
    this.schemas = new BoundedMap(this.parsed instanceof ConfigError ? DEFAULT_CACHE_SIZE : this.parsed.cacheSize);
  }

  /** The base URL requests go to (without credentials), or the URL as given when it is invalid. */
  get url(): string {
    return this.parsed instanceof ConfigError ? this.givenUrl : this.parsed.baseUrl;
  }

  /** Most schemas kept by id; serdes bound their own per-id caches with it too. */
  get cacheSize(): number {
    return this.schemas.capacity;
  }

  /** Requests sent to the registry so far (each call, not counting the library's retries of 5xx answers). */
  get requestCount(): number {
    return this.requests;
  }

  /**
   * Checks the options and that the registry answers `GET /config` within `timeoutMs`. Rejects with a
   * ConfigError naming the URL otherwise. Serdes call it from `prepare`; calling it at startup fails earlier.
   * Once it has succeeded it resolves at once; after a failure the next call tries again.
   */
  connect(): Promise<void> {
    this.connecting ??= this.checkReachable().catch((error: unknown) => {
      this.connecting = undefined;
      throw error;
    });
    return this.connecting;
  }

  private options(): ParsedOptions {
    if (this.parsed instanceof ConfigError) throw this.parsed;
    return this.parsed;
  }

  private async checkReachable(): Promise<void> {
    const { baseUrl, timeoutMs } = this.options();
    let response: Response;
    try {
      response = await this.request('GET', '/config');
    } catch (cause) {
      const reason = messageOf(cause);
      const waited = reason === NO_ANSWER ? ` (waited up to ${timeoutMs} ms)` : '';
      // Retriable: while records wait, the runtime retries with backoff before giving up with this message.
      throw new ConfigError(`schema registry at ${baseUrl} is not reachable: ${reason}${waited}`, {
        cause,
        context: { field: 'schemaRegistry.url' },
        retriable: true,
      });
    }
    if (response.ok) {
      await response.arrayBuffer().catch(() => undefined);
      return;
    }
    const detail = await this.errorDetail(response);
    if (response.status === 401 || response.status === 403) {
      throw new ConfigError(`schema registry at ${baseUrl} refused the credentials (HTTP ${response.status}${detail}); check schemaRegistry.auth`, {
        context: { field: 'schemaRegistry.auth' },
      });
    }
    if (response.status === 404) {
      throw new ConfigError(
        `schema registry at ${baseUrl} answered 404 to GET /config: no Confluent-compatible API at that URL (for Apicurio Registry it ends in /apis/ccompat/v7)`,
        { context: { field: 'schemaRegistry.url' } },
      );
    }
    throw new ConfigError(`schema registry at ${baseUrl} answered HTTP ${response.status} to GET /config${detail}`, {
      context: { field: 'schemaRegistry.url' },
    });
  }

  private async request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Response> {
    const { baseUrl, authHeader, timeoutMs } = this.options();
    const headers: Record<string, string> = { Accept: `${CONTENT_TYPE}, application/json` };
    if (body !== undefined) headers['Content-Type'] = CONTENT_TYPE;
    if (authHeader !== undefined) headers.Authorization = authHeader;
    this.requests++;
    return fetch(`${baseUrl}${path}`, {
      method,
      headers,
      signal: AbortSignal.timeout(timeoutMs),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  }

  private async errorDetail(response: Response): Promise<string> {
    const text = await response.text().catch(() => '');
    try {
      const parsed = JSON.parse(text) as { message?: unknown; error_code?: unknown };
      if (typeof parsed.message === 'string') {
        return `: ${parsed.message}${typeof parsed.error_code === 'number' ? ` (error code ${parsed.error_code})` : ''}`;
      }
    } catch {
      // not JSON: fall through
    }
    return text === '' ? '' : `: ${text.slice(0, 200)}`;
  }

  /**
   * Registers `schema` under `subject` (a no-op returning the existing id when it is already there) and
   * returns its id. A schema the registry refuses (incompatible, invalid) is a ConfigError.
   */
  register(subject: string, kind: SchemaKind, schema: string): Promise<number> {
    return this.writerSchemaCall('register', `/subjects/${encodeURIComponent(subject)}/versions`, subject, kind, schema);
  }

  /** The id of `schema` if it is registered under `subject`; a ConfigError when it is not. */
  lookup(subject: string, kind: SchemaKind, schema: string): Promise<number> {
    return this.writerSchemaCall('lookup', `/subjects/${encodeURIComponent(subject)}`, subject, kind, schema);
  }

  private async writerSchemaCall(
    action: 'register' | 'lookup',
    path: string,
    subject: string,
    kind: SchemaKind,
    schema: string,
  ): Promise<number> {
    await this.connect();
    const { baseUrl } = this.options();
    const what = action === 'register' ? `registering the ${kind} schema under subject "${subject}"` : `looking up the ${kind} schema under subject "${subject}"`;
    let response: Response;
    try {
      response = await this.request('POST', path, kind === 'AVRO' ? { schema } : { schema, schemaType: kind });
    } catch (cause) {
      throw new RegistryError(`schema registry at ${baseUrl}: ${what} failed: ${messageOf(cause)}`, { cause, retriable: true });
    }
    if (response.ok) {
      const answer = (await response.json()) as { id?: unknown };
      if (typeof answer.id !== 'number') {
        throw new RegistryError(`schema registry at ${baseUrl}: ${what} returned no schema id`, { status: response.status });
      }
      return answer.id;
    }
    const detail = await this.errorDetail(response);
    const status = response.status;
    if (status === 408 || status === 429 || status >= 500) {
      throw new RegistryError(`schema registry at ${baseUrl}: ${what} failed with HTTP ${status}${detail}`, { retriable: true, status });
    }
    if (action === 'lookup' && status === 404) {
      throw new ConfigError(
        `schema registry at ${baseUrl}: the ${kind} schema is not registered under subject "${subject}"${detail}; register it, or set autoRegister: true`,
        { context: { field: 'autoRegister' } },
      );
    }
    const reason = status === 409 ? 'incompatible with the versions already registered' : status === 422 ? 'rejected as invalid' : `HTTP ${status}`;
    // Apicurio Registry takes content for a JSON Schema only when it has one of these two keywords.
    const hint =
      status === 422 && kind === 'JSON' && !/"\$schema"|"properties"/.test(schema)
        ? ' (some registries, e.g. Apicurio, recognise a JSON Schema only by a "$schema" naming json-schema.org or a "properties" keyword: add "$schema": "http://json-schema.org/draft-07/schema#")'
        : '';
    throw new ConfigError(`schema registry at ${baseUrl}: ${what} failed: ${reason}${detail}${hint}`, { context: { field: 'schema' } });
  }

  private libraryClient(): SchemaRegistry {
    if (this.library !== undefined) return this.library;
    const { baseUrl, auth, timeoutMs } = this.options();
    const countAndLimit: LibraryMiddleware = () => ({
      prepareRequest: (next) =>
        next().then((request) => {
          this.requests++;
          return request.enhance({ timeout: timeoutMs });
        }),
    });
    this.library = new SchemaRegistry({
      host: baseUrl,
      clientId: 'sluice',
      ...(auth === undefined ? {} : { auth: { username: auth.username, password: auth.password } }),
      retry: { retries: 2, initialRetryTimeInSecs: 0.1, maxRetryTimeInSecs: 2, factor: 0.2, multiplier: 2 },
      middlewares: [countAndLimit],
    }, {
      // JSON Schemas from other producers may carry keywords and formats ajv does not know: ignore them.
      [SchemaType.JSON]: { strict: false, allErrors: true, detailedErrorPaths: true },
    });
    return this.library;
  }

  /**
   * The schema with this id, built for synchronous encoding and decoding; fetched once and kept (up to
   * `cacheSize` ids). Rejects with a RegistryError: `status` 404 when the registry does not know the id,
   * `retriable` when it could not be asked.
   */
  schemaById(id: number): Promise<FetchedSchema> {
    const cached = this.schemas.get(id);
    if (cached !== undefined) return Promise.resolve(cached);
    let pending = this.pendingSchemas.get(id);
    if (pending === undefined) {
      pending = this.fetchSchema(id).finally(() => this.pendingSchemas.delete(id));
      this.pendingSchemas.set(id, pending);
    }
    return pending;
  }

  private async fetchSchema(id: number): Promise<FetchedSchema> {
    await this.connect();
    const library = this.libraryClient();
    const { baseUrl } = this.options();
    let schema: RegistrySchema;
    try {
      schema = (await library.getSchema(id)) as RegistrySchema;
    } catch (cause) {
      throw this.classify(cause, `schema registry at ${baseUrl}: fetching schema id ${id} failed`);
    }
    const entry = library.cache.getSchema(id);
    // The library keeps every schema forever; this client's bounded cache is the one that counts.
    delete library.cache.schemasByRegistryId[id];
    const kind = entry?.type;
    if (kind !== 'AVRO' && kind !== 'JSON' && kind !== 'PROTOBUF') {
      throw new RegistryError(`schema registry at ${baseUrl}: schema id ${id} has an unsupported type ${String(kind)}`);
    }
    const fetched: FetchedSchema = { id, kind, schema };
    this.schemas.set(id, fetched);
    return fetched;
  }

  private classify(cause: unknown, what: string): RegistryError {
    const status = (cause as { status?: unknown } | undefined)?.status;
    const message = messageOf(cause).replace(/^Confluent_Schema_Registry - /, '').replace(/^sluice - /, '');
    if (typeof status !== 'number') return new RegistryError(`${what}: ${message}`, { cause, retriable: true });
    // The library reports a request that got no answer as status 400 with the socket error as its message.
    const noAnswer = (status === 400 || status === 408) && NETWORK_FAILURE.test(message);
    if (noAnswer) return new RegistryError(`${what}: no answer (${message})`, { cause, retriable: true });
    const retriable = status === 408 || status === 429 || status >= 500;
    return new RegistryError(`${what}: HTTP ${status}: ${message}`, { cause, retriable, status });
  }
}

/** A client for the schema registry at `options.url`; nothing is sent until `connect()` or a serde's `prepare`. */
export function schemaRegistry(options: SchemaRegistryOptions): RegistryClient {
  return new RegistryClient(options);
}

/**
 * The registry named by the environment, as `sluice run` sets it from `--schema-registry-url` /
 * `SLUICE_SCHEMA_REGISTRY_URL` (and `..._USERNAME` / `..._PASSWORD`) before it loads a topology module.
 */
export function schemaRegistryFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): RegistryClient {
  const url = env.SLUICE_SCHEMA_REGISTRY_URL;
  if (url === undefined || url === '') {
    throw new ConfigError('no schema registry configured (set --schema-registry-url or SLUICE_SCHEMA_REGISTRY_URL, e.g. http://registry:8081)', {
      context: { field: 'SLUICE_SCHEMA_REGISTRY_URL' },
    });
  }
  const username = env.SLUICE_SCHEMA_REGISTRY_USERNAME;
  const password = env.SLUICE_SCHEMA_REGISTRY_PASSWORD;
  return schemaRegistry({ url, ...(username !== undefined && password !== undefined ? { auth: { username, password } } : {}) });
}
