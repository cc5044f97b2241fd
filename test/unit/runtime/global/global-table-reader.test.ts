/**
 * The global table reader on the memory cluster: restore to the end offsets as of start, then follow the topic
 * in the background; read_committed; tombstones; a deserialization failure under each policy; a position that
 * falls out of range. Polls with a generous timeout, asserts only on what happened.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { defineTopology, KafkaError, serdes, type ErrorPolicy } from '../../../../src/index.ts';
import type { KafkaClient, OutputRecord, PartitionReader } from '../../../../src/kafka/index.ts';
import { MemoryKafka } from '../../../../src/kafka/memory/index.ts';
import { createLogger } from '../../../../src/logging/logger.ts';
import { plan } from '../../../../src/planner/plan.ts';
import { GlobalTableReader } from '../../../../src/runtime/global/global-table-reader.ts';
import { GlobalTableStore } from '../../../../src/runtime/global/global-table-store.ts';

const TOPIC = 'customers';
const logger = createLogger({ level: 'silent', format: 'json', name: 'test' });
const clusters: MemoryKafka[] = [];
const readers: GlobalTableReader[] = [];

afterEach(async () => {
  for (const reader of readers.splice(0)) await reader.stop();
  for (const cluster of clusters.splice(0)) cluster.close();
});

function store(): GlobalTableStore {
  const topology = defineTopology({ applicationId: 'global-reader' }, (t) => {
    t.globalTable(TOPIC, { key: serdes.string(), value: serdes.json<{ name: string }>(), name: 'customers' });
    t.stream('orders', { key: serdes.string(), value: serdes.json() });
  });
  return new GlobalTableStore(plan(topology).globalTables[0]!);
}

function rec(key: string, value: string | null, partition: number): OutputRecord {
  return { topic: TOPIC, partition, key: Buffer.from(key), value: value === null ? null : Buffer.from(JSON.stringify({ name: value })), timestampMs: 1 };
}

async function send(client: KafkaClient, records: OutputRecord[]): Promise<void> {
  const producer = client.producer();
  await producer.connect();
  await producer.send(records);
  await producer.disconnect();
}

function contents(s: GlobalTableStore): Record<string, string> {
  return Object.fromEntries([...s.entriesDecoded()].map(([k, v]) => [k as string, (v as { name: string }).name]));
}

async function waitUntil(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function reader(client: KafkaClient, s: GlobalTableStore, onError: ErrorPolicy = 'fail', fatal: Error[] = []): GlobalTableReader {
  const r = new GlobalTableReader({ client, store: s, logger, onError, maxWaitMs: 50, onFatal: (e) => fatal.push(e) });
  readers.push(r);
  return r;
}

/** A client whose partition readers hold every fetch until `open()`, to see the reader mid-restore. */
function gated(client: KafkaClient): { client: KafkaClient; open: () => void; fetches: () => number } {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let fetches = 0;
  return {
    client: {
      ...client,
      admin: () => client.admin(),
      consumer: (o) => client.consumer(o),
      producer: () => client.producer(),
      transactionalProducer: (o) => client.transactionalProducer(o),
      partitionReader: (): PartitionReader => {
        const inner = client.partitionReader();
        return {
          read: (range, onRecords) => inner.read(range, onRecords),
          fetch: async (position, options) => {
            fetches++;
            await gate;
            return inner.fetch(position, options);
          },
          disconnect: () => inner.disconnect(),
        };
      },
    },
    open,
    fetches: () => fetches,
  };
}

describe('GlobalTableReader', () => {
  it('restores every partition to its end offset before start() resolves, then follows updates and tombstones', async () => {
    const cluster = new MemoryKafka();
    clusters.push(cluster);
    cluster.createTopic({ name: TOPIC, partitions: 3 });
    const client = cluster.client();
    await send(client, [rec('a', 'Ada', 0), rec('b', 'Bob', 1), rec('c', 'Cy', 2), rec('a', 'Ada 2', 0), rec('d', 'Dee', 2), rec('d', null, 2)]);

    const s = store();
    const g = gated(client);
    const r = reader(g.client, s);
    let restored = false;
    const started = r.start().then(() => (restored = true));
    await waitUntil('the partition fetches', () => g.fetches() >= 3);
    expect(r.currentState).toBe('restoring');
    // Six offsets to read, none read yet: every fetch is held at the gate.
    expect(r.progress()).toMatchObject({ restored: 0, partitions: 3, restore: { totalOffsets: 6, readOffsets: 0, records: 0, durationMs: null }, lag: null });
    expect(restored).toBe(false);
    g.open();
    await started;
    // Everything written before start is in, across all three partitions, with the tombstone applied.
    expect(contents(s)).toEqual({ a: 'Ada 2', b: 'Bob', c: 'Cy' });
    expect(r.currentState).toBe('following');
    expect(r.progress()).toMatchObject({ restored: 3, partitions: 3, restore: { totalOffsets: 6, readOffsets: 6, records: 6, etaMs: 0, offsetsPerSec: null }, lag: 0 });
    expect(r.progress().restore?.durationMs).toEqual(expect.any(Number));

    await send(client, [rec('e', 'Eve', 1), rec('b', null, 1), rec('c', 'Cy 2', 2)]);
    await waitUntil('the updates to arrive', () => contents(s).e === 'Eve' && contents(s).b === undefined && contents(s).c === 'Cy 2');
    expect(contents(s)).toEqual({ a: 'Ada 2', c: 'Cy 2', e: 'Eve' });
  });

  it('restores an empty topic at once and reads only committed transactions', async () => {
    const cluster = new MemoryKafka();
    clusters.push(cluster);
    cluster.createTopic({ name: TOPIC, partitions: 2 });
    const client = cluster.client();
    const tx = client.transactionalProducer({ transactionalId: 'global-writer', transactionTimeoutMs: 30_000 });
    await tx.connect();
    const open = await tx.begin();
    await open.send([rec('t', 'open at start', 0)]);
    const s = store();
    const r = reader(client, s);
    // An open transaction holds the end (the LSO) back: the restore does not wait for it.
    await r.start();
    expect(contents(s)).toEqual({});
    const aborted = open;
    await aborted.abort();
    const committed = await tx.begin();
    await committed.send([rec('u', 'committed', 1)]);
    await committed.commit();
    await tx.disconnect();
    await waitUntil('the committed record', () => contents(s).u === 'committed');
    expect(contents(s)).toEqual({ u: 'committed' });
  });

  it('a record that does not deserialize fails the restore under onError fail, and is skipped otherwise', async () => {
    const cluster = new MemoryKafka();
    clusters.push(cluster);
    cluster.createTopic({ name: TOPIC, partitions: 1 });
    const client = cluster.client();
    await send(client, [rec('a', 'Ada', 0), { topic: TOPIC, partition: 0, key: Buffer.from('bad'), value: Buffer.from('{nope'), timestampMs: 1 }, rec('b', 'Bob', 0)]);
    await expect(reader(client, store(), 'fail').start()).rejects.toThrow(/global table "customers"/);
    const s = store();
    await reader(client, s, 'skip').start();
    expect(contents(s)).toEqual({ a: 'Ada', b: 'Bob' });

    // After the restore a failing record is fatal through onFatal.
    const fresh = new MemoryKafka();
    clusters.push(fresh);
    fresh.createTopic({ name: TOPIC, partitions: 1 });
    const other = fresh.client();
    const fatal: Error[] = [];
    const following = store();
    await reader(other, following, 'fail', fatal).start();
    await send(other, [{ topic: TOPIC, partition: 0, key: Buffer.from('bad2'), value: Buffer.from('{nope'), timestampMs: 1 }]);
    await waitUntil('the fatal error', () => fatal.length === 1);
    expect(fatal[0]?.message).toMatch(/global table "customers"/);
  });

  it('retries retriable broker errors of fetches and of the end offsets, then restores', async () => {
    const cluster = new MemoryKafka();
    clusters.push(cluster);
    cluster.createTopic({ name: TOPIC, partitions: 2 });
    const base = cluster.client();
    await send(base, [rec('a', 'Ada', 0), rec('b', 'Bob', 1)]);
    let failFetches = 3;
    let failOffsets = 1;
    const broken = () => new KafkaError('the broker went away', { retriable: true });
    const client: KafkaClient = {
      ...base,
      consumer: (o) => base.consumer(o),
      producer: () => base.producer(),
      transactionalProducer: (o) => base.transactionalProducer(o),
      admin: () => {
        const admin = base.admin();
        return {
          ...admin,
          connect: () => admin.connect(),
          disconnect: () => admin.disconnect(),
          topicOffsets: async (topic: string) => {
            if (failOffsets-- > 0) throw broken();
            return admin.topicOffsets(topic);
          },
        } as ReturnType<KafkaClient['admin']>;
      },
      partitionReader: (): PartitionReader => {
        const inner = base.partitionReader();
        return {
          read: (range, onRecords) => inner.read(range, onRecords),
          fetch: async (position, options) => {
            if (failFetches-- > 0) throw broken();
            return inner.fetch(position, options);
          },
          disconnect: () => inner.disconnect(),
        };
      },
    };
    const s = store();
    await reader(client, s).start();
    expect(contents(s)).toEqual({ a: 'Ada', b: 'Bob' });
    expect(failFetches).toBeLessThan(0);
    expect(failOffsets).toBeLessThan(0);
  });

  it('reads a partition again from its log start when its position falls out of range', async () => {
    const cluster = new MemoryKafka();
    clusters.push(cluster);
    cluster.createTopic({ name: TOPIC, partitions: 1 });
    const client = cluster.client();
    await send(client, [rec('a', 'Ada', 0), rec('b', 'Bob', 0)]);
    const s = store();
    const r = reader(client, s);
    await r.start();
    expect(contents(s)).toEqual({ a: 'Ada', b: 'Bob' });
    // The topic is recreated with other contents: the reader's position (2) is past its end.
    cluster.deleteTopic(TOPIC);
    cluster.createTopic({ name: TOPIC, partitions: 1 });
    await send(client, [rec('c', 'Cy', 0)]);
    await waitUntil('the re-read partition', () => contents(s).c === 'Cy' && s.size === 1, 30_000);
    expect(contents(s)).toEqual({ c: 'Cy' });
  });
});
