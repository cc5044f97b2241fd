/** Bench-side Kafka helpers on plain kafkajs: topics, producing input, reading committed and end offsets. */
import { Kafka, logLevel, type Admin, type Message, type Producer } from 'kafkajs';

export function kafkaFor(brokers: string, clientId: string): Kafka {
  return new Kafka({ clientId, brokers: brokers.split(','), logLevel: logLevel.NOTHING });
}

export async function createTopics(admin: Admin, names: readonly string[], partitions: number): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = names.filter((n) => !existing.has(n));
  if (missing.length === 0) return;
  // Retried: on a loaded broker the leader look-up after creation can answer "does not host this topic-partition".
  await retrying(async () => {
    const now = new Set(await admin.listTopics());
    const left = missing.filter((n) => !now.has(n));
    if (left.length > 0) await admin.createTopics({ topics: left.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })), waitForLeaders: true });
    await admin.fetchTopicMetadata({ topics: missing });
  });
}

export interface BenchRecord {
  readonly key: Buffer | string;
  readonly value: Buffer;
  readonly partition: number;
}

const SEND_SIZE = 1_000;
const IN_FLIGHT = 4;

/**
 * Produces `count` records made by `make(i)` with `inFlight` sends under way. With more than one, kafkajs may
 * write them out of order, and a send retried after one of its partitions failed writes the others twice (the
 * comparison bench's output checks found both): pass 1 for an ordered, idempotent producer. Returns records/s.
 */
export async function produceRecords(
  kafka: Kafka,
  topic: string,
  count: number,
  make: (i: number) => BenchRecord,
  progress?: (done: number) => void,
  inFlight = IN_FLIGHT,
): Promise<number> {
  // One send at a time: idempotent too, so a retried send (one partition of it failed) writes no duplicates.
  const producer = kafka.producer(inFlight === 1 ? { allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 } : { allowAutoTopicCreation: false });
  await producer.connect();
  const started = performance.now();
  try {
    const pending = new Set<Promise<void>>();
    let done = 0;
    for (let start = 0; start < count; start += SEND_SIZE) {
      const end = Math.min(count, start + SEND_SIZE);
      const messages: Message[] = [];
      for (let i = start; i < end; i++) {
        const r = make(i);
        messages.push({ key: r.key, value: r.value, partition: r.partition });
      }
      const sent: Promise<void> = producer.send({ topic, acks: -1, messages }).then(() => {
        pending.delete(sent);
        done += messages.length;
        progress?.(done);
      });
      pending.add(sent);
      if (pending.size >= inFlight) await Promise.race(pending);
    }
    await Promise.all(pending);
  } finally {
    await producer.disconnect();
  }
  return count / ((performance.now() - started) / 1000);
}

/** Produces at about `perSecond` records/s until stopped, in sends every 100 ms. */
export class SteadyProducer {
  private producer: Producer | undefined;
  private timer: NodeJS.Timeout | undefined;
  private sending = false;
  private next = 0;
  produced = 0;
  failures = 0;

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
    private readonly perSecond: number,
    private readonly make: (i: number) => BenchRecord,
  ) {}

  async start(): Promise<void> {
    this.producer = this.kafka.producer({ allowAutoTopicCreation: false });
    await this.producer.connect();
    const perTick = Math.max(1, Math.round(this.perSecond / 10));
    this.timer = setInterval(() => {
      // Skip a tick rather than queue sends when the broker is slow.
      if (this.sending || this.producer === undefined) return;
      this.sending = true;
      const messages: Message[] = [];
      for (let j = 0; j < perTick; j++) {
        const r = this.make(this.next++);
        messages.push({ key: r.key, value: r.value, partition: r.partition });
      }
      this.producer
        .send({ topic: this.topic, acks: -1, messages })
        .then(() => {
          this.produced += messages.length;
        })
        .catch(() => {
          this.failures++;
        })
        .finally(() => {
          this.sending = false;
        });
    }, 100);
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    while (this.sending) await new Promise((r) => setTimeout(r, 20));
    await this.producer?.disconnect().catch(() => undefined);
    this.producer = undefined;
  }
}

/** End offsets (high watermarks) by partition. */
export async function endOffsets(admin: Admin, topic: string): Promise<number[]> {
  const offsets = await retrying(() => admin.fetchTopicOffsets(topic));
  const out: number[] = [];
  for (const o of offsets) out[o.partition] = Number(o.high);
  return out;
}

/** The group's committed offsets of `topic` by partition (-1 where nothing is committed). */
export async function committedOffsets(admin: Admin, groupId: string, topic: string): Promise<number[]> {
  const [result] = await retrying(() => admin.fetchOffsets({ groupId, topics: [topic] }));
  const out: number[] = [];
  for (const p of result?.partitions ?? []) out[p.partition] = Number(p.offset);
  return out;
}

export function sum(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += Math.max(0, v);
  return s;
}

/** Retries retriable broker errors (a coordinator still loading on a fresh broker, a leader moving) for ~10 s. */
async function retrying<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= 40 || (error as { retriable?: boolean }).retriable !== true) throw error;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
