/**
 * Sends one transaction's records with batches encoded by src/kafka/wire/: the records are placed (explicit
 * partition, murmur2 of the key as the Java client, round-robin when keyless) and encoded into one batch per
 * partition in a single pass, the new partitions are added to the transaction (AddPartitionsToTxn, through kafkajs's
 * transaction manager, before anything is written to them), and each broker gets ONE Produce request (acks=all)
 * covering every partition it leads. A partition with more than `maxBatchBytes` of records needs one more request
 * per extra batch (a request carries one batch per partition).
 *
 * Sequence numbers are kafkajs's per partition (the EosManager's): a batch is built with the partition's next
 * sequence, and the sequence moves on only when the broker acknowledged the batch. A retriable error of a partition
 * (NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_OR_PARTITION, a lost connection, a timeout) resends the same bytes with the
 * same sequence after a metadata refresh, so a batch that did reach the log is deduplicated by the broker
 * (DUPLICATE_SEQUENCE_NUMBER counts as written). Any other error code, or a retriable one after the retries, fails
 * the send with that partition in the error: INVALID_PRODUCER_EPOCH/PRODUCER_FENCED as TaskMigratedError,
 * OUT_OF_ORDER_SEQUENCE_NUMBER and the rest as KafkaError; the transaction is then failed and the task rebuilt.
 */
import type { Cluster, PartitionMetadata } from 'kafkajs';
import { KafkaError, type SluiceError } from '../../errors/index.ts';
import { murmur2Partition } from '../murmur2.ts';
import type { OutputRecord } from '../types.ts';
import { ProduceAccumulator, type PartitionBatches } from '../wire/produce-accumulator.ts';
import { decodeProduceResponse, encodeProduceRequest, PRODUCE_API_KEY, PRODUCE_API_VERSION, type ProduceResponse } from '../wire/produce-request.ts';
import type { CompressionCodec } from '../wire/record-batch-encoder.ts';
import { describeError, toProducerError } from '../client-errors.ts';
import type { KafkaLogger } from '../logger.ts';
import { createErrorFromCode, encodedRequest, sendToBroker, type EosManager, type KafkajsBroker, type KafkajsProtocolRequest } from './kafkajs-eos-internals.ts';
import { retryRequest, type RetryPolicy } from './retry-request.ts';

export interface WireSendOptions {
  readonly transactionalId: string;
  readonly compression: CompressionCodec;
  readonly maxBatchBytes: number;
  /** The broker's wait for the in-sync replicas (the request's `timeout`). */
  readonly ackTimeoutMs: number;
  readonly retry: { readonly initialRetryTime: number; readonly maxRetryTime: number; readonly retries: number };
}

const ACKS_ALL = -1;
const DUPLICATE_SEQUENCE_NUMBER = 46;
const INT32_MAX = 2_147_483_647;

/** One partition's batch of the current round, encoded with its sequence. */
interface PreparedBatch {
  readonly topic: string;
  readonly partition: number;
  readonly baseSequence: number;
  readonly recordCount: number;
  readonly bytes: Buffer;
}

interface Failure {
  readonly batch: PreparedBatch;
  readonly error: unknown;
}

export class WireRecordSender {
  private keylessCounter = 0;

  constructor(
    private readonly cluster: Cluster,
    private readonly eos: EosManager,
    private readonly options: WireSendOptions,
    private readonly logger: KafkaLogger,
  ) {}

  async send(records: readonly OutputRecord[]): Promise<void> {
    const topics = distinctTopics(records);
    const partitionCounts = await this.retrying('loading metadata', async () => {
      await this.cluster.addMultipleTargetTopics(topics);
      await this.cluster.refreshMetadataIfNecessary();
      return topics.map((topic) => this.cluster.findTopicPartitionMetadata(topic).length);
    });
    const accumulator = this.accumulate(records, topics, partitionCounts);
    const topicData = new Map<string, { partition: number }[]>();
    for (const { topic, partition } of accumulator.partitions) {
      let partitions = topicData.get(topic);
      if (partitions === undefined) topicData.set(topic, (partitions = []));
      partitions.push({ partition });
    }
    // CONCURRENT_TRANSACTIONS (retriable) right after a commit, while its markers are written: retried, as kafkajs does.
    const added = [...topicData].map(([topic, partitions]) => ({ topic, partitions }));
    await this.retrying('adding partitions to the transaction', () => this.eos.addPartitionsToTransaction(added));
    const rounds = accumulator.rounds;
    for (let round = 0; round < rounds; round++) await this.produceRound(accumulator.partitions, round);
  }

  private accumulate(records: readonly OutputRecord[], topics: readonly string[], partitionCounts: readonly number[]): ProduceAccumulator {
    const accumulator = new ProduceAccumulator(this.options.compression, this.options.maxBatchBytes);
    let lastTopic: string | undefined;
    let count = 0;
    for (let i = 0; i < records.length; i++) {
      const record = records[i] as OutputRecord;
      if (record.topic !== lastTopic) {
        lastTopic = record.topic;
        count = partitionCounts[topics.indexOf(record.topic)] as number;
        if (count === 0) throw new KafkaError(`producing to ${record.topic} failed: the broker has no metadata for it (does the topic exist?)`, { context: { topic: record.topic }, retriable: true });
      }
      let partition = record.partition;
      if (partition === undefined) {
        partition = record.key === null ? this.keylessCounter++ % count : murmur2Partition(record.key, count);
        if (this.keylessCounter >= INT32_MAX) this.keylessCounter = 0;
      } else if (!Number.isInteger(partition) || partition < 0 || partition >= count) {
        throw new KafkaError(`producing to ${record.topic} failed: partition ${partition} does not exist (the topic has ${count})`, { context: { topic: record.topic, partition } });
      }
      accumulator.add(record.topic, partition, record.key, record.value, record.timestampMs, record.headers);
    }
    return accumulator;
  }

  /** Sends batch `round` of every partition that has one, retrying the retriable failures; throws on the rest. */
  private async produceRound(partitions: readonly PartitionBatches[], round: number): Promise<void> {
    const builds: Promise<PreparedBatch>[] = [];
    const producerId = BigInt(this.eos.getProducerId());
    const producerEpoch = this.eos.getProducerEpoch();
    for (const entry of partitions) {
      const builder = entry.batches[round];
      if (builder === undefined) continue;
      const baseSequence = this.eos.getSequence(entry.topic, entry.partition);
      builds.push(
        builder
          .build({ producerId, producerEpoch, baseSequence, transactional: true })
          .then((bytes) => ({ topic: entry.topic, partition: entry.partition, baseSequence, recordCount: builder.recordCount, bytes })),
      );
    }
    let pending = await Promise.all(builds);
    const { retries, initialRetryTime, maxRetryTime } = this.options.retry;
    for (let attempt = 0; ; attempt++) {
      const failures = await this.produceOnce(pending, attempt);
      if (failures.length === 0) return;
      const first = failures[0] as Failure;
      if (attempt >= retries) throw this.partitionError(first.batch, first.error, `after ${attempt + 1} attempts`);
      const backoffMs = Math.min(maxRetryTime, initialRetryTime * 2 ** attempt);
      this.logger.debug(
        {
          transactionalId: this.options.transactionalId,
          round,
          attempt,
          backoffMs,
          retrying: lazy(() => failures.map((f) => `${describeBatch(f.batch)}: ${describeError(f.error)}`)),
        },
        'wire produce: retrying batches',
      );
      await sleep(backoffMs);
      await this.cluster.refreshMetadata().catch(() => undefined);
      pending = failures.map((failure) => failure.batch);
    }
  }

  /** One request per leader, in parallel; returns the batches to retry, throws the first non-retriable failure. */
  private async produceOnce(batches: readonly PreparedBatch[], attempt: number): Promise<Failure[]> {
    const failures: Failure[] = [];
    const byLeader = new Map<number, PreparedBatch[]>();
    const metadata = new Map<string, PartitionMetadata[]>();
    for (const batch of batches) {
      let partitions = metadata.get(batch.topic);
      if (partitions === undefined) {
        try {
          partitions = this.cluster.findTopicPartitionMetadata(batch.topic);
        } catch (error) {
          failures.push({ batch, error });
          continue;
        }
        metadata.set(batch.topic, partitions);
      }
      const leader = partitions.find((p) => p.partitionId === batch.partition)?.leader;
      if (leader === undefined || leader < 0) {
        failures.push({ batch, error: createErrorFromCode(5) }); // LEADER_NOT_AVAILABLE
        continue;
      }
      let forLeader = byLeader.get(leader);
      if (forLeader === undefined) byLeader.set(leader, (forLeader = []));
      forLeader.push(batch);
    }
    const outcomes = await Promise.allSettled([...byLeader].map(([leader, forLeader]) => this.produceTo(leader, forLeader, failures, attempt)));
    for (const outcome of outcomes) if (outcome.status === 'rejected') throw outcome.reason;
    return failures;
  }

  private async produceTo(leader: number, batches: readonly PreparedBatch[], failures: Failure[], attempt: number): Promise<void> {
    let response: ProduceResponse;
    const producerId = String(this.eos.getProducerId());
    const producerEpoch = this.eos.getProducerEpoch();
    const sent = lazy(() => batches.map(describeBatch));
    this.logger.debug({ transactionalId: this.options.transactionalId, producerId, producerEpoch, broker: leader, attempt, batches: sent }, 'wire produce: request');
    try {
      const broker = (await this.cluster.findBroker({ nodeId: String(leader) })) as unknown as KafkajsBroker;
      checkVersion(broker);
      response = await sendToBroker(broker, this.request(batches));
    } catch (error) {
      this.logger.debug({ transactionalId: this.options.transactionalId, producerId, producerEpoch, broker: leader, attempt, batches: sent, err: describeError(error) }, 'wire produce: request failed');
      if (!isRetriableRequestError(error)) {
        const first = batches[0] as PreparedBatch;
        const what = `producing to broker ${leader} (${batches.length} partitions: ${first.topic} partition ${first.partition}${batches.length > 1 ? ', …' : ''})`;
        throw toProducerError(error, what, { topic: first.topic, partition: first.partition });
      }
      const { host, port } = error as { host?: unknown; port?: unknown };
      if ((error as Error).name === 'KafkaJSConnectionClosedError' && typeof host === 'string' && typeof port === 'number') {
        this.cluster.removeBroker({ host, port });
      }
      for (const batch of batches) failures.push({ batch, error });
      return;
    }
    const codes = new Map<string, number>();
    for (const p of response.partitions) codes.set(`${p.partition} ${p.topic}`, p.errorCode);
    this.logger.debug(
      {
        transactionalId: this.options.transactionalId,
        producerId,
        producerEpoch,
        broker: leader,
        attempt,
        partitions: lazy(() => response.partitions.map((p) => `${p.topic}/${p.partition} error ${p.errorCode} offset ${p.baseOffset}`)),
      },
      'wire produce: response',
    );
    let firstFatal: SluiceError | undefined;
    for (const batch of batches) {
      const code = codes.get(`${batch.partition} ${batch.topic}`);
      if (code === 0 || code === DUPLICATE_SEQUENCE_NUMBER) {
        this.eos.updateSequence(batch.topic, batch.partition, batch.recordCount);
        continue;
      }
      const error = code === undefined ? new KafkaError('the Produce response has no entry for this partition', { retriable: true }) : createErrorFromCode(code);
      if (isRetriableRequestError(error)) failures.push({ batch, error });
      else firstFatal ??= this.partitionError(batch, error, '');
    }
    if (firstFatal !== undefined) throw firstFatal;
  }

  private request(batches: readonly PreparedBatch[]): KafkajsProtocolRequest<ProduceResponse> {
    const byTopic = new Map<string, { partition: number; batch: Buffer }[]>();
    for (const { topic, partition, bytes } of batches) {
      let partitions = byTopic.get(topic);
      if (partitions === undefined) byTopic.set(topic, (partitions = []));
      partitions.push({ partition, batch: bytes });
    }
    const body = encodeProduceRequest({
      transactionalId: this.options.transactionalId,
      acks: ACKS_ALL,
      timeoutMs: this.options.ackTimeoutMs,
      topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
    });
    return encodedRequest({ key: PRODUCE_API_KEY, version: PRODUCE_API_VERSION, name: 'Produce' }, body, decodeProduceResponse);
  }

  private partitionError(batch: PreparedBatch, error: unknown, when: string): SluiceError {
    const what = `producing ${batch.recordCount} records to ${batch.topic} partition ${batch.partition}${when === '' ? '' : ` (${when})`}`;
    return toProducerError(error, what, { topic: batch.topic, partition: batch.partition });
  }

  /** Runs `fn`, retrying kafkajs's retriable errors with the send's backoff. */
  private async retrying<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const { retries, initialRetryTime, maxRetryTime } = this.options.retry;
    const policy: RetryPolicy = {
      attempts: retries + 1,
      backoffMs: initialRetryTime,
      maxBackoffMs: maxRetryTime,
      retriable: isRetriableRequestError,
      beforeRetry: async () => (this.cluster.isConnected() ? undefined : this.cluster.connect()),
    };
    try {
      return await retryRequest(policy, fn);
    } catch (error) {
      throw toProducerError(error, what);
    }
  }
}

/** "topic/partition seq <baseSequence>+<records>", as the debug lines name a batch. */
function describeBatch(batch: PreparedBatch): string {
  return `${batch.topic}/${batch.partition} seq ${batch.baseSequence}+${batch.recordCount}`;
}

/**
 * A log field formatted only when a line is written (the logger serialises it with toJSON): the wire path logs
 * every Produce request at debug level, and below that level this costs one small object per request.
 */
function lazy<T>(format: () => T): { toJSON(): T } {
  return { toJSON: format };
}

function distinctTopics(records: readonly OutputRecord[]): string[] {
  const topics: string[] = [];
  let last: string | undefined;
  for (let i = 0; i < records.length; i++) {
    const topic = (records[i] as OutputRecord).topic;
    if (topic !== last && !topics.includes(topic)) topics.push(topic);
    last = topic;
  }
  return topics;
}

function checkVersion(broker: KafkajsBroker): void {
  const range = broker.versions?.[PRODUCE_API_KEY];
  if (range !== undefined && (range.minVersion > PRODUCE_API_VERSION || range.maxVersion < PRODUCE_API_VERSION)) {
    throw new KafkaError(
      `broker ${broker.nodeId} accepts Produce versions ${range.minVersion} to ${range.maxVersion}, not ${PRODUCE_API_VERSION}; use the client option producePath: 'kafkajs'`,
    );
  }
}

function isRetriableRequestError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, retriable } = error as { name?: unknown; retriable?: unknown };
  return retriable === true || name === 'KafkaJSConnectionError' || name === 'KafkaJSConnectionClosedError' || name === 'KafkaJSRequestTimeoutError';
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
