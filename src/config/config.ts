import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { ConfigError } from '../errors/index.ts';

export type ProcessingGuarantee = 'exactly_once' | 'at_least_once';
export type LogFormat = 'json' | 'pretty';

/** Every runtime setting, validated, with units in the names. */
export interface SluiceConfig {
  readonly brokers: readonly string[];
  /** Overrides the topology's applicationId when set. */
  readonly applicationId: string | undefined;
  readonly processingGuarantee: ProcessingGuarantee;
  readonly commitIntervalMs: number;
  readonly httpPort: number | null;
  /** Interface the HTTP server binds: 127.0.0.1 by default; the container image and the Helm chart set 0.0.0.0. */
  readonly httpHost: string;
  readonly logLevel: string;
  readonly logFormat: LogFormat;
  readonly stateDir: string | null;
  readonly instanceId: string;
  readonly shutdownTimeoutMs: number;
  readonly sessionTimeoutMs: number;
  readonly maxWaitMs: number;
  /** A task holding input it does not commit for longer than this is reported stalled (metric, /readyz, log). */
  readonly stallTimeoutMs: number;
  /**
   * Largest record (key + value + headers) a task writes; a bigger one is handled by the topology's onError
   * policy with its coordinates instead of failing every transaction. Keep it at or below the broker's
   * message.max.bytes.
   */
  readonly maxRecordBytes: number;
  /** Compression of the record batches sluice writes (exactly-once producers): none or gzip. */
  readonly producerCompression: 'none' | 'gzip';
  /**
   * How exactly-once producers write records: 'wire' (the default: sluice encodes the record batches and sends one
   * Produce request per broker per commit) or 'kafkajs' (kafkajs's own producer, for a broker that does not accept
   * Produce v7).
   */
  readonly producePath: 'wire' | 'kafkajs';
  /**
   * Exactly-once: 'per-task' (the default: each task commits in its own transaction, under its own transactional
   * id) or 'per-instance' (one transaction per commit interval for all tasks of the instance, fenced by the group
   * generation; docs/shared-producer.md). 'per-instance' needs the wire produce path.
   */
  readonly eosProducer: 'per-task' | 'per-instance';
  /** TLS to the brokers; on when --kafka-ssl or a CA file is given. */
  readonly ssl: boolean;
  readonly sslCaFile: string | undefined;
  /** The PEM text of `sslCaFile`, read and checked at startup. */
  readonly sslCa: string | undefined;
  /**
   * A record whose event time is further ahead of the wall clock than this is bad input (handled by onError), so
   * one record stamped in year 3000 cannot close every window at once. Records before 1970 or not finite are bad
   * input too. Undefined when neither the flag nor the env sets it: the topology's `maxFutureSkew` applies, else
   * DEFAULT_MAX_FUTURE_SKEW_MS.
   */
  readonly maxFutureSkewMs: number | undefined;
  readonly sasl: { readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; readonly username: string; readonly password: string } | undefined;
  readonly schemaRegistry: { readonly url: string; readonly username?: string; readonly password?: string } | undefined;
}

/** A setting as given: from a CLI flag (`--commit-interval-ms`) or the environment (`SLUICE_COMMIT_INTERVAL_MS`). */
export type ConfigInput = Readonly<Record<string, string | undefined>>;

interface Setting {
  readonly flag: string;
  readonly env: readonly string[];
}

const S = {
  brokers: { flag: 'brokers', env: ['SLUICE_BROKERS', 'KAFKA_BROKERS'] },
  applicationId: { flag: 'application-id', env: ['SLUICE_APPLICATION_ID'] },
  guarantee: { flag: 'processing-guarantee', env: ['SLUICE_PROCESSING_GUARANTEE'] },
  commitInterval: { flag: 'commit-interval-ms', env: ['SLUICE_COMMIT_INTERVAL_MS'] },
  httpPort: { flag: 'http-port', env: ['SLUICE_HTTP_PORT'] },
  httpHost: { flag: 'http-host', env: ['SLUICE_HTTP_HOST'] },
  logLevel: { flag: 'log-level', env: ['SLUICE_LOG_LEVEL'] },
  logFormat: { flag: 'log-format', env: ['SLUICE_LOG_FORMAT'] },
  stateDir: { flag: 'state-dir', env: ['SLUICE_STATE_DIR'] },
  instanceId: { flag: 'instance-id', env: ['SLUICE_INSTANCE_ID'] },
  shutdownTimeout: { flag: 'shutdown-timeout-ms', env: ['SLUICE_SHUTDOWN_TIMEOUT_MS'] },
  sessionTimeout: { flag: 'session-timeout-ms', env: ['SLUICE_SESSION_TIMEOUT_MS'] },
  maxWait: { flag: 'max-wait-ms', env: ['SLUICE_MAX_WAIT_MS'] },
  stallTimeout: { flag: 'stall-timeout-ms', env: ['SLUICE_STALL_TIMEOUT_MS'] },
  maxRecordBytes: { flag: 'max-record-bytes', env: ['SLUICE_MAX_RECORD_BYTES'] },
  producerCompression: { flag: 'producer-compression', env: ['SLUICE_PRODUCER_COMPRESSION'] },
  producePath: { flag: 'produce-path', env: ['SLUICE_PRODUCE_PATH'] },
  eosProducer: { flag: 'eos-producer', env: ['SLUICE_EOS_PRODUCER'] },
  maxFutureSkew: { flag: 'max-future-skew-ms', env: ['SLUICE_MAX_FUTURE_SKEW_MS'] },
  ssl: { flag: 'kafka-ssl', env: ['SLUICE_KAFKA_SSL'] },
  allowPlaintextSasl: { flag: 'kafka-allow-plaintext-sasl', env: ['SLUICE_KAFKA_ALLOW_PLAINTEXT_SASL'] },
  sslCa: { flag: 'kafka-ssl-ca-file', env: ['SLUICE_KAFKA_SSL_CA_FILE'] },
  saslMechanism: { flag: 'kafka-sasl-mechanism', env: ['SLUICE_KAFKA_SASL_MECHANISM'] },
  saslUsername: { flag: 'kafka-sasl-username', env: ['SLUICE_KAFKA_SASL_USERNAME'] },
  saslPassword: { flag: 'kafka-sasl-password', env: ['SLUICE_KAFKA_SASL_PASSWORD'] },
  saslPasswordFile: { flag: 'kafka-sasl-password-file', env: ['SLUICE_KAFKA_SASL_PASSWORD_FILE'] },
  registryUrl: { flag: 'schema-registry-url', env: ['SLUICE_SCHEMA_REGISTRY_URL'] },
  registryUsername: { flag: 'schema-registry-username', env: ['SLUICE_SCHEMA_REGISTRY_USERNAME'] },
  registryPassword: { flag: 'schema-registry-password', env: ['SLUICE_SCHEMA_REGISTRY_PASSWORD'] },
  registryPasswordFile: { flag: 'schema-registry-password-file', env: ['SLUICE_SCHEMA_REGISTRY_PASSWORD_FILE'] },
} as const satisfies Record<string, Setting>;

/** Every flag `sluice run` accepts (without the leading dashes). */
export const CONFIG_FLAGS: readonly string[] = Object.values(S).map((s) => s.flag);

/** Flags that are switches: `--kafka-ssl` alone means true; `--kafka-ssl false` is accepted too. */
export const SWITCH_FLAGS: readonly string[] = [S.ssl.flag, S.allowPlaintextSasl.flag];

export { DEFAULT_MAX_FUTURE_SKEW_MS } from '../dsl/define-topology.ts';

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

function read(setting: Setting, flags: ConfigInput, env: ConfigInput): { value: string; source: string } | undefined {
  const flag = flags[setting.flag];
  if (flag !== undefined) return { value: flag, source: `--${setting.flag}` };
  for (const name of setting.env) {
    const value = env[name];
    if (value !== undefined && value !== '') return { value, source: name };
  }
  return undefined;
}

function describe(setting: Setting): string {
  return `--${setting.flag} or ${setting.env.join('/')}`;
}

function integer(setting: Setting, flags: ConfigInput, env: ConfigInput, fallback: number, min: number, max: number): number {
  return optionalInteger(setting, flags, env, min, max) ?? fallback;
}

function optionalInteger(setting: Setting, flags: ConfigInput, env: ConfigInput, min: number, max: number): number | undefined {
  const raw = read(setting, flags, env);
  if (raw === undefined) return undefined;
  const n = Number(raw.value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${raw.source} is "${raw.value}" (expected an integer from ${min} to ${max})`, { context: { field: raw.source } });
  }
  return n;
}

function oneOf<T extends string>(setting: Setting, flags: ConfigInput, env: ConfigInput, allowed: readonly T[], fallback: T): T {
  const raw = read(setting, flags, env);
  if (raw === undefined) return fallback;
  const value = raw.value.toLowerCase().replace(/-/g, '_');
  const match = allowed.find((a) => a.replace(/-/g, '_') === value);
  if (match === undefined) throw new ConfigError(`${raw.source} is "${raw.value}" (expected one of ${allowed.join(', ')})`, { context: { field: raw.source } });
  return match;
}

function bool(setting: Setting, flags: ConfigInput, env: ConfigInput): boolean {
  const raw = read(setting, flags, env);
  if (raw === undefined) return false;
  if (['true', '1', 'yes', ''].includes(raw.value.toLowerCase())) return true;
  if (['false', '0', 'no'].includes(raw.value.toLowerCase())) return false;
  throw new ConfigError(`${raw.source} is "${raw.value}" (expected true or false)`, { context: { field: raw.source } });
}

/**
 * A secret given inline (`password`) or as a file (`file`, e.g. a mounted Kubernetes Secret, which keeps it out of
 * `ps` and the environment). The file's trailing newline is not part of the secret.
 */
function secret(inline: Setting, file: Setting, flags: ConfigInput, env: ConfigInput): string | undefined {
  const value = read(inline, flags, env);
  const path = read(file, flags, env);
  if (path === undefined) return value?.value;
  if (value !== undefined) {
    throw new ConfigError(`both ${value.source} and ${path.source} are set (set one of them)`, { context: { field: path.source } });
  }
  let text: string;
  try {
    text = readFileSync(path.value, 'utf8');
  } catch (cause) {
    const reason = (cause as NodeJS.ErrnoException).code ?? (cause as Error).message;
    throw new ConfigError(`${path.source} is "${path.value}", which cannot be read (${reason}; expected a file holding the password)`, {
      cause,
      context: { field: path.source },
    });
  }
  const password = text.replace(/(\r?\n)+$/, '');
  if (password === '') throw new ConfigError(`${path.source} is "${path.value}", which is empty (expected a file holding the password)`, { context: { field: path.source } });
  return password;
}

const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;

/** Reads a CA bundle and checks it holds PEM certificates (a DER file or a key would fail later, less clearly). */
function pem(path: { value: string; source: string }): string {
  let text: string;
  try {
    text = readFileSync(path.value, 'utf8');
  } catch (cause) {
    const reason = (cause as NodeJS.ErrnoException).code ?? (cause as Error).message;
    throw new ConfigError(`${path.source} is "${path.value}", which cannot be read (${reason}; expected a PEM file with the CA certificate)`, { cause, context: { field: path.source } });
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) {
    throw new ConfigError(`${path.source} is "${path.value}" (expected a PEM file with "-----BEGIN CERTIFICATE-----")`, { context: { field: path.source } });
  }
  return text;
}

function host(setting: Setting, flags: ConfigInput, env: ConfigInput): string {
  const raw = read(setting, flags, env);
  if (raw === undefined) return '127.0.0.1';
  const value = raw.value.trim();
  if (value === '' || /[\s/]/.test(value)) {
    throw new ConfigError(`${raw.source} is "${raw.value}" (expected an interface address such as 127.0.0.1, 0.0.0.0 or ::)`, { context: { field: raw.source } });
  }
  return value;
}

/** Validates flags and environment into one config; every error names the flag or variable and what was expected. */
export function loadConfig(flags: ConfigInput, env: ConfigInput, defaults: { requireBrokers?: boolean; logFormat?: LogFormat } = {}): SluiceConfig {
  const brokersRaw = read(S.brokers, flags, env);
  const brokers = (brokersRaw?.value ?? '').split(',').map((b) => b.trim()).filter((b) => b !== '');
  if (brokers.length === 0 && defaults.requireBrokers !== false) {
    throw new ConfigError(`no Kafka brokers configured (set ${describe(S.brokers)}, e.g. 127.0.0.1:9092)`, { context: { field: 'brokers' } });
  }
  for (const broker of brokers) {
    const source = brokersRaw?.source ?? 'brokers';
    const match = /^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):(\d{1,5})$/.exec(broker);
    if (match === null) {
      throw new ConfigError(`${source}: "${broker}" is not host:port (expected e.g. 127.0.0.1:9092, several separated by commas)`, { context: { field: source } });
    }
    const brokerPort = Number(match[2]);
    if (brokerPort < 1 || brokerPort > 65_535) {
      throw new ConfigError(`${source}: "${broker}" has port ${brokerPort} (expected 1 to 65535)`, { context: { field: source } });
    }
  }
  const processingGuarantee = oneOf(S.guarantee, flags, env, ['exactly_once', 'at_least_once'] as const, 'exactly_once');
  const logLevel = read(S.logLevel, flags, env);
  if (logLevel !== undefined && !LEVELS.includes(logLevel.value)) {
    throw new ConfigError(`${logLevel.source} is "${logLevel.value}" (expected one of ${LEVELS.join(', ')})`, { context: { field: logLevel.source } });
  }
  const httpPortRaw = read(S.httpPort, flags, env);
  const httpPort = httpPortRaw?.value === 'off' ? null : integer(S.httpPort, flags, env, 9464, 0, 65535);
  const caFile = read(S.sslCa, flags, env);
  const sslCa = caFile === undefined ? undefined : pem(caFile);
  const ssl = bool(S.ssl, flags, env) || sslCa !== undefined;
  const mechanism = read(S.saslMechanism, flags, env);
  let sasl: SluiceConfig['sasl'];
  if (mechanism !== undefined) {
    const m = oneOf(S.saslMechanism, flags, env, SASL_MECHANISMS, 'plain');
    const username = read(S.saslUsername, flags, env)?.value;
    if (username === undefined || username === '') {
      throw new ConfigError(`${mechanism.source} is set but ${describe(S.saslUsername)} is missing (expected the SASL user name)`, { context: { field: S.saslUsername.flag } });
    }
    const password = secret(S.saslPassword, S.saslPasswordFile, flags, env);
    if (password === undefined) {
      throw new ConfigError(`${mechanism.source} is set but the SASL password is missing (expected ${describe(S.saslPassword)} or ${describe(S.saslPasswordFile)})`, {
        context: { field: S.saslPassword.flag },
      });
    }
    if (m === 'plain' && !ssl && !bool(S.allowPlaintextSasl, flags, env)) {
      throw new ConfigError(
        `${mechanism.source} is "plain" without TLS, which sends the password in clear (expected --kafka-ssl, or --kafka-allow-plaintext-sasl to allow it on a trusted network)`,
        { context: { field: mechanism.source } },
      );
    }
    sasl = { mechanism: m, username, password };
  } else {
    for (const setting of [S.saslUsername, S.saslPassword, S.saslPasswordFile]) {
      const given = read(setting, flags, env);
      if (given !== undefined) {
        throw new ConfigError(`${given.source} is set but ${describe(S.saslMechanism)} is not (expected one of ${SASL_MECHANISMS.join(', ')} with it)`, {
          context: { field: given.source },
        });
      }
    }
  }
  const registryUrl = read(S.registryUrl, flags, env)?.value;
  let schemaRegistry: SluiceConfig['schemaRegistry'];
  if (registryUrl !== undefined) {
    let protocol = '';
    try {
      protocol = new URL(registryUrl).protocol;
    } catch {
      // reported below
    }
    if (protocol !== 'http:' && protocol !== 'https:') {
      const source = read(S.registryUrl, flags, env)?.source ?? S.registryUrl.flag;
      throw new ConfigError(`${source} is "${registryUrl}" (expected a URL like http://registry:8081)`, { context: { field: source } });
    }
    const username = read(S.registryUsername, flags, env)?.value;
    const password = secret(S.registryPassword, S.registryPasswordFile, flags, env);
    schemaRegistry = { url: registryUrl, ...(username !== undefined ? { username } : {}), ...(password !== undefined ? { password } : {}) };
  }
  const guaranteeDefaultInterval = processingGuarantee === 'exactly_once' ? 100 : 1000;
  const producePath = oneOf(S.producePath, flags, env, ['wire', 'kafkajs'] as const, 'wire');
  const eosProducer = oneOf(S.eosProducer, flags, env, ['per-task', 'per-instance'] as const, 'per-task');
  if (eosProducer === 'per-instance' && producePath !== 'wire') {
    const source = read(S.eosProducer, flags, env)?.source ?? '--eos-producer';
    throw new ConfigError(`${source} is "per-instance", which needs the wire produce path (--produce-path wire); the produce path is "${producePath}"`, { context: { field: source } });
  }
  return {
    brokers,
    applicationId: read(S.applicationId, flags, env)?.value,
    processingGuarantee,
    commitIntervalMs: integer(S.commitInterval, flags, env, guaranteeDefaultInterval, 1, 3_600_000),
    httpPort,
    httpHost: host(S.httpHost, flags, env),
    logLevel: logLevel?.value ?? 'info',
    logFormat: oneOf(S.logFormat, flags, env, ['json', 'pretty'] as const, defaults.logFormat ?? 'json'),
    stateDir: read(S.stateDir, flags, env)?.value ?? null,
    instanceId: read(S.instanceId, flags, env)?.value ?? `${hostname()}-${process.pid}`,
    shutdownTimeoutMs: integer(S.shutdownTimeout, flags, env, 30_000, 0, 3_600_000),
    sessionTimeoutMs: integer(S.sessionTimeout, flags, env, 10_000, 6_000, 300_000),
    maxWaitMs: integer(S.maxWait, flags, env, 100, 1, 30_000),
    stallTimeoutMs: integer(S.stallTimeout, flags, env, 30_000, 1_000, 86_400_000),
    maxRecordBytes: integer(S.maxRecordBytes, flags, env, 1_000_000, 1_024, 100_000_000),
    producerCompression: oneOf(S.producerCompression, flags, env, ['none', 'gzip'] as const, 'none'),
    producePath,
    eosProducer,
    maxFutureSkewMs: optionalInteger(S.maxFutureSkew, flags, env, 0, 3_153_600_000_000),
    ssl,
    sslCaFile: caFile?.value,
    sslCa,
    sasl,
    schemaRegistry,
  };
}
