import { expect, it } from 'vitest';
import type { Assignment, BatchControls, ConsumedRecord, GroupConsumer, InputBatch } from '../../../src/kafka/index.ts';
import { RECORD_TIME_MS, record, sleep, unique, values, waitFor } from './helpers.ts';
import type { SuiteEnv } from './suite.ts';

interface RunningConsumer {
  readonly consumer: GroupConsumer;
  readonly batches: InputBatch[];
  readonly assignments: Assignment[];
  readonly crashes: Error[];
  /** Records received so far from one partition, in arrival order. */
  received(partition: number): ConsumedRecord[];
}

async function startConsumer(
  env: SuiteEnv,
  groupId: string,
  topics: string[],
  hooks: {
    onAssignment?: (assignment: Assignment, consumer: GroupConsumer) => void;
    onBatch?: (batch: InputBatch, controls: BatchControls) => Promise<void>;
    sessionTimeoutMs?: number;
  } = {},
): Promise<RunningConsumer> {
  const consumer = env.client.consumer({
    groupId,
    topics,
    sessionTimeoutMs: hooks.sessionTimeoutMs ?? 10_000,
    rebalanceTimeoutMs: 10_000,
    heartbeatIntervalMs: 300,
    maxWaitMs: 100,
    fromBeginning: true,
  });
  const running: RunningConsumer = {
    consumer,
    batches: [],
    assignments: [],
    crashes: [],
    received: (partition) => running.batches.filter((b) => b.partition === partition).flatMap((b) => b.records),
  };
  consumer.onAssignment((assignment) => {
    running.assignments.push(assignment);
    hooks.onAssignment?.(assignment, consumer);
  });
  consumer.onCrash((error) => running.crashes.push(error));
  await consumer.connect();
  await consumer.run(async (batch, controls) => {
    running.batches.push(batch);
    await hooks.onBatch?.(batch, controls);
  });
  return running;
}

export function consumerCases(env: SuiteEnv): void {
  it('delivers non-empty batches of committed records only, and reports the assignment after joining', async () => {
    const { admin, client } = env;
    const topic = unique('consumer-basic');
    await admin.createTopics([{ name: topic, partitions: 2 }]);
    const tx = client.transactionalProducer({ transactionalId: unique('consumer-basic-tx'), transactionTimeoutMs: 30_000 });
    await tx.connect();
    const first = await tx.begin();
    await first.send([
      ...[0, 1, 2, 3, 4].map((i) => record(topic, `a${i}`, { partition: 0, headers: { h: 'v' } })),
      ...[0, 1, 2].map((i) => record(topic, `b${i}`, { partition: 1 })),
    ]);
    await first.commit();
    const aborted = await tx.begin();
    await aborted.send([0, 1, 2].map((i) => record(topic, `x${i}`, { partition: 0 })));
    await aborted.abort();
    const last = await tx.begin();
    await last.send([record(topic, 'b3', { partition: 1 })]);
    await last.commit();
    await tx.disconnect();

    const groupId = unique('consumer-basic-group');
    const running = await startConsumer(env, groupId, [topic]);
    await waitFor('9 records', () => (running.received(0).length + running.received(1).length >= 9 ? true : undefined));
    await sleep(300);
    await running.consumer.disconnect();

    expect(values(running.received(0))).toEqual(['a0', 'a1', 'a2', 'a3', 'a4']);
    expect(values(running.received(1))).toEqual(['b0', 'b1', 'b2', 'b3']);
    expect(running.batches.every((b) => b.records.length > 0 && b.topic === topic)).toBe(true);
    expect(running.batches.every((b) => typeof b.highWatermark === 'string')).toBe(true);
    const a0 = running.received(0)[0];
    expect(a0?.key).toEqual(Buffer.from('k-a0'));
    expect(a0?.timestampMs).toBe(RECORD_TIME_MS);
    expect(a0?.offset).toBe('0');
    expect(Buffer.from(a0?.headers.h ?? '')).toEqual(Buffer.from('v'));
    // b3 follows b0..b2 and the first transaction's commit marker.
    expect(running.received(1).map((r) => r.offset)).toEqual(['0', '1', '2', '4']);

    expect(running.assignments.length).toBeGreaterThanOrEqual(1);
    const assignment = running.assignments[running.assignments.length - 1];
    expect(assignment?.generationId).toBeGreaterThanOrEqual(1);
    expect(assignment?.memberId).not.toBe('');
    expect(assignment?.partitions).toEqual([
      { topic, partition: 0 },
      { topic, partition: 1 },
    ]);
    expect(running.crashes).toEqual([]);
    await admin.deleteTopics([topic]);
  });

  it('pauses a partition until resumed, and seeks to re-read from an offset', async () => {
    const { admin, client } = env;
    const topic = unique('consumer-seek');
    await admin.createTopics([{ name: topic, partitions: 2 }]);
    const producer = client.producer();
    await producer.connect();
    await producer.send([0, 1].flatMap((partition) => Array.from({ length: 10 }, (_, i) => record(topic, `p${partition}-${i}`, { partition }))));
    await producer.disconnect();

    const running = await startConsumer(env, unique('consumer-seek-group'), [topic], {
      onAssignment: (_assignment, consumer) => consumer.pause([{ topic, partition: 1 }]),
    });
    await waitFor('partition 0', () => (running.received(0).length >= 10 ? true : undefined));
    await sleep(500);
    expect(running.received(1)).toEqual([]);

    running.consumer.seek({ topic, partition: 0, offset: '5' });
    await waitFor('partition 0 again from offset 5', () => (running.received(0).length >= 15 ? true : undefined));
    expect(running.received(0).slice(10).map((r) => r.offset)).toEqual(['5', '6', '7', '8', '9']);

    running.consumer.resume([{ topic, partition: 1 }]);
    await waitFor('partition 1 after resume', () => (running.received(1).length >= 10 ? true : undefined));
    expect(values(running.received(1))).toEqual(Array.from({ length: 10 }, (_, i) => `p1-${i}`));
    await running.consumer.disconnect();
    await admin.deleteTopics([topic]);
  });

  it('commits offsets for the group; the next member starts from them', async () => {
    const { admin, client } = env;
    const topic = unique('consumer-commit');
    const groupId = unique('consumer-commit-group');
    await admin.createTopics([{ name: topic, partitions: 1 }]);
    const producer = client.producer();
    await producer.connect();
    await producer.send(Array.from({ length: 10 }, (_, i) => record(topic, `r${i}`)));
    await producer.disconnect();

    const first = await startConsumer(env, groupId, [topic]);
    await waitFor('10 records', () => (first.received(0).length >= 10 ? true : undefined));
    await first.consumer.commitOffsets([{ topic, partition: 0, offset: '7' }]);
    expect((await admin.committedOffsets(groupId, topic)).get(0)).toBe('7');
    await first.consumer.disconnect();
    await expect(first.consumer.commitOffsets([{ topic, partition: 0, offset: '8' }])).rejects.toThrow(/not running|stopped/);

    const second = await startConsumer(env, groupId, [topic]);
    await waitFor('3 records', () => (second.received(0).length >= 3 ? true : undefined));
    expect(values(second.received(0))).toEqual(['r7', 'r8', 'r9']);
    await second.consumer.disconnect();
    await admin.deleteTopics([topic]);
  });

  it('leaves the group on disconnect: the remaining member gets every partition long before the session timeout', async () => {
    const { admin } = env;
    const topic = unique('consumer-leave');
    const groupId = unique('consumer-leave-group');
    await admin.createTopics([{ name: topic, partitions: 4 }]);
    const sessionTimeoutMs = 20_000;
    const a = await startConsumer(env, groupId, [topic], { sessionTimeoutMs });
    const b = await startConsumer(env, groupId, [topic], { sessionTimeoutMs });
    const owned = (c: RunningConsumer) => c.assignments[c.assignments.length - 1]?.partitions.length ?? 0;
    await waitFor('the partitions to be shared', () => (owned(a) === 2 && owned(b) === 2 ? true : undefined));
    // Co-partitioned assignment: partition numbers are dealt out, so each member owns every topic's partition p or none.
    expect(new Set([...(a.assignments.at(-1)?.partitions ?? []), ...(b.assignments.at(-1)?.partitions ?? [])].map((p) => p.partition)).size).toBe(4);

    const started = Date.now();
    await a.consumer.disconnect();
    await waitFor('b to own all partitions', () => (owned(b) === 4 ? true : undefined), sessionTimeoutMs);
    expect(Date.now() - started).toBeLessThan(sessionTimeoutMs / 3);
    expect(b.assignments.at(-1)?.generationId).toBeGreaterThan(b.assignments[0]?.generationId ?? 0);
    await b.consumer.disconnect();
    await admin.deleteTopics([topic]);
  });

  it('never delivers records of interleaved aborted transactions, even from a position inside them', async () => {
    const { admin, client } = env;
    const topic = unique('consumer-interleaved');
    const groupId = unique('consumer-interleaved-group');
    await admin.createTopics([{ name: topic, partitions: 1 }]);
    const one = client.transactionalProducer({ transactionalId: unique('consumer-interleaved-1'), transactionTimeoutMs: 30_000 });
    const two = client.transactionalProducer({ transactionalId: unique('consumer-interleaved-2'), transactionTimeoutMs: 30_000 });
    await Promise.all([one.connect(), two.connect()]);
    const t1 = await one.begin();
    await t1.send([record(topic, 'y0')]); // 0
    const t2 = await two.begin();
    await t2.send([record(topic, 'z0')]); // 1
    await t1.abort(); // marker 2
    await t2.abort(); // marker 3
    const t3 = await one.begin();
    await t3.send([record(topic, 'w0')]); // 4
    // The group resumes at offset 1, inside both aborted transactions (a consumer that read offset 0 while
    // the second transaction was still open is there).
    await t3.sendOffsets(groupId, [{ topic, partition: 0, offset: '1' }]);
    await t3.commit();
    await Promise.all([one.disconnect(), two.disconnect()]);
    await waitFor('the committed offset', async () => ((await admin.committedOffsets(groupId, topic)).get(0) === '1' ? true : undefined));

    const running = await startConsumer(env, groupId, [topic]);
    await waitFor('w0', () => (running.received(0).length >= 1 ? true : undefined));
    await sleep(300);
    await running.consumer.disconnect();
    expect(values(running.received(0))).toEqual(['w0']);
    await admin.deleteTopics([topic]);
  });

  it('reports a failing batch handler through onCrash, with its own error, without redelivering the batch', async () => {
    const { admin, client } = env;
    const topic = unique('consumer-crash');
    await admin.createTopics([{ name: topic, partitions: 1 }]);
    const producer = client.producer();
    await producer.connect();
    await producer.send([record(topic, 'poison')]);
    await producer.disconnect();

    const boom = new Error('boom');
    let calls = 0;
    const running = await startConsumer(env, unique('consumer-crash-group'), [topic], {
      onBatch: async () => {
        calls += 1;
        throw boom;
      },
    });
    await waitFor('the crash', () => (running.crashes.length > 0 ? true : undefined));
    await sleep(500);
    expect(running.crashes).toEqual([boom]);
    expect(calls).toBe(1);
    await running.consumer.disconnect();
    await admin.deleteTopics([topic]);
  });

  it('starts at the log start when the group offset lies below it (records deleted), reading from the beginning', async () => {
    const { admin, client } = env;
    const topic = unique('consumer-reset');
    const groupId = unique('consumer-reset-group');
    await admin.createTopics([{ name: topic, partitions: 1 }]);
    const producer = client.producer();
    await producer.connect();
    await producer.send(Array.from({ length: 10 }, (_, i) => record(topic, `r${i}`, { partition: 0 })));
    await producer.disconnect();
    const tx = client.transactionalProducer({ transactionalId: unique('consumer-reset-tx'), transactionTimeoutMs: 30_000 });
    await tx.connect();
    const t = await tx.begin();
    await t.sendOffsets(groupId, [{ topic, partition: 0, offset: '2' }]);
    await t.commit();
    await tx.disconnect();
    await waitFor('the committed offset', async () => ((await admin.committedOffsets(groupId, topic)).get(0) === '2' ? true : undefined));
    await admin.deleteRecordsBefore(topic, [{ partition: 0, offset: '6' }]);

    const running = await startConsumer(env, groupId, [topic]);
    await waitFor('4 records', () => (running.received(0).length >= 4 ? true : undefined));
    await sleep(300);
    await running.consumer.disconnect();
    expect(values(running.received(0))).toEqual(['r6', 'r7', 'r8', 'r9']);
    expect(running.crashes).toEqual([]);
    await admin.deleteTopics([topic]);
  });
}
