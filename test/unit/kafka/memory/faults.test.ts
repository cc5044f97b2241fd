/**
 * Each injected fault of the memory cluster does what it says, observed through the seam: what a
 * read_committed reader sees, the group's committed offsets, the error class and its `retriable` flag.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KafkaError, SluiceError, TaskMigratedError } from '../../../../src/errors/index.ts';
import type { Admin, KafkaClient, TransactionalProducer } from '../../../../src/kafka/index.ts';
import { MemoryKafka } from '../../../../src/kafka/memory/index.ts';
import { readCommitted, record, values } from '../../../support/kafka-conformance/helpers.ts';

const TOPIC = 'out';
const INPUT = 'in';
const GROUP = 'app';

let cluster: MemoryKafka;
let client: KafkaClient;
let admin: Admin;

beforeEach(async () => {
  cluster = new MemoryKafka();
  client = cluster.client({ clientId: 'instance-a' });
  admin = client.admin();
  await admin.connect();
  await admin.createTopics([
    { name: TOPIC, partitions: 2 },
    { name: INPUT, partitions: 2 },
  ]);
});

afterEach(() => cluster.close());

async function producer(transactionalId = 'app-0_0', from: KafkaClient = client): Promise<TransactionalProducer> {
  const p = from.transactionalProducer({ transactionalId, transactionTimeoutMs: 60_000 });
  await p.connect();
  return p;
}

async function committedOffset(partition = 0): Promise<string | undefined> {
  return (await admin.committedOffsets(GROUP, INPUT)).get(partition);
}

async function rejection(promise: Promise<unknown>): Promise<SluiceError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SluiceError);
  return error as SluiceError;
}

/** One transaction as a committer runs it: two records to partition 0, input offset 5, commit; abort on failure. */
async function sendAndCommit(p: TransactionalProducer): Promise<SluiceError | undefined> {
  const tx = await p.begin();
  try {
    await tx.send([record(TOPIC, 'a', { partition: 0 }), record(TOPIC, 'b', { partition: 0 })]);
    await tx.sendOffsets(GROUP, [{ topic: INPUT, partition: 0, offset: '5' }]);
    await tx.commit();
    return undefined;
  } catch (error) {
    await tx.abort();
    return error as SluiceError;
  }
}

describe('failCommit: the commit fails before taking effect', () => {
  it('rejects with a retriable KafkaError; readers see neither the records nor the offsets', async () => {
    const p = await producer();
    const fault = cluster.faults.failCommit();
    const tx = await p.begin();
    await tx.send([record(TOPIC, 'a', { partition: 0 })]);
    await tx.sendOffsets(GROUP, [{ topic: INPUT, partition: 0, offset: '5' }]);
    const error = await rejection(tx.commit());
    expect(error).toBeInstanceOf(KafkaError);
    expect(error).not.toBeInstanceOf(TaskMigratedError);
    expect(error.retriable).toBe(true);
    expect(fault.hits).toBe(1);
    expect(fault.remaining).toBe(0);

    // The transaction is still open on the coordinator: it holds the LSO back, nothing is readable.
    expect((await admin.topicOffsets(TOPIC))[0]).toEqual({ partition: 0, low: '0', high: '0' });
    expect(cluster.readUncommitted(TOPIC, 0).length).toBe(1);
    expect(await committedOffset()).toBe('-1');

    // abort() re-initialises the id, which aborts it: one abort marker, still nothing visible.
    await tx.abort();
    expect((await admin.topicOffsets(TOPIC))[0]?.high).toBe('2');
    expect(await readCommitted(client, admin, TOPIC, 0)).toEqual([]);
    expect(await committedOffset()).toBe('-1');

    // The producer works again, without connect().
    expect(await sendAndCommit(p)).toBeUndefined();
    expect(values(await readCommitted(client, admin, TOPIC, 0))).toEqual(['a', 'b']);
    expect(await committedOffset()).toBe('5');
  });

  it('hits only the scoped transactional ids, as many times as armed', async () => {
    const mine = await producer('app-0_0');
    const other = await producer('other-0_0');
    cluster.faults.failCommit({ transactionalId: /^app-/, times: 2 });
    expect(await sendAndCommit(other)).toBeUndefined();
    expect(await sendAndCommit(mine)).toBeInstanceOf(KafkaError);
    expect(await sendAndCommit(mine)).toBeInstanceOf(KafkaError);
    expect(await sendAndCommit(mine)).toBeUndefined();
    expect(cluster.faults.events.map((e) => [e.kind, e.transactionalId])).toEqual([
      ['end-txn-fails', 'app-0_0'],
      ['end-txn-fails', 'app-0_0'],
    ]);
  });

  it('does not hit an empty transaction (no EndTxn is sent for it)', async () => {
    const p = await producer();
    const fault = cluster.faults.failCommit();
    const empty = await p.begin();
    await empty.commit();
    expect(fault.hits).toBe(0);
    expect(await sendAndCommit(p)).toBeInstanceOf(KafkaError);
    expect(fault.hits).toBe(1);
  });
});

describe('loseCommitReply: the commit takes effect, its reply is lost', () => {
  it('rejects with a retriable KafkaError although readers see the records and the group offsets moved', async () => {
    const p = await producer();
    const fault = cluster.faults.loseCommitReply();
    const tx = await p.begin();
    await tx.send([record(TOPIC, 'a', { partition: 0 }), record(TOPIC, 'b', { partition: 1 })]);
    await tx.sendOffsets(GROUP, [{ topic: INPUT, partition: 0, offset: '5' }]);
    const error = await rejection(tx.commit());
    expect(error).toBeInstanceOf(KafkaError);
    expect(error).not.toBeInstanceOf(TaskMigratedError);
    expect(error.retriable).toBe(true);
    expect(fault.hits).toBe(1);

    expect(values(await readCommitted(client, admin, TOPIC, 0))).toEqual(['a']);
    expect(values(await readCommitted(client, admin, TOPIC, 1))).toEqual(['b']);
    expect(await committedOffset()).toBe('5');
    // Record + commit marker on each partition written.
    expect((await admin.topicOffsets(TOPIC)).map((o) => o.high)).toEqual(['2', '2']);

    // What a committer does next: abort (a no-op on the coordinator: nothing is open), and carry on.
    await tx.abort();
    expect(values(await readCommitted(client, admin, TOPIC, 0))).toEqual(['a']);
    expect(await committedOffset()).toBe('5');
    const next = await p.begin();
    await next.send([record(TOPIC, 'c', { partition: 0 })]);
    await next.commit();
    expect(values(await readCommitted(client, admin, TOPIC, 0))).toEqual(['a', 'c']);
  });
});

describe('failAbort / failEndTxn: the abort never reaches the coordinator', () => {
  it('abort() still resolves and the records stay invisible; the next transaction works', async () => {
    const p = await producer();
    const fault = cluster.faults.failAbort();
    const tx = await p.begin();
    await tx.send([record(TOPIC, 'x', { partition: 0 })]);
    await tx.abort();
    expect(fault.hits).toBe(1);
    expect(await readCommitted(client, admin, TOPIC, 0)).toEqual([]);
    // Aborted by the producer's re-initialisation: the marker follows the record.
    expect((await admin.topicOffsets(TOPIC))[0]?.high).toBe('2');
    expect(await sendAndCommit(p)).toBeUndefined();
    expect(values(await readCommitted(client, admin, TOPIC, 0))).toEqual(['a', 'b']);
  });

  it('failEndTxn hits whichever EndTxn comes first', async () => {
    const p = await producer();
    const fault = cluster.faults.failEndTxn({ times: 2 });
    const aborted = await p.begin();
    await aborted.send([record(TOPIC, 'x', { partition: 0 })]);
    await aborted.abort();
    expect(fault.hits).toBe(1);
    // After a failed commit, abort() sends no EndTxn: the producer re-initialises instead (as the kafkajs adapter).
    expect(await sendAndCommit(p)).toBeInstanceOf(KafkaError);
    expect(fault.hits).toBe(2);
    expect(await sendAndCommit(p)).toBeUndefined();
    expect(values(await readCommitted(client, admin, TOPIC, 0))).toEqual(['a', 'b']);
  });
});

describe('fenceMidTransaction: another producer with the same id initialises between send and commit', () => {
  it('fails the commit with TaskMigratedError; nothing of the transaction shows; the producer stays fenced until connect()', async () => {
    const p = await producer();
    const epoch = cluster.epochOf('app-0_0');
    const fault = cluster.faults.fenceMidTransaction({ transactionalId: 'app-0_0' });
    const tx = await p.begin();
    await tx.send([record(TOPIC, 'zombie', { partition: 0 })]);
    expect(fault.hits).toBe(0);
    await tx.sendOffsets(GROUP, [{ topic: INPUT, partition: 0, offset: '5' }]).catch(() => undefined);
    expect(fault.hits).toBe(1);
    expect(cluster.epochOf('app-0_0')).toBe(epoch + 1);
    const error = await rejection(tx.commit());
    expect(error).toBeInstanceOf(TaskMigratedError);
    expect(error.cause).toBeDefined();
    await tx.abort();
    await expect(p.begin()).rejects.toBeInstanceOf(TaskMigratedError);

    // The newer producer's initialisation aborted the open transaction.
    expect(await readCommitted(client, admin, TOPIC, 0)).toEqual([]);
    expect((await admin.topicOffsets(TOPIC))[0]?.high).toBe('2');
    expect(await committedOffset()).toBe('-1');

    await p.connect();
    expect(await sendAndCommit(p)).toBeUndefined();
    expect(values(await readCommitted(client, admin, TOPIC, 0))).toEqual(['a', 'b']);
  });

  it('fires at commit when the transaction sent no offsets', async () => {
    const p = await producer();
    cluster.faults.fenceMidTransaction();
    const tx = await p.begin();
    await tx.send([record(TOPIC, 'zombie', { partition: 0 })]);
    expect(await rejection(tx.commit())).toBeInstanceOf(TaskMigratedError);
    expect(await readCommitted(client, admin, TOPIC, 0)).toEqual([]);
  });

  it('waits for a transaction that sent records (one holding offsets only is left alone)', async () => {
    const p = await producer();
    const fault = cluster.faults.fenceMidTransaction();
    const offsetsOnly = await p.begin();
    await offsetsOnly.sendOffsets(GROUP, [{ topic: INPUT, partition: 0, offset: '3' }]);
    await offsetsOnly.commit();
    expect(fault.hits).toBe(0);
    expect(await committedOffset()).toBe('3');
    expect(await sendAndCommit(p)).toBeInstanceOf(TaskMigratedError);
  });
});

describe('failSend: a send fails for one partition', () => {
  it('fails the transaction with a retriable KafkaError naming the partition; nothing of it shows', async () => {
    const p = await producer();
    const fault = cluster.faults.failSend({ topic: TOPIC, partition: 1 });
    const tx = await p.begin();
    const error = await rejection(tx.send([record(TOPIC, 'p0', { partition: 0 }), record(TOPIC, 'p1', { partition: 1 })]));
    expect(error).toBeInstanceOf(KafkaError);
    expect(error.retriable).toBe(true);
    expect(error.context).toEqual({ topic: TOPIC, partition: 1 });
    expect(fault.hits).toBe(1);
    await expect(tx.commit()).rejects.toBeInstanceOf(KafkaError);
    await tx.abort();
    // Partition 0 was written (inside the transaction), then aborted; partition 1 never was.
    expect(cluster.readUncommitted(TOPIC, 0).length).toBe(1);
    expect(cluster.readUncommitted(TOPIC, 1).length).toBe(0);
    expect(await readCommitted(client, admin, TOPIC, 0)).toEqual([]);
    expect(await sendAndCommit(p)).toBeUndefined();
  });

  it('can be non-retriable, and hits a plain producer too (the other partitions are written)', async () => {
    const plain = client.producer();
    await plain.connect();
    cluster.faults.failSend({ partition: 1, retriable: false });
    const error = await rejection(plain.send([record(TOPIC, 'p0', { partition: 0 }), record(TOPIC, 'p1', { partition: 1 })]));
    expect(error).toBeInstanceOf(KafkaError);
    expect(error.retriable).toBe(false);
    expect(values(await readCommitted(client, admin, TOPIC, 0))).toEqual(['p0']);
    expect(await readCommitted(client, admin, TOPIC, 1)).toEqual([]);
  });
});

describe('coordinatorUnavailable: sendOffsets and commit fail for N calls', () => {
  it('fails N calls with retriable errors before they take effect, then works', async () => {
    const p = await producer();
    const fault = cluster.faults.coordinatorUnavailable({ transactionalId: 'app-0_0', calls: 3 });
    const outcomes: (string | undefined)[] = [];
    for (let i = 0; i < 4; i++) {
      const tx = await p.begin();
      await tx.send([record(TOPIC, `r${i}`, { partition: 0 })]);
      const error = await tx
        .sendOffsets(GROUP, [{ topic: INPUT, partition: 0, offset: String(i + 1) }])
        .then(() => tx.commit())
        .then(
          () => undefined,
          (e: unknown) => e as SluiceError,
        );
      if (error !== undefined) {
        expect(error).toBeInstanceOf(KafkaError);
        expect(error).not.toBeInstanceOf(TaskMigratedError);
        expect(error.retriable).toBe(true);
        await tx.abort();
      }
      outcomes.push(error === undefined ? 'committed' : error.message.includes('COORDINATOR_NOT_AVAILABLE') ? 'unavailable' : error.message);
    }
    expect(outcomes).toEqual(['unavailable', 'unavailable', 'unavailable', 'committed']);
    expect(fault.hits).toBe(3);
    expect(values(await readCommitted(client, admin, TOPIC, 0))).toEqual(['r3']);
    expect(await committedOffset()).toBe('4');
  });

  it('counts commit calls too, and a consumer’s commitOffsets when no transactional id is scoped', async () => {
    const p = await producer();
    cluster.faults.coordinatorUnavailable({ apis: ['commit'] });
    expect(await sendAndCommit(p)).toBeInstanceOf(KafkaError);
    expect(await committedOffset()).toBe('-1');

    const consumer = client.consumer({ groupId: GROUP, topics: [INPUT], sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, heartbeatIntervalMs: 1_000, maxWaitMs: 100, fromBeginning: true });
    await consumer.connect();
    await consumer.run(async () => {});
    cluster.faults.coordinatorUnavailable({ calls: 1 });
    const error = await rejection(consumer.commitOffsets([{ topic: INPUT, partition: 1, offset: '9' }]));
    expect(error.retriable).toBe(true);
    await consumer.commitOffsets([{ topic: INPUT, partition: 1, offset: '9' }]);
    expect(await committedOffset(1)).toBe('9');
    await consumer.disconnect();
  });
});

describe('maxMessageBytes: a record larger than the max message size', () => {
  it('is rejected with a non-retriable KafkaError naming its topic and partition', async () => {
    const small = new MemoryKafka({ maxMessageBytes: 1_000 });
    const smallClient = small.client();
    small.createTopic({ name: TOPIC, partitions: 3 });
    const p = smallClient.transactionalProducer({ transactionalId: 'big', transactionTimeoutMs: 60_000 });
    await p.connect();
    const tx = await p.begin();
    await tx.send([record(TOPIC, 'fits', { partition: 2 })]);
    const error = await rejection(tx.send([{ ...record(TOPIC, 'x', { partition: 2 }), value: Buffer.alloc(2_000) }]));
    expect(error).toBeInstanceOf(KafkaError);
    expect(error.retriable).toBe(false);
    expect(error.context).toEqual({ topic: TOPIC, partition: 2 });
    expect(error.message).toContain(`${TOPIC}/2`);
    expect(error.message).toContain('MESSAGE_TOO_LARGE');
    await expect(tx.commit()).rejects.toBeInstanceOf(KafkaError);
    await tx.abort();
    expect(small.readCommitted(TOPIC, 2)).toEqual([]);
    small.close();
  });

  it('follows a topic’s own max.message.bytes', async () => {
    await admin.createTopics([{ name: 'tiny', partitions: 1, config: { 'max.message.bytes': '200' } }]);
    const plain = client.producer();
    await plain.connect();
    await plain.send([record('tiny', 'ok')]);
    await expect(plain.send([{ ...record('tiny', 'x'), value: Buffer.alloc(300) }])).rejects.toSatisfy((e: unknown) => e instanceof KafkaError && !e.retriable);
    await plain.send([{ ...record(TOPIC, 'x', { partition: 0 }), value: Buffer.alloc(300) }]);
    expect(values(cluster.readCommitted('tiny'))).toEqual(['ok']);
  });
});

describe('armed faults', () => {
  it('can be cancelled, and are scoped by client id', async () => {
    const other = cluster.client({ clientId: 'instance-b' });
    const mine = await producer('app-0_0');
    const theirs = await producer('app-0_1', other);
    const cancelled = cluster.faults.failCommit();
    cancelled.cancel();
    expect(await sendAndCommit(mine)).toBeUndefined();
    cluster.faults.failCommit({ clientId: 'instance-b' });
    expect(await sendAndCommit(mine)).toBeUndefined();
    expect(await sendAndCommit(theirs)).toBeInstanceOf(KafkaError);
    expect(cluster.faults.count('end-txn-fails')).toBe(1);
    expect(() => cluster.faults.failSend({ times: 0 })).toThrow(RangeError);
  });
});
