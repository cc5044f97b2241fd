/**
 * The kafkajs internals the wire produce path builds on, loaded and checked in one place: kafkajs's transaction
 * manager (producer/eosManager: InitProducerId, AddPartitionsToTxn, sequence numbers per partition, offsets, EndTxn,
 * the transaction state machine), its protocol error table, and the broker's private request sender. kafkajs 2.2.4
 * is its last release, so these no longer move; loading fails loudly with KafkaError if they did
 * (test/unit/kafka/kafkajs-internals.test.ts).
 */
import { createRequire } from 'node:module';
import type { Cluster } from 'kafkajs';
import { KafkaError } from '../../errors/index.ts';

/** The part of kafkajs's EosManager the wire path calls (producer/eosManager/index.js). */
export interface EosManager {
  getProducerId(): string | number;
  getProducerEpoch(): number;
  getTransactionalId(): string;
  initProducerId(): Promise<void>;
  getSequence(topic: string, partition: number): number;
  updateSequence(topic: string, partition: number, increment: number): void;
  beginTransaction(): void;
  addPartitionsToTransaction(topicData: readonly { topic: string; partitions: readonly { partition: number }[] }[]): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
  isInitialized(): boolean;
  isInTransaction(): boolean;
  sendOffsets(args: { consumerGroupId: string; topics: unknown }): Promise<void>;
}

export interface KafkajsInternalLogger {
  namespace(name: string): KafkajsInternalLogger;
}

type CreateEosManager = (options: {
  logger: KafkajsInternalLogger;
  cluster: Cluster;
  transactionTimeout: number;
  transactional: boolean;
  transactionalId: string;
}) => EosManager;

/** A kafkajs KafkaJSProtocolError for a broker error code (`type`, `code`, `retriable`, as kafkajs raises them). */
export type CreateErrorFromCode = (code: number) => Error & { type: string; code: number; retriable: boolean };

/** A request as kafkajs's connection sends it (network/connection.js `send`). */
export interface KafkajsProtocolRequest<T> {
  readonly request: {
    readonly apiKey: number;
    readonly apiVersion: number;
    readonly apiName: string;
    expectResponse(): boolean;
    encode(): Promise<{ readonly buf: Buffer; readonly buffer: Buffer }>;
  };
  readonly response: { decode(raw: Buffer): Promise<T>; parse(decoded: T): Promise<T> };
}

/**
 * A request whose body sluice encodes itself (src/kafka/wire/), for kafkajs's connection to send as it is. The
 * decoded response's throttle time becomes kafkajs's `clientSideThrottleTime`: the connection delays its next
 * requests by it, as for its own requests.
 */
export function encodedRequest<T extends { readonly throttleTimeMs: number }>(
  api: { readonly key: number; readonly version: number; readonly name: string },
  body: Buffer,
  decode: (raw: Buffer) => T,
): KafkajsProtocolRequest<T> {
  return {
    request: {
      apiKey: api.key,
      apiVersion: api.version,
      apiName: api.name,
      expectResponse: () => true,
      encode: () => Promise.resolve({ buf: body, buffer: body }),
    },
    response: {
      decode: (raw) => {
        const decoded = decode(raw);
        return Promise.resolve(Object.assign(decoded, { clientSideThrottleTime: decoded.throttleTimeMs }));
      },
      parse: (decoded) => Promise.resolve(decoded),
    },
  };
}

/** The broker methods the wire path uses: the api versions it negotiated and its (private) request sender. */
export interface KafkajsBroker {
  readonly nodeId: number;
  readonly versions?: Record<number, { minVersion: number; maxVersion: number }> | null;
}

const require = createRequire(import.meta.url);

function load<T>(path: string, check: (module: unknown) => T | undefined): T {
  let module: unknown;
  try {
    module = require(path);
  } catch (error) {
    throw new KafkaError(`kafkajs internals changed: cannot load ${path}`, { cause: error });
  }
  const checked = check(module);
  if (checked === undefined) throw new KafkaError(`kafkajs internals changed: ${path} is not what the wire produce path expects`);
  return checked;
}

export const createEosManager: CreateEosManager = load('kafkajs/src/producer/eosManager/index.js', (m) =>
  typeof m === 'function' ? (m as CreateEosManager) : undefined,
);

export const createErrorFromCode: CreateErrorFromCode = load('kafkajs/src/protocol/error.js', (m) => {
  const fn = (m as { createErrorFromCode?: unknown }).createErrorFromCode;
  return typeof fn === 'function' ? (fn as CreateErrorFromCode) : undefined;
});

const brokerSend: symbol = load('kafkajs/src/broker/index.js', (m) => {
  if (typeof m !== 'function') return undefined;
  const prototype = (m as { prototype: object }).prototype;
  return Object.getOwnPropertySymbols(prototype).find((s) => s.description === 'private:Broker:sendRequest');
});

/** Sends through the broker's own path (which drops the connection after a "connection closed" error). */
export function sendToBroker<T>(broker: KafkajsBroker, request: KafkajsProtocolRequest<T>): Promise<T> {
  const send = (broker as unknown as Record<symbol, (request: KafkajsProtocolRequest<T>) => Promise<T>>)[brokerSend];
  if (typeof send !== 'function') throw new KafkaError('kafkajs internals changed: a broker has no private request sender');
  return send.call(broker, request);
}
