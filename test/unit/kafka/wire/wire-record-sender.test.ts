/**
 * WireRecordSender's retries, against a scripted broker (the answers a Kafka broker gives, written by the test)
 * and kafkajs's real transaction manager (EosManager): what a retry resends and when the sequence moves on. This
 * is the client's half of idempotence; that the broker then deduplicates a resent batch is the broker's (and
 * test/integration/kafka/wire-produce.test.ts's) business.
 */
import { createRequire } from 'node:module';
import type { Cluster } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { WireRecordSender } from '../../../../src/kafka/kafkajs/wire-record-sender.ts';
import { createEosManager, type EosManager, type KafkajsInternalLogger, type KafkajsProtocolRequest } from '../../../../src/kafka/kafkajs/kafkajs-eos-internals.ts';
import { silentKafkaLogger } from '../../../../src/kafka/logger.ts';
import type { ProduceResponse } from '../../../../src/kafka/wire/produce-request.ts';

const require = createRequire(import.meta.url);
const BrokerClass = require('kafkajs/src/broker/index.js') as { prototype: object };
const SEND = Object.getOwnPropertySymbols(BrokerClass.prototype).find((s) => s.description === 'private:Broker:sendRequest') as symbol;

const PRODUCER_ID = 4711;
const EPOCH = 3;
const TOPIC = 'out';

/** One Produce request as the broker received it: per partition, the batch's sequence and epoch, and its bytes. */
interface Received {
  readonly transactionalId: string;
  readonly batches: Map<number, { baseSequence: number; producerId: bigint; epoch: number; records: number; bytes: string }>;
}

/** Reads the request body (Produce v7) back: transactional id, acks, timeout, then topics, partitions, batches. */
function readRequest(body: Buffer): Received {
  let at = 0;
  const idLength = body.readInt16BE(at);
  const transactionalId = body.toString('utf8', at + 2, at + 2 + idLength);
  at += 2 + idLength + 2 + 4;
  const batches: Received['batches'] = new Map();
  const topics = body.readInt32BE(at);
  at += 4;
  for (let t = 0; t < topics; t++) {
    const nameLength = body.readInt16BE(at);
    at += 2 + nameLength;
    const partitions = body.readInt32BE(at);
    at += 4;
    for (let p = 0; p < partitions; p++) {
      const partition = body.readInt32BE(at);
      const size = body.readInt32BE(at + 4);
      const batch = body.subarray(at + 8, at + 8 + size);
      at += 8 + size;
      // Record batch v2 header: producerId at 43, producerEpoch at 51, baseSequence at 53, recordCount at 57.
      batches.set(partition, { producerId: batch.readBigInt64BE(43), epoch: batch.readInt16BE(51), baseSequence: batch.readInt32BE(53), records: batch.readInt32BE(57), bytes: batch.toString('hex') });
    }
  }
  return { transactionalId, batches };
}

/** A Produce v7 response body: per partition its error code and base offset. */
function responseBody(partitions: readonly { partition: number; errorCode: number; baseOffset: number }[]): Buffer {
  const body = Buffer.alloc(4 + 2 + TOPIC.length + 4 + partitions.length * 30 + 4);
  let at = body.writeInt32BE(1, 0);
  at = body.writeInt16BE(TOPIC.length, at);
  at += body.write(TOPIC, at, 'utf8');
  at = body.writeInt32BE(partitions.length, at);
  for (const p of partitions) {
    at = body.writeInt32BE(p.partition, at);
    at = body.writeInt16BE(p.errorCode, at);
    at = body.writeBigInt64BE(BigInt(p.baseOffset), at);
    at = body.writeBigInt64BE(-1n, at);
    at = body.writeBigInt64BE(0n, at);
  }
  body.writeInt32BE(0, at);
  return body;
}

type Answer = { readonly closeConnection: true } | { readonly partitions: readonly { partition: number; errorCode: number; baseOffset: number }[] };

/** A broker that answers Produce requests from a script and records what it received. */
function scriptedBroker(script: Answer[]) {
  const received: Received[] = [];
  const broker = {
    nodeId: 1,
    versions: { 0: { minVersion: 3, maxVersion: 12 } },
    initProducerId: () => Promise.resolve({ producerId: PRODUCER_ID, producerEpoch: EPOCH }),
    addPartitionsToTxn: () => Promise.resolve({}),
    [SEND]: async (protocolRequest: KafkajsProtocolRequest<ProduceResponse>) => {
      const { buf } = await protocolRequest.request.encode();
      received.push(readRequest(buf));
      const answer = script.shift();
      if (answer === undefined) throw new Error('the script has no answer for this request');
      if ('closeConnection' in answer) throw Object.assign(new Error('Closed connection'), { name: 'KafkaJSConnectionClosedError', retriable: true });
      return protocolRequest.response.parse(await protocolRequest.response.decode(responseBody(answer.partitions)));
    },
  };
  const cluster = {
    retry: { retries: 0 },
    addMultipleTargetTopics: () => Promise.resolve(),
    refreshMetadataIfNecessary: () => Promise.resolve(),
    refreshMetadata: () => Promise.resolve(),
    isConnected: () => true,
    connect: () => Promise.resolve(),
    removeBroker: () => undefined,
    findTopicPartitionMetadata: () => [0, 1, 2, 3].map((partitionId) => ({ partitionId, leader: 1 })),
    findBroker: () => Promise.resolve(broker),
    findGroupCoordinator: () => Promise.resolve(broker),
  };
  return { received, cluster: cluster as unknown as Cluster };
}

const noLogs: KafkajsInternalLogger & Record<string, unknown> = { namespace: () => noLogs, debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

async function setUp(script: Answer[]): Promise<{ sender: WireRecordSender; eos: EosManager; received: Received[] }> {
  const { received, cluster } = scriptedBroker(script);
  const eos = createEosManager({ logger: noLogs, cluster, transactionTimeout: 60_000, transactional: true, transactionalId: 'app-0_1' });
  await eos.initProducerId();
  eos.beginTransaction();
  const sender = new WireRecordSender(cluster, eos, { transactionalId: 'app-0_1', compression: 'none', maxBatchBytes: 1_000_000, ackTimeoutMs: 30_000, retry: { initialRetryTime: 1, maxRetryTime: 2, retries: 3 } }, silentKafkaLogger);
  return { sender, eos, received };
}

const record = (partition: number, n: number) => ({ topic: TOPIC, partition, key: Buffer.from(`k${n}`), value: Buffer.from(`v${n}`), timestampMs: 1_767_225_600_000 + n });

describe('WireRecordSender retries', () => {
  it('resends the very batch (same bytes, sequence, producer id and epoch) after a lost connection, and moves the sequence on once', async () => {
    const { sender, eos, received } = await setUp([
      { closeConnection: true },
      { partitions: [{ partition: 0, errorCode: 0, baseOffset: 40 }] },
      { partitions: [{ partition: 0, errorCode: 0, baseOffset: 43 }] },
    ]);
    await sender.send([record(0, 1), record(0, 2), record(0, 3)]);
    expect(received).toHaveLength(2);
    const [first, retry] = received.map((r) => r.batches.get(0));
    expect(first).toMatchObject({ baseSequence: 0, producerId: BigInt(PRODUCER_ID), epoch: EPOCH, records: 3 });
    expect(retry).toEqual(first);
    expect(received[1]?.transactionalId).toBe('app-0_1');
    expect(eos.getSequence(TOPIC, 0)).toBe(3);

    // The next send continues the sequence where the acknowledged batch ended.
    await sender.send([record(0, 9)]);
    expect(received[2]?.batches.get(0)).toMatchObject({ baseSequence: 3, records: 1 });
    expect(eos.getSequence(TOPIC, 0)).toBe(4);
  });

  it('resends only the partition that failed, with its first sequence; the one written moves on once', async () => {
    const { sender, eos, received } = await setUp([
      { partitions: [{ partition: 0, errorCode: 0, baseOffset: 10 }, { partition: 1, errorCode: 6, baseOffset: -1 }] }, // NOT_LEADER_OR_FOLLOWER
      { partitions: [{ partition: 1, errorCode: 0, baseOffset: 20 }] },
    ]);
    await sender.send([record(0, 1), record(1, 2), record(1, 3)]);
    expect([...(received[0]?.batches.keys() ?? [])].sort()).toEqual([0, 1]);
    expect([...(received[1]?.batches.keys() ?? [])]).toEqual([1]);
    expect(received[1]?.batches.get(1)).toEqual(received[0]?.batches.get(1));
    expect(eos.getSequence(TOPIC, 0)).toBe(1);
    expect(eos.getSequence(TOPIC, 1)).toBe(2);
  });

  it('counts a NOT_ENOUGH_REPLICAS answer as not written and a DUPLICATE_SEQUENCE_NUMBER answer as written', async () => {
    const { sender, eos, received } = await setUp([
      { partitions: [{ partition: 2, errorCode: 19, baseOffset: -1 }] },
      { partitions: [{ partition: 2, errorCode: 46, baseOffset: -1 }] },
    ]);
    await sender.send([record(2, 1), record(2, 2)]);
    expect(received).toHaveLength(2);
    expect(received[1]?.batches.get(2)).toEqual(received[0]?.batches.get(2));
    expect(eos.getSequence(TOPIC, 2)).toBe(2);
  });

  it('fails the send after the retries, leaving the sequence where it was (the transaction is then aborted)', async () => {
    const { sender, eos } = await setUp([{ closeConnection: true }, { closeConnection: true }, { closeConnection: true }, { closeConnection: true }]);
    await expect(sender.send([record(3, 1)])).rejects.toThrow(/after 4 attempts/);
    expect(eos.getSequence(TOPIC, 3)).toBe(0);
  });
});
