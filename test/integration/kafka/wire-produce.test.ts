/**
 * The wire produce path (src/kafka/wire/, wire-record-sender.ts) against the Java client and a real broker:
 * - its record batches are the bytes the Java client's own batch builder writes for the same records;
 * - what it commits is read back by the Java consumer (read_committed) with keys, values, headers and timestamps
 *   intact, on the partitions the Java producer would choose, and nothing of an aborted transaction shows;
 * - a broker error for one partition of a multi-partition request fails the transaction with that partition named,
 *   and the producer goes on cleanly; a Produce request lost on the way is resent and written once.
 * The Java programs in test/support/java-client/ run with the broker's own jars (kafka-clients of its version),
 * which docker/local-kafka/kafka.sh fetches.
 */
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KafkaError, TaskMigratedError } from '../../../src/errors/index.ts';
import { createKafkajsClient, type KafkaClient, type OutputRecord } from '../../../src/kafka/index.ts';
import { murmur2Partition } from '../../../src/kafka/murmur2.ts';
import { RecordBatchBuilder } from '../../../src/kafka/wire/record-batch-encoder.ts';
import { ApiKey, FaultSockets } from './support/fault-sockets.ts';
import { unique, waitFor } from '../../support/kafka-conformance/helpers.ts';

const brokers = inject('kafkaBrokers').split(',');
const root = join(import.meta.dirname, '..', '..', '..');
const javaDir = join(root, 'test', 'support', 'java-client');
const classpath = join(process.env.SLUICE_KAFKA_CACHE ?? join(root, '.cache', 'kafka'), 'lib', '*');

function runJava(program: string, args: readonly string[], stdin = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('java', ['-cp', classpath, join(javaDir, program), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${program} exited with ${code}: ${err}`))));
    child.stdin.end(stdin);
  });
}

const hex = (b: Buffer | null | undefined): string => (b === null || b === undefined ? '-' : b.toString('hex'));

interface Rec {
  key: Buffer | null;
  value: Buffer | null;
  timestampMs: number;
  headers?: Record<string, Buffer | string>;
}

function javaLines(records: readonly Rec[]): string {
  return records
    .map((r) => {
      const headers = Object.entries(r.headers ?? {}).map(([name, value]) => `${Buffer.from(name).toString('hex')}=${hex(Buffer.from(value))}`);
      return `${hex(r.key)}|${hex(r.value)}|${r.timestampMs}|${headers.join(',')}`;
    })
    .join('\n');
}

const T0 = 1_700_000_000_000;
/** The records carry 2023 timestamps: the broker's time-based retention would delete them while a test reads. */
const RETAIN = { 'retention.ms': '-1' } as const;
const RECORD_SETS: Record<string, Rec[]> = {
  'one record': [{ key: Buffer.from('k'), value: Buffer.from('v'), timestampMs: T0 }],
  'nulls, empties, headers, timestamps out of order': [
    { key: Buffer.from('k0'), value: Buffer.from('v0'), timestampMs: T0, headers: { a: '1', 'ü-name': Buffer.from([0, 1, 2]), empty: '' } },
    { key: null, value: null, timestampMs: T0 + 5 },
    { key: Buffer.alloc(0), value: Buffer.alloc(0), timestampMs: T0 - 3 },
    { key: Buffer.from('k3'), value: Buffer.alloc(300, 7), timestampMs: T0 + 2 ** 33 },
  ],
  '5,000 records with varints of every length': Array.from({ length: 5_000 }, (_, i) => ({
    key: Buffer.from(`key-${i}`),
    value: Buffer.alloc(i % 200, i & 0xff),
    timestampMs: T0 + i * 1_000,
    ...(i % 7 === 0 ? { headers: { n: String(i) } } : {}),
  })),
};

function encode(records: readonly Rec[], compression: 'none' | 'gzip', fields: { producerId: bigint; producerEpoch: number; baseSequence: number; transactional: boolean }): Promise<Buffer> {
  const builder = new RecordBatchBuilder(compression);
  for (const r of records) builder.append(r.key, r.value, r.timestampMs, r.headers);
  return builder.build(fields);
}

beforeAll(async () => {
  await promisify(execFile)('bash', [join(root, 'docker', 'local-kafka', 'kafka.sh'), 'fetch'], { cwd: root });
}, 600_000);

describe('record batches: the bytes the Java client writes', () => {
  it.each(Object.keys(RECORD_SETS))('%s (no compression, transactional)', async (name) => {
    const records = RECORD_SETS[name] as Rec[];
    const fields = { producerId: 4242n, producerEpoch: 3, baseSequence: 17, transactional: true };
    const java = (await runJava('RecordBatchWriter.java', ['4242', '3', '17', 'true', 'none'], javaLines(records))).trim();
    expect((await encode(records, 'none', fields)).toString('hex')).toBe(java);
  });

  it('a non-transactional batch with the largest producer fields', async () => {
    const records = RECORD_SETS['nulls, empties, headers, timestamps out of order'] as Rec[];
    const fields = { producerId: 9_007_199_254_740_993n, producerEpoch: 32_767, baseSequence: 2_147_483_000, transactional: false };
    const java = (await runJava('RecordBatchWriter.java', ['9007199254740993', '32767', '2147483000', 'false', 'none'], javaLines(records))).trim();
    expect((await encode(records, 'none', fields)).toString('hex')).toBe(java);
  });

  it('gzip: the same header fields and, decompressed, the same records (gzip streams differ by implementation)', async () => {
    const records = RECORD_SETS['5,000 records with varints of every length'] as Rec[];
    const fields = { producerId: 7n, producerEpoch: 1, baseSequence: 0, transactional: true };
    const java = Buffer.from((await runJava('RecordBatchWriter.java', ['7', '1', '0', 'true', 'gzip'], javaLines(records))).trim(), 'hex');
    const ours = await encode(records, 'gzip', fields);
    // attributes .. record count (the CRC and the length depend on the compressed bytes)
    expect(ours.subarray(21, 61).toString('hex')).toBe(java.subarray(21, 61).toString('hex'));
    expect(gunzipSync(ours.subarray(61))).toEqual(gunzipSync(java.subarray(61)));
  });
});

describe('the wire produce path against the broker', () => {
  const clients: KafkaClient[] = [];
  const client = (produce: { compression?: 'none' | 'gzip' } = {}, socketFactory?: FaultSockets['factory']): KafkaClient => {
    const created = createKafkajsClient({ brokers, clientId: 'sluice-wire-produce' }, undefined, { produce: { path: 'wire', ...produce }, ...(socketFactory === undefined ? {} : { socketFactory }) });
    clients.push(created);
    return created;
  };
  const admin = createKafkajsClient({ brokers, clientId: 'sluice-wire-produce-admin' }).admin();

  beforeAll(async () => {
    await admin.connect();
  });

  afterAll(async () => {
    await admin.disconnect();
  });

  async function readBack(topic: string, expected: number): Promise<string[]> {
    const out = await runJava('ReadCommitted.java', [brokers[0] as string, topic, String(expected), '60000']);
    return out.split('\n').filter((line) => line !== '');
  }

  it('commits what the Java consumer (read_committed) reads back intact, on the Java partitions; an aborted transaction never shows', async () => {
    const topic = unique('wire-readback');
    await admin.createTopics([{ name: topic, partitions: 3, config: RETAIN }]);
    const committed: OutputRecord[] = [];
    for (let i = 0; i < 300; i++) {
      committed.push({
        topic,
        key: i % 10 === 9 ? null : Buffer.from(`key-${i}`),
        value: i % 50 === 49 ? null : Buffer.from(`value-${i}`),
        timestampMs: T0 + ((i * 7919) % 10_000),
        ...(i % 3 === 0 ? { partition: i % 3 } : {}),
        ...(i % 4 === 0 ? { headers: { origin: `o-${i}`, bin: Buffer.from([i & 0xff, 0]) } } : {}),
      });
    }
    for (const compression of ['none', 'gzip'] as const) {
      const producer = client({ compression }).transactionalProducer({ transactionalId: unique(`wire-readback-${compression}`), transactionTimeoutMs: 60_000 });
      await producer.connect();
      const aborted = await producer.begin();
      await aborted.send(committed.map((r) => ({ ...r, value: Buffer.from(`aborted-${compression}`) })));
      await aborted.abort();
      const tx = await producer.begin();
      const half = compression === 'none' ? committed.slice(0, 150) : committed.slice(150);
      await tx.send(half.slice(0, 100));
      await tx.send(half.slice(100));
      await tx.commit();
      await producer.disconnect();
    }

    const lines = await readBack(topic, committed.length);
    expect(lines.some((line) => line.includes(Buffer.from('aborted').toString('hex')))).toBe(false);
    const byPartition = new Map<number, string[]>();
    for (const line of lines) {
      const [partition, , timestampType, timestampMs, key, value, headers] = line.split('|');
      expect(timestampType).toBe('CreateTime');
      const list = byPartition.get(Number(partition)) ?? [];
      list.push([timestampMs, key, value, headers].join('|'));
      byPartition.set(Number(partition), list);
    }
    const expected = new Map<number, string[]>();
    for (const r of committed) {
      // Keyless records without a partition go round-robin: only their count per partition is not fixed.
      const partition = r.partition ?? (r.key === null ? -1 : murmur2Partition(r.key, 3));
      const headers = Object.entries(r.headers ?? {}).map(([name, value]) => `${Buffer.from(name).toString('hex')}=${hex(Buffer.from(value as Buffer | string))}`);
      const list = expected.get(partition) ?? [];
      list.push([String(r.timestampMs), hex(r.key), hex(r.value), headers.join(',')].join('|'));
      expected.set(partition, list);
    }
    const keyless = expected.get(-1) ?? [];
    const placed = [...byPartition.values()].flat();
    expect(placed.length).toBe(committed.length);
    for (const [partition, records] of expected) {
      if (partition === -1) continue;
      // In order within the partition (keyless records interleave, so compare the subsequence).
      const got = (byPartition.get(partition) ?? []).filter((line) => !keyless.includes(line));
      expect(got).toEqual(records);
    }
    expect(placed.filter((line) => keyless.includes(line)).sort()).toEqual([...keyless].sort());
  });

  it('names the failing partition when one partition of a multi-partition request errors, and the producer goes on cleanly', async () => {
    const kept = unique('wire-kept');
    const deleted = unique('wire-deleted');
    await admin.createTopics([
      { name: kept, partitions: 2, config: RETAIN },
      { name: deleted, partitions: 1, config: RETAIN },
    ]);
    const producer = client().transactionalProducer({ transactionalId: unique('wire-fault'), transactionTimeoutMs: 60_000 });
    await producer.connect();
    const tx = await producer.begin();
    const both = (value: string): OutputRecord[] => [
      { topic: kept, partition: 0, key: null, value: Buffer.from(value), timestampMs: T0 },
      { topic: kept, partition: 1, key: null, value: Buffer.from(value), timestampMs: T0 },
      { topic: deleted, partition: 0, key: null, value: Buffer.from(value), timestampMs: T0 },
    ];
    await tx.send(both('first'));
    await admin.deleteTopics([deleted]);
    await waitFor('the topic to be gone', async () => ((await admin.describeTopics([deleted])).has(deleted) ? undefined : true), 60_000);
    const failure: unknown = await tx.send(both('second')).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(KafkaError);
    expect(failure).not.toBeInstanceOf(TaskMigratedError);
    expect((failure as KafkaError).message).toContain(`${deleted} partition 0`);
    expect((failure as KafkaError).message).toMatch(/UNKNOWN_TOPIC_OR_PARTITION|LEADER_NOT_AVAILABLE/);
    expect((failure as KafkaError).context).toMatchObject({ topic: deleted, partition: 0 });
    await tx.abort();

    const next = await producer.begin();
    await next.send([{ topic: kept, partition: 0, key: null, value: Buffer.from('after'), timestampMs: T0 }]);
    await next.commit();
    await producer.disconnect();
    const values = (await readBack(kept, 1)).map((line) => Buffer.from(line.split('|')[5] as string, 'hex').toString());
    expect(values).toEqual(['after']);
  });

  it('resends a Produce request lost on the way with the same sequence: every record written once', async () => {
    const topic = unique('wire-lost');
    await admin.createTopics([{ name: topic, partitions: 2, config: RETAIN }]);
    const faults = new FaultSockets();
    const producer = client({}, faults.factory).transactionalProducer({ transactionalId: unique('wire-lost'), transactionTimeoutMs: 60_000 });
    await producer.connect();
    const records = (tag: string): OutputRecord[] =>
      Array.from({ length: 20 }, (_, i) => ({ topic, partition: i % 2, key: null, value: Buffer.from(`${tag}-${i}`), timestampMs: T0 + i }));
    const first = await producer.begin();
    await first.send(records('a'));
    faults.failNext(ApiKey.Produce);
    await first.send(records('b'));
    await first.commit();
    expect(faults.dropped.get(ApiKey.Produce)).toBe(1);
    await producer.disconnect();
    const values = (await readBack(topic, 40)).map((line) => Buffer.from(line.split('|')[5] as string, 'hex').toString());
    expect([...values].sort()).toEqual([...records('a'), ...records('b')].map((r) => (r.value as Buffer).toString()).sort());
  });
});
