/**
 * The chaos test's own Kafka clients, straight to the broker (never through the fault proxy): topics, the
 * seeded input, the group's committed offsets, and a read_committed reader that watches the output from the
 * start of a run, noting when each committed batch became visible.
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { installFetchAbortedFilter } from '../../../src/kafka/kafkajs/fetch-response-patch.ts';
import type { InputRecord } from './seeded-input.ts';

// kafkajs's own read_committed filtering can hand out records of aborted transactions (see
// src/kafka/kafkajs/read-committed-filter.ts): without sluice's fix the reader would count aborted output of
// failed transactions as duplicates.
installFetchAbortedFilter();

export function directKafka(brokers: string): Kafka {
  return new Kafka({ clientId: `chaos-${randomUUID().slice(0, 6)}`, brokers: brokers.split(','), logLevel: logLevel.NOTHING, retry: { retries: 10 } });
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export async function createTopics(brokers: string, topics: { name: string; partitions: number }[]): Promise<void> {
  const admin = directKafka(brokers).admin();
  await admin.connect();
  // Results and late records carry event-time timestamps (2026-01-01): keep them from time-based retention.
  await admin.createTopics({
    topics: topics.map((t) => ({ topic: t.name, numPartitions: t.partitions, configEntries: [{ name: 'retention.ms', value: '-1' }] })),
    waitForLeaders: true,
  });
  await admin.disconnect();
}

/**
 * Produces the records in order with one idempotent producer, so each partition's offsets follow the input;
 * at `ratePerSec` when given, so faults land while there is work in flight. `pause()` holds the feed (after
 * the send in flight) while the broker is taken down; `resume()` goes on where it stopped.
 */
export class Feeder {
  private paused = false;
  private inFlight: Promise<unknown> | undefined;
  private resumed: { promise: Promise<void>; resolve: () => void } | undefined;
  /** Records sent so far. */
  sent = 0;
  readonly done: Promise<void>;

  constructor(brokers: string, topic: string, records: readonly InputRecord[], options: { batchSize?: number; ratePerSec?: number } = {}) {
    this.done = this.feed(brokers, topic, records, options.batchSize ?? 1000, options.ratePerSec);
  }

  /** Resolves once no send is in flight; the feed then waits for resume(). */
  async pause(): Promise<void> {
    if (this.paused) return;
    this.paused = true;
    let resolve = () => {};
    const promise = new Promise<void>((r) => (resolve = r));
    this.resumed = { promise, resolve };
    await this.inFlight?.catch(() => undefined);
  }

  resume(): void {
    this.paused = false;
    this.resumed?.resolve();
    this.resumed = undefined;
  }

  private async feed(brokers: string, topic: string, records: readonly InputRecord[], batchSize: number, ratePerSec: number | undefined): Promise<void> {
    const producer = directKafka(brokers).producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    let pausedMs = 0;
    const started = Date.now();
    for (let i = 0; i < records.length; i += batchSize) {
      if (ratePerSec !== undefined) {
        const dueAt = started + pausedMs + (i / ratePerSec) * 1000;
        if (dueAt > Date.now()) await new Promise((r) => setTimeout(r, dueAt - Date.now()));
      }
      while (this.resumed !== undefined) {
        const since = Date.now();
        await this.resumed.promise;
        pausedMs += Date.now() - since;
      }
      this.inFlight = producer.send({ topic, acks: -1, messages: records.slice(i, i + batchSize).map((m) => ({ key: m.key, value: m.value, partition: m.partition })) });
      await this.inFlight;
      this.inFlight = undefined;
      this.sent = Math.min(records.length, i + batchSize);
    }
    await producer.disconnect();
  }
}

/** Input records the group has committed, summed over partitions; undefined when the broker does not answer. */
export async function committedTotal(brokers: string, groupId: string, topic: string): Promise<number | undefined> {
  const admin = new Kafka({ clientId: 'chaos-offsets', brokers: brokers.split(','), logLevel: logLevel.NOTHING, retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 1000 }, requestTimeout: 5000, connectionTimeout: 2000 }).admin();
  try {
    await admin.connect();
    const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
    return (offsets[0]?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
  } catch {
    return undefined;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export interface SeenRecord {
  readonly key: string | null;
  readonly value: string | null;
  readonly partition: number;
  readonly offset: string;
  readonly headers: Record<string, string>;
}

/**
 * Reads a topic read_committed from the beginning for as long as it runs. `batchTimes` holds the wall time of
 * every fetch that brought records, so the longest pause between committed output batches can be reported.
 */
export class OutputWatcher {
  readonly records: SeenRecord[] = [];
  readonly batchTimes: number[] = [];
  /** A reader started again reads from the beginning: keep each offset once. */
  private readonly seen = new Set<string>();
  private consumer: Consumer | undefined;

  private constructor(
    private readonly brokers: string,
    private readonly topic: string,
  ) {}

  static async start(brokers: string, topic: string): Promise<OutputWatcher> {
    const watcher = new OutputWatcher(brokers, topic);
    await watcher.connect();
    return watcher;
  }

  /**
   * Replaces the reader with a fresh one (after a broker restart a kafkajs consumer may stall or crash);
   * what was seen stays, the re-read is de-duplicated by offset.
   */
  async reconnect(): Promise<void> {
    const old = this.consumer;
    this.consumer = undefined;
    await Promise.race([old?.disconnect().catch(() => undefined), new Promise((r) => setTimeout(r, 10_000))]);
    await this.connect();
  }

  private async connect(): Promise<void> {
    const client = new Kafka({
      clientId: `chaos-reader-${randomUUID().slice(0, 6)}`,
      brokers: this.brokers.split(','),
      logLevel: logLevel.NOTHING,
      retry: { retries: 10, restartOnFailure: async () => true },
    });
    const consumer = client.consumer({ groupId: uniqueName('chaos-reader'), maxWaitTimeInMs: 200, sessionTimeout: 60_000, heartbeatInterval: 3000 });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        if (this.consumer !== consumer) return;
        let fresh = 0;
        for (const m of batch.messages) {
          const at = `${batch.partition}/${m.offset}`;
          if (this.seen.has(at)) continue;
          this.seen.add(at);
          fresh++;
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(m.headers ?? {})) headers[k] = Buffer.isBuffer(v) ? v.toString() : String(v);
          this.records.push({ key: m.key?.toString() ?? null, value: m.value?.toString() ?? null, partition: batch.partition, offset: m.offset, headers });
        }
        if (fresh > 0) this.batchTimes.push(Date.now());
      },
    });
  }

  get lastAt(): number | undefined {
    return this.batchTimes[this.batchTimes.length - 1];
  }

  /** Longest gap between consecutive batches (ms), from the first batch to the last. */
  longestPauseMs(): number {
    let longest = 0;
    const times = [...this.batchTimes].sort((a, b) => a - b);
    for (let i = 1; i < times.length; i++) longest = Math.max(longest, (times[i] as number) - (times[i - 1] as number));
    return longest;
  }

  /** Waits until `expected` records arrived and nothing new came for `quietMs`, or `timeoutMs` passed. */
  async settle(expected: number, options: { timeoutMs: number; quietMs: number }): Promise<void> {
    const deadline = Date.now() + options.timeoutMs;
    while (Date.now() < deadline) {
      const quiet = Date.now() - (this.lastAt ?? 0) >= options.quietMs;
      if (this.records.length >= expected && quiet) return;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async stop(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    await consumer?.disconnect().catch(() => undefined);
  }
}

/**
 * Reads a whole topic read_committed with a fresh reader, until nothing new came for `quietMs`: the results
 * are judged on this read, so a watcher that lost its place during a broker outage cannot fake a loss.
 */
export async function readAll(brokers: string, topic: string, options: { quietMs?: number; timeoutMs?: number } = {}): Promise<SeenRecord[]> {
  const quietMs = options.quietMs ?? 5000;
  const watcher = await OutputWatcher.start(brokers, topic);
  const started = Date.now();
  const deadline = started + (options.timeoutMs ?? 180_000);
  while (Date.now() < deadline && Date.now() - (watcher.lastAt ?? started) < quietMs) await new Promise((r) => setTimeout(r, 200));
  await watcher.stop();
  return watcher.records;
}
