/** Test-side Kafka helpers: create topics, produce inputs, read outputs read_committed, as a user would. */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type IHeaders } from 'kafkajs';
import { inject } from 'vitest';
import { installFetchAbortedFilter } from '../../../src/kafka/kafkajs/fetch-response-patch.ts';

// kafkajs's own read_committed filtering can hand out records of aborted transactions (see
// src/kafka/kafkajs/read-committed-filter.ts); without sluice's fix, readers here would count aborted output
// as duplicates. Installed once per process, as sluice's own adapter does.
installFetchAbortedFilter();

export const brokers = (): string => inject('kafkaBrokers');

export function kafka(): Kafka {
  return new Kafka({ clientId: `sluice-test-${randomUUID().slice(0, 6)}`, brokers: brokers().split(','), logLevel: logLevel.NOTHING });
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/**
 * Creates topics. Every topic but a compacted one keeps its records forever: tests write event times of
 * January 2026, older than the broker's default retention (7 days, checked every 5 minutes), which would
 * otherwise delete input and output under a running test.
 */
export async function createTopics(topics: { name: string; partitions: number; compacted?: boolean }[]): Promise<void> {
  const admin = kafka().admin();
  await admin.connect();
  await admin.createTopics({
    topics: topics.map((t) => {
      const configEntries = [
        ...(t.compacted === true ? [] : [{ name: 'retention.ms', value: '-1' }]),
        ...(t.compacted === true ? [{ name: 'cleanup.policy', value: 'compact' }] : []),
      ];
      return { topic: t.name, numPartitions: t.partitions, ...(configEntries.length > 0 ? { configEntries } : {}) };
    }),
    waitForLeaders: true,
  });
  await admin.disconnect();
}

export interface Message {
  key: string | Buffer | null;
  value: string | Buffer | null;
  partition?: number;
  timestamp?: number;
  headers?: IHeaders;
}

export async function produce(topic: string, messages: Message[], batchSize = 2000): Promise<void> {
  const producer = kafka().producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  for (let i = 0; i < messages.length; i += batchSize) {
    await producer.send({
      topic,
      acks: -1,
      messages: messages.slice(i, i + batchSize).map((m) => ({
        key: m.key,
        value: m.value,
        ...(m.partition !== undefined ? { partition: m.partition } : {}),
        ...(m.timestamp !== undefined ? { timestamp: String(m.timestamp) } : {}),
        ...(m.headers !== undefined ? { headers: m.headers } : {}),
      })),
    });
  }
  await producer.disconnect();
}

export interface ReadRecord {
  key: string | null;
  value: string | null;
  partition: number;
  offset: string;
  timestamp: number;
  headers: Record<string, string>;
}

export interface RawReadRecord extends Omit<ReadRecord, 'key' | 'value'> {
  key: Buffer | null;
  value: Buffer | null;
}

/**
 * Reads a whole topic read_committed (aborted transactions never show), bytes as they are, until `expected`
 * records arrived and nothing new came for `quietMs`, or `timeoutMs` passed.
 */
export async function readTopicRaw(topic: string, options: { expected?: number; timeoutMs?: number; quietMs?: number; readUncommitted?: boolean } = {}): Promise<RawReadRecord[]> {
  const { expected = 0, timeoutMs = 60_000, quietMs = 1500 } = options;
  const consumer = kafka().consumer({ groupId: uniqueName('reader'), readUncommitted: options.readUncommitted ?? false, maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const out: RawReadRecord[] = [];
  let lastAt = Date.now();
  await consumer.run({
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(m.headers ?? {})) headers[k] = Buffer.isBuffer(v) ? v.toString() : String(v);
        out.push({ key: m.key, value: m.value, partition: batch.partition, offset: m.offset, timestamp: Number(m.timestamp), headers });
      }
      if (batch.messages.length > 0) lastAt = Date.now();
    },
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (out.length >= expected && Date.now() - lastAt >= quietMs) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await consumer.disconnect();
  return out;
}

/** As readTopicRaw, with keys and values decoded as UTF-8. */
export async function readTopic(topic: string, options: { expected?: number; timeoutMs?: number; quietMs?: number; readUncommitted?: boolean } = {}): Promise<ReadRecord[]> {
  const raw = await readTopicRaw(topic, options);
  return raw.map((r) => ({ ...r, key: r.key?.toString() ?? null, value: r.value?.toString() ?? null }));
}

/** Records in the topic as the broker counts them (end offsets; includes aborted records and markers). */
export async function endOffsets(topic: string): Promise<number> {
  const admin = kafka().admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  return offsets.reduce((s, o) => s + Number(o.high), 0);
}

/** Input records a group has committed, summed over partitions (0 while the group coordinator is loading). */
export async function committedTotal(groupId: string, topic: string): Promise<number> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
    return (offsets[0]?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
  } catch {
    return 0;
  } finally {
    await admin.disconnect();
  }
}
