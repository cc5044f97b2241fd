import { expect, it } from 'vitest';
import { OffsetOutOfRangeError } from '../../../src/errors/index.ts';
import type { PartitionReader } from '../../../src/kafka/index.ts';
import { RECORD_TIME_MS, readRange, record, sleep, unique, values, waitForEnd } from './helpers.ts';
import type { SuiteEnv } from './suite.ts';

export function readerCases(env: SuiteEnv): void {
  it('reads exact ranges, including ranges ending in commit markers and made of aborted records only', async () => {
    const { admin, client } = env;
    const topic = unique('reader-ranges');
    await admin.createTopics([{ name: topic, partitions: 1 }]);
    const tx = client.transactionalProducer({ transactionalId: unique('reader-ranges'), transactionTimeoutMs: 30_000 });
    await tx.connect();
    const send = async (prefix: string, count: number, end: 'commit' | 'abort') => {
      const t = await tx.begin();
      await t.send(Array.from({ length: count }, (_, i) => record(topic, `${prefix}${i}`)));
      await (end === 'commit' ? t.commit() : t.abort());
    };
    await send('a', 5, 'commit'); // a0..a4 at 0-4, commit marker at 5
    await send('x', 3, 'abort'); // aborted at 6-8, abort marker at 9
    await send('c', 5, 'commit'); // c0..c4 at 10-14, commit marker at 15
    await tx.disconnect();
    const plain = client.producer();
    await plain.connect();
    await plain.send([record(topic, 'n0'), record(topic, 'n1')]); // 16, 17
    await plain.disconnect();
    expect(await waitForEnd(admin, topic, 0, 18n)).toBe('18');

    const cases: [from: number, to: number, expected: string[]][] = [
      [0, 18, ['a0', 'a1', 'a2', 'a3', 'a4', 'c0', 'c1', 'c2', 'c3', 'c4', 'n0', 'n1']],
      [0, 6, ['a0', 'a1', 'a2', 'a3', 'a4']],
      [0, 5, ['a0', 'a1', 'a2', 'a3', 'a4']],
      [3, 12, ['a3', 'a4', 'c0', 'c1']],
      [5, 6, []],
      [6, 10, []],
      [6, 16, ['c0', 'c1', 'c2', 'c3', 'c4']],
      [14, 17, ['c4', 'n0']],
      [17, 18, ['n1']],
      [18, 18, []],
    ];
    const reader = client.partitionReader();
    for (const [from, to, expected] of cases) {
      const started = performance.now();
      const records: string[] = [];
      const offsets: string[] = [];
      await reader.read({ topic, partition: 0, fromOffset: String(from), toOffset: String(to) }, (batch) => {
        expect(batch.length).toBeGreaterThan(0);
        records.push(...values(batch));
        offsets.push(...batch.map((r) => r.offset));
      });
      expect({ from, to, records }).toEqual({ from, to, records: expected });
      expect(offsets.every((o) => Number(o) >= from && Number(o) < to)).toBe(true);
      // Ranges ending in markers or aborted records must not wait for a record that never comes.
      expect(performance.now() - started).toBeLessThan(400);
    }
    await reader.disconnect();
    await admin.deleteTopics([topic]);
  });

  it('drops records of interleaved aborted transactions even when the range starts inside them', async () => {
    const { admin, client } = env;
    const topic = unique('reader-interleaved');
    await admin.createTopics([{ name: topic, partitions: 1 }]);
    const one = client.transactionalProducer({ transactionalId: unique('reader-interleaved-1'), transactionTimeoutMs: 30_000 });
    const two = client.transactionalProducer({ transactionalId: unique('reader-interleaved-2'), transactionTimeoutMs: 30_000 });
    await Promise.all([one.connect(), two.connect()]);
    const t1 = await one.begin();
    await t1.send([record(topic, 'y0')]); // 0
    const t2 = await two.begin();
    await t2.send([record(topic, 'z0')]); // 1
    await t1.abort(); // marker 2
    await t2.abort(); // marker 3
    const t3 = await one.begin();
    await t3.send([record(topic, 'w0')]); // 4
    await t3.commit(); // marker 5
    await Promise.all([one.disconnect(), two.disconnect()]);
    expect(await waitForEnd(admin, topic, 0, 6n)).toBe('6');
    for (const from of ['0', '1', '2']) {
      expect(values(await readRange(client, topic, 0, from, '6'))).toEqual(['w0']);
    }
    await admin.deleteTopics([topic]);
  });

  it('stops at the last stable offset, and a range over an open transaction completes when it commits', async () => {
    const { admin, client } = env;
    const topic = unique('reader-open');
    await admin.createTopics([{ name: topic, partitions: 1 }]);
    const plain = client.producer();
    await plain.connect();
    await plain.send([0, 1, 2].map((i) => record(topic, `n${i}`))); // 0-2
    await plain.disconnect();
    const tx = client.transactionalProducer({ transactionalId: unique('reader-open'), transactionTimeoutMs: 30_000 });
    await tx.connect();
    const open = await tx.begin();
    await open.send([record(topic, 't0'), record(topic, 't1')]); // 3-4, commit marker at 5
    const end = (await admin.topicOffsets(topic))[0]?.high;
    expect(end).toBe('3');
    expect(values(await readRange(client, topic, 0, '0', '3'))).toEqual(['n0', 'n1', 'n2']);

    const started = performance.now();
    const reading = readRange(client, topic, 0, '0', '5');
    await sleep(700);
    await open.commit();
    expect(values(await reading)).toEqual(['n0', 'n1', 'n2', 't0', 't1']);
    expect(performance.now() - started).toBeGreaterThanOrEqual(650);
    await tx.disconnect();
    await admin.deleteTopics([topic]);
  });

  it('fetch follows a partition: committed records only, past markers and aborted records, waiting for new data, failing out of range', async () => {
    const { admin, client } = env;
    const topic = unique('reader-follow');
    await admin.createTopics([{ name: topic, partitions: 2 }]);
    const tx = client.transactionalProducer({ transactionalId: unique('reader-follow'), transactionTimeoutMs: 30_000 });
    await tx.connect();
    const committed = await tx.begin();
    await committed.send([record(topic, 'a0', { partition: 0 }), record(topic, 'a1', { partition: 0 })]); // 0-1, marker 2
    await committed.commit();
    const aborted = await tx.begin();
    await aborted.send([record(topic, 'x0', { partition: 0 })]); // 3, marker 4
    await aborted.abort();
    expect(await waitForEnd(admin, topic, 0, 5n)).toBe('5');

    const reader = client.partitionReader();
    /** Fetches from `offset` until the position reaches `until`, collecting values. */
    const follow = async (r: PartitionReader, partition: number, offset: string, until: bigint): Promise<{ values: string[]; next: string }> => {
      const seen: string[] = [];
      let next = offset;
      while (BigInt(next) < until) {
        const fetched = await r.fetch({ topic, partition, offset: next }, { maxWaitMs: 200 });
        seen.push(...values(fetched.records));
        expect(fetched.records.every((rec) => BigInt(rec.offset) >= BigInt(next))).toBe(true);
        expect(BigInt(fetched.nextOffset)).toBeGreaterThanOrEqual(BigInt(next));
        next = fetched.nextOffset;
      }
      return { values: seen, next };
    };
    expect(await follow(reader, 0, '0', 5n)).toEqual({ values: ['a0', 'a1'], next: '5' });
    expect(await follow(reader, 0, '1', 5n)).toEqual({ values: ['a1'], next: '5' });

    // At the end: waits, then returns nothing and the same position.
    const idle = await reader.fetch({ topic, partition: 0, offset: '5' }, { maxWaitMs: 300 });
    expect(idle).toEqual({ records: [], nextOffset: '5', lastStableOffset: '5' });

    // A fetch waiting at the end returns what is written meanwhile; an open transaction is not visible until it commits.
    const open = await tx.begin();
    await open.send([record(topic, 't0', { partition: 0 })]); // 5, marker 6
    const whileOpen = await reader.fetch({ topic, partition: 0, offset: '5' }, { maxWaitMs: 300 });
    expect(whileOpen).toEqual({ records: [], nextOffset: '5', lastStableOffset: '5' });
    await open.commit();
    await tx.disconnect();
    const plain = client.producer();
    await plain.connect();
    await plain.send([record(topic, 'n0', { partition: 0 })]); // 7
    await plain.disconnect();
    expect(await follow(reader, 0, '5', 8n)).toEqual({ values: ['t0', 'n0'], next: '8' });

    // Another partition on the same reader, one fetch after the other.
    const empty = await reader.fetch({ topic, partition: 1, offset: '0' }, { maxWaitMs: 0 });
    expect(empty).toEqual({ records: [], nextOffset: '0', lastStableOffset: '0' });

    await expect(reader.fetch({ topic, partition: 0, offset: '100' }, { maxWaitMs: 0 })).rejects.toBeInstanceOf(OffsetOutOfRangeError);
    // The reader still works after that.
    expect(values((await reader.fetch({ topic, partition: 0, offset: '7' }, { maxWaitMs: 0 })).records)).toEqual(['n0']);
    await reader.disconnect();
    await admin.deleteTopics([topic]);
  });

  it('reads 200,000 records in large batches', async () => {
    const { admin, client } = env;
    const topic = unique('reader-bulk');
    const count = 200_000;
    await admin.createTopics([{ name: topic, partitions: 1, config: { 'cleanup.policy': 'compact' } }]);
    const producer = client.producer();
    await producer.connect();
    const value = Buffer.alloc(100, 7);
    const startedSend = performance.now();
    for (let start = 0; start < count; start += 50_000) {
      await producer.send(Array.from({ length: 50_000 }, (_, i) => ({ topic, key: Buffer.from(`key-${start + i}`), value, timestampMs: RECORD_TIME_MS + i, partition: 0 })));
    }
    const sendMs = performance.now() - startedSend;
    await producer.disconnect();
    const end = await waitForEnd(admin, topic, 0, BigInt(count));

    const reader = client.partitionReader();
    let received = 0;
    let calls = 0;
    let last = -1;
    let ordered = true;
    const started = performance.now();
    await reader.read({ topic, partition: 0, fromOffset: '0', toOffset: end }, (records) => {
      calls += 1;
      received += records.length;
      const first = Number(records[0]?.offset);
      if (first !== last + 1) ordered = false;
      last = Number(records[records.length - 1]?.offset);
    });
    const readMs = performance.now() - started;
    await reader.disconnect();
    console.log(
      `[kafka conformance] ${env.adapter.name}: read ${received} records (100-byte values) in ${readMs.toFixed(0)} ms = ` +
        `${Math.round((received / readMs) * 1000)} records/s in ${calls} batches; produced at ${Math.round((count / sendMs) * 1000)} records/s`,
    );
    expect(received).toBe(count);
    expect(ordered).toBe(true);
    expect(last).toBe(count - 1);
    expect(calls).toBeLessThan(count / 1_000);
    await admin.deleteTopics([topic]);
  });
}
