import { expect, it } from 'vitest';
import { KafkaError, TaskMigratedError } from '../../../src/errors/index.ts';
import { murmur2Partition, type ConsumedRecord } from '../../../src/kafka/index.ts';
import { RECORD_TIME_MS, readCommitted, readRange, record, sleep, unique, values, waitFor, waitForEnd } from './helpers.ts';
import type { SuiteEnv } from './suite.ts';

/** Reads the partition until it holds `count` committed records (a commit's markers land a moment after it returns). */
async function committedRecords(env: SuiteEnv, topic: string, count: number, partition = 0): Promise<ConsumedRecord[]> {
  return waitFor(`${count} committed records in ${topic}/${partition}`, async () => {
    const records = await readCommitted(env.client, env.admin, topic, partition);
    return records.length >= count ? records : undefined;
  });
}

export function transactionCases(env: SuiteEnv): void {
  it('makes a committed transaction visible to read_committed readers and an aborted one never', async () => {
    const { admin, client } = env;
    const topic = unique('tx-visibility');
    await admin.createTopics([{ name: topic, partitions: 3 }]);
    const producer = client.transactionalProducer({ transactionalId: unique('tx-visibility'), transactionTimeoutMs: 30_000 });
    await producer.connect();

    const committed = await producer.begin();
    const keyed = Array.from({ length: 30 }, (_, i) => record(topic, `keyed-${i}`));
    await committed.send([...keyed, record(topic, 'explicit', { partition: 2, key: null, headers: { trace: 'abc' } })]);
    await committed.commit();
    const aborted = await producer.begin();
    await aborted.send([0, 1, 2].flatMap((partition) => [record(topic, `aborted-${partition}`, { partition })]));
    await aborted.abort();
    await producer.disconnect();

    const expectedPerPartition = [0, 0, 1];
    for (const r of keyed) {
      const partition = murmur2Partition(r.key as Buffer, 3);
      expectedPerPartition[partition] = (expectedPerPartition[partition] ?? 0) + 1;
    }
    const read = await Promise.all([0, 1, 2].map((p) => committedRecords(env, topic, expectedPerPartition[p] ?? 0, p)));
    await sleep(200);
    const all = [0, 1, 2].map(async (p) => readCommitted(client, admin, topic, p));
    const settled = await Promise.all(all);
    expect(settled.map((rs) => rs.length)).toEqual(read.map((rs) => rs.length));
    for (const [partition, records] of settled.entries()) {
      for (const r of records) {
        expect(r.value?.toString()).not.toMatch(/^aborted/);
        if (r.key !== null) expect(murmur2Partition(r.key, 3)).toBe(partition);
      }
    }
    // Keyed records keep their order within a partition.
    const keyedOrder = settled.flatMap((records) => values(records).filter((v) => v.startsWith('keyed-')).map((v) => Number(v.slice(6))));
    expect(keyedOrder.length).toBe(30);
    for (const records of settled) {
      const order = values(records).filter((v) => v.startsWith('keyed-')).map((v) => Number(v.slice(6)));
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }
    const explicit = settled[2]?.find((r) => r.value?.toString() === 'explicit');
    expect(explicit?.key).toBeNull();
    expect(explicit?.timestampMs).toBe(RECORD_TIME_MS);
    expect(Buffer.from(explicit?.headers.trace ?? '')).toEqual(Buffer.from('abc'));
    await admin.deleteTopics([topic]);
  });

  it('moves the group offset with sendOffsets only when the transaction commits', async () => {
    const { admin, client } = env;
    const topic = unique('tx-offsets');
    const groupId = unique('tx-offsets-group');
    await admin.createTopics([{ name: topic, partitions: 1 }]);
    const producer = client.transactionalProducer({ transactionalId: unique('tx-offsets'), transactionTimeoutMs: 30_000 });
    await producer.connect();

    const aborted = await producer.begin();
    await aborted.send([record(topic, 'never')]);
    await aborted.sendOffsets(groupId, [{ topic, partition: 0, offset: '3' }]);
    await aborted.abort();
    await sleep(300);
    expect((await admin.committedOffsets(groupId, topic)).get(0)).toBe('-1');

    const committed = await producer.begin();
    await committed.sendOffsets(groupId, [{ topic, partition: 0, offset: '2' }]);
    await committed.send([record(topic, 'out')]);
    await committed.commit();
    await producer.disconnect();
    await waitFor('offset 2', async () => ((await admin.committedOffsets(groupId, topic)).get(0) === '2' ? true : undefined));
    expect(values(await committedRecords(env, topic, 1))).toEqual(['out']);
    await admin.deleteTopics([topic]);
  });

  it('trap 1: recovers by itself after a failed commit (kafkajs alone refuses new transactions then)', async (context) => {
    if (env.adapter.createWithFaults === undefined) return context.skip();
    const { client, faults } = env.adapter.createWithFaults(env.connection);
    const topic = unique('tx-failed-commit');
    await env.admin.createTopics([{ name: topic, partitions: 1 }]);
    const producer = client.transactionalProducer({ transactionalId: unique('tx-failed-commit'), transactionTimeoutMs: 30_000 });
    await producer.connect();

    const failing = await producer.begin();
    await failing.send([record(topic, 'lost')]);
    faults.failNextEndTxn();
    const error: unknown = await failing.commit().then(() => undefined, (e: unknown) => e);
    expect(faults.endTxnFailures).toBe(1);
    expect(error).toBeInstanceOf(KafkaError);
    expect(error).not.toBeInstanceOf(TaskMigratedError);
    expect((error as KafkaError).retriable).toBe(true);
    await expect(failing.send([record(topic, 'late')])).rejects.toThrow(/failed/);

    // No abort(): begin() must work on its own, and the failed transaction ends up aborted.
    const next = await producer.begin();
    await next.send([record(topic, 'kept')]);
    await next.commit();

    // A failed commit followed by abort(), as a committer does.
    const failingAgain = await producer.begin();
    await failingAgain.send([record(topic, 'lost-again')]);
    faults.failNextEndTxn();
    await expect(failingAgain.commit()).rejects.toBeInstanceOf(KafkaError);
    await failingAgain.abort();
    const last = await producer.begin();
    await last.send([record(topic, 'kept-again')]);
    await last.commit();
    await producer.disconnect();

    expect(values(await committedRecords(env, topic, 2))).toEqual(['kept', 'kept-again']);
    await env.admin.deleteTopics([topic]);
  });

  it('trap 1: an abort whose EndTxn fails still aborts, and the next transaction works', async (context) => {
    if (env.adapter.createWithFaults === undefined) return context.skip();
    const { client, faults } = env.adapter.createWithFaults(env.connection);
    const topic = unique('tx-failed-abort');
    await env.admin.createTopics([{ name: topic, partitions: 1 }]);
    const producer = client.transactionalProducer({ transactionalId: unique('tx-failed-abort'), transactionTimeoutMs: 30_000 });
    await producer.connect();
    const aborting = await producer.begin();
    await aborting.send([record(topic, 'aborted')]);
    faults.failNextEndTxn();
    await aborting.abort();
    expect(faults.endTxnFailures).toBe(1);
    const next = await producer.begin();
    await next.send([record(topic, 'kept')]);
    await next.commit();
    await producer.disconnect();
    expect(values(await committedRecords(env, topic, 1))).toEqual(['kept']);
    await env.admin.deleteTopics([topic]);
  });

  it('a failed send fails the transaction; abort; the next transaction works and nothing of the failed one shows', async () => {
    const { admin, client } = env;
    const topic = unique('tx-failed-send');
    await admin.createTopics([{ name: topic, partitions: 1 }]);
    const producer = client.transactionalProducer({ transactionalId: unique('tx-failed-send'), transactionTimeoutMs: 30_000 });
    await producer.connect();
    const failing = await producer.begin();
    await failing.send([record(topic, 'before')]);
    // Larger than the broker's message.max.bytes (1 MiB by default).
    const tooLarge = { ...record(topic, 'x'), value: Buffer.alloc(2 * 1024 * 1024) };
    await expect(failing.send([tooLarge])).rejects.toSatisfy((e: unknown) => e instanceof KafkaError && !e.retriable);
    await expect(failing.commit()).rejects.toBeInstanceOf(KafkaError);
    await failing.abort();
    const next = await producer.begin();
    await next.send([record(topic, 'after')]);
    await next.commit();
    await producer.disconnect();
    expect(values(await committedRecords(env, topic, 1))).toEqual(['after']);
    await admin.deleteTopics([topic]);
  });

  it('trap 2: 100 back-to-back transactions all commit and are all readable', async () => {
    const { admin, client } = env;
    const topic = unique('tx-back-to-back');
    const groupId = unique('tx-back-to-back-group');
    await admin.createTopics([{ name: topic, partitions: 1 }]);
    const producer = client.transactionalProducer({ transactionalId: unique('tx-back-to-back'), transactionTimeoutMs: 30_000 });
    await producer.connect();
    const started = performance.now();
    for (let i = 0; i < 100; i++) {
      const tx = await producer.begin();
      // Half start with the offsets (AddOffsetsToTxn first), half with the records (AddPartitionsToTxn first).
      if (i % 2 === 0) {
        await tx.sendOffsets(groupId, [{ topic, partition: 0, offset: String(i + 1) }]);
        await tx.send([record(topic, `r${i}`)]);
      } else {
        await tx.send([record(topic, `r${i}`)]);
        await tx.sendOffsets(groupId, [{ topic, partition: 0, offset: String(i + 1) }]);
      }
      await tx.commit();
    }
    const elapsedMs = performance.now() - started;
    console.log(`[kafka conformance] ${env.adapter.name}: 100 back-to-back transactions in ${elapsedMs.toFixed(0)} ms`);
    await producer.disconnect();
    expect(values(await committedRecords(env, topic, 100))).toEqual(Array.from({ length: 100 }, (_, i) => `r${i}`));
    await waitFor('offset 100', async () => ((await admin.committedOffsets(groupId, topic)).get(0) === '100' ? true : undefined));
    await admin.deleteTopics([topic]);
  });

  it('trap 3: a newer producer with the same transactional id fences the zombie, whose records never show', async () => {
    const { admin, client } = env;
    const topic = unique('tx-fencing');
    const transactionalId = unique('tx-fencing');
    await admin.createTopics([{ name: topic, partitions: 1 }]);
    const zombie = client.transactionalProducer({ transactionalId, transactionTimeoutMs: 30_000 });
    await zombie.connect();
    const zombieSends = await zombie.begin();
    await zombieSends.send([record(topic, 'zombie-1')]);

    const successor = client.transactionalProducer({ transactionalId, transactionTimeoutMs: 30_000 });
    await successor.connect();

    await expect(zombieSends.send([record(topic, 'zombie-2')])).rejects.toBeInstanceOf(TaskMigratedError);
    await expect(zombieSends.commit()).rejects.toBeInstanceOf(TaskMigratedError);
    await zombieSends.abort();
    await expect(zombie.begin()).rejects.toBeInstanceOf(TaskMigratedError);

    const work = await successor.begin();
    await work.send([record(topic, 'successor-1')]);
    await work.commit();

    // The commit of a zombie's open transaction is refused too.
    const zombie2 = client.transactionalProducer({ transactionalId, transactionTimeoutMs: 30_000 });
    await zombie2.connect();
    const late = await zombie2.begin();
    await late.send([record(topic, 'zombie2-1')]);
    const successor2 = client.transactionalProducer({ transactionalId, transactionTimeoutMs: 30_000 });
    await successor2.connect();
    const refused: unknown = await late.commit().then(() => undefined, (e: unknown) => e);
    expect(refused).toBeInstanceOf(TaskMigratedError);
    expect((refused as TaskMigratedError).cause).toBeDefined();
    const more = await successor2.begin();
    await more.send([record(topic, 'successor-2')]);
    await more.commit();

    await Promise.all([zombie.disconnect(), successor.disconnect(), zombie2.disconnect(), successor2.disconnect()]);
    expect(values(await committedRecords(env, topic, 2))).toEqual(['successor-1', 'successor-2']);
    await admin.deleteTopics([topic]);
  });

  it('connect() of a newer producer aborts the older one\'s open transaction by itself: the LSO moves past it', async () => {
    const { admin, client } = env;
    const topic = unique('tx-init-aborts');
    const transactionalId = unique('tx-init-aborts');
    await admin.createTopics([{ name: topic, partitions: 1 }]);
    const zombie = client.transactionalProducer({ transactionalId, transactionTimeoutMs: 30_000 });
    await zombie.connect();
    const open = await zombie.begin();
    await open.send([record(topic, 'zombie-1'), record(topic, 'zombie-2')]);
    expect((await admin.topicOffsets(topic))[0]?.high).toBe('0');

    const successor = client.transactionalProducer({ transactionalId, transactionTimeoutMs: 30_000 });
    await successor.connect();
    // Two records and the abort marker, without the zombie ending its transaction.
    expect(await waitForEnd(env.admin, topic, 0, 3n)).toBe('3');
    expect(await readRange(client, topic, 0, '0', '3')).toEqual([]);
    await Promise.all([zombie.disconnect(), successor.disconnect()]);
    await admin.deleteTopics([topic]);
  });

  it('the coordinator aborts a transaction open longer than its timeout and fences its producer', async () => {
    const { admin, client } = env;
    const topic = unique('tx-timeout');
    await admin.createTopics([{ name: topic, partitions: 1 }]);
    const slow = client.transactionalProducer({ transactionalId: unique('tx-timeout'), transactionTimeoutMs: 1_000 });
    await slow.connect();
    const open = await slow.begin();
    await open.send([record(topic, 'too-slow')]);
    // The record and the abort marker (the broker checks for timed-out transactions every 10 s by default).
    const end = await waitFor('the timed-out transaction to be aborted', async () => {
      const high = (await admin.topicOffsets(topic))[0]?.high;
      return high === '2' ? high : undefined;
    }, 60_000);
    expect(end).toBe('2');
    await expect(open.commit()).rejects.toBeInstanceOf(TaskMigratedError);
    await expect(slow.begin()).rejects.toBeInstanceOf(TaskMigratedError);
    expect(await readRange(client, topic, 0, '0', '2')).toEqual([]);
    await slow.disconnect();
    await admin.deleteTopics([topic]);
  });
}
