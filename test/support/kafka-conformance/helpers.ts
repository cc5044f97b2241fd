/** Small helpers for the Kafka adapter tests: unique names, polling, reading a whole partition back. */
import { randomUUID } from 'node:crypto';
import type { Admin, ConsumedRecord, KafkaClient, OutputRecord } from '../../../src/kafka/index.ts';

export function unique(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls until `check` returns a value other than undefined, or fails after `timeoutMs` with `what`. */
export async function waitFor<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

/**
 * Waits until the partition's read_committed end (Admin `high`, the last stable offset) reaches `atLeast`: a
 * commit returns before its markers are written, so the end offset moves a moment later.
 */
export async function waitForEnd(admin: Admin, topic: string, partition: number, atLeast: bigint): Promise<string> {
  return waitFor(`${topic}/${partition} to reach offset ${atLeast}`, async () => {
    const high = (await admin.topicOffsets(topic)).find((p) => p.partition === partition)?.high;
    return high !== undefined && BigInt(high) >= atLeast ? high : undefined;
  });
}

/** Reads [from, to) with a fresh partition reader. */
export async function readRange(client: KafkaClient, topic: string, partition: number, fromOffset: string, toOffset: string): Promise<ConsumedRecord[]> {
  const reader = client.partitionReader();
  const records: ConsumedRecord[] = [];
  try {
    await reader.read({ topic, partition, fromOffset, toOffset }, (batch) => {
      records.push(...batch);
    });
  } finally {
    await reader.disconnect();
  }
  return records;
}

/** Everything committed in the partition, up to its current read_committed end. */
export async function readCommitted(client: KafkaClient, admin: Admin, topic: string, partition = 0): Promise<ConsumedRecord[]> {
  const high = (await admin.topicOffsets(topic)).find((p) => p.partition === partition)?.high ?? '0';
  return readRange(client, topic, partition, '0', high);
}

export function values(records: readonly ConsumedRecord[]): string[] {
  return records.map((r) => r.value?.toString() ?? '<null>');
}

/**
 * The timestamp test records carry: the suite's start, not a fixed date. The broker's time-based retention
 * (7 days by default, checked every 5 minutes) deletes records older than that from a test's topic while the
 * test reads it: a read from offset 0 then fails out of range.
 */
export const RECORD_TIME_MS = Math.floor(Date.now() / 1000) * 1000;

export function record(topic: string, value: string, extra: Partial<OutputRecord> = {}): OutputRecord {
  return { topic, key: Buffer.from(`k-${value}`), value: Buffer.from(value), timestampMs: RECORD_TIME_MS, ...extra };
}
