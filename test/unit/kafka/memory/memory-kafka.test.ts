/**
 * Behaviour of the memory cluster beyond the conformance suite: settling without sleeps, positions, log start
 * offsets, fencing, Kafka's transaction timeout, LogAppendTime, placement.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryKafka } from '../../../../src/kafka/memory/index.ts';
import { RECORD_TIME_MS, record } from '../../../support/kafka-conformance/helpers.ts';
import { deferred, member, produce } from './support.ts';

let cluster: MemoryKafka;

beforeEach(() => {
  cluster = new MemoryKafka();
});

afterEach(() => {
  vi.useRealTimers();
  cluster.close();
});

describe('settle()', () => {
  it('resolves once every consumer delivered what there is, without sleeping', async () => {
    const client = cluster.client();
    cluster.createTopic({ name: 'in', partitions: 3 });
    const m = await member(client, ['in']);
    for (let i = 0; i < 20; i++) await produce(client, 'in', i % 3, `v${i}`);
    await cluster.settle();
    expect([0, 1, 2].map((p) => m.received('in', p).length)).toEqual([7, 7, 6]);
    await produce(client, 'in', 1, 'late');
    await cluster.settle();
    expect(m.received('in', 1).at(-1)).toBe('late');
    await m.consumer.disconnect();
  });

  it('waits for a batch handler that is still working, and names it when it times out', async () => {
    const client = cluster.client({ clientId: 'slow' });
    cluster.createTopic({ name: 'in', partitions: 1 });
    const gate = deferred();
    const m = await member(client, ['in'], { onBatch: () => gate.promise });
    await produce(client, 'in', 0, 'a');
    await expect(cluster.settle({ timeoutMs: 50 })).rejects.toThrow(/slow-member-001.*handling/);
    gate.resolve();
    await cluster.settle();
    expect(m.received('in', 0)).toEqual(['a']);
    await m.consumer.disconnect();
  });
});

describe('positions', () => {
  it('a seek during a batch wins over the batch’s end', async () => {
    const client = cluster.client();
    cluster.createTopic({ name: 'in', partitions: 1 });
    let sought = false;
    const m = await member(client, ['in'], {
      onBatch: async () => {
        if (sought) return;
        sought = true;
        m.consumer.seek({ topic: 'in', partition: 0, offset: '2' });
      },
    });
    await produce(client, 'in', 0, 'a', 'b', 'c');
    await cluster.settle();
    expect(m.received('in', 0)).toEqual(['a', 'b', 'c', 'c']);
    expect(() => m.consumer.seek({ topic: 'in', partition: 0, offset: '-3' })).toThrow(/non-negative/);
    await m.consumer.disconnect();
    expect(() => m.consumer.seek({ topic: 'in', partition: 0, offset: '0' })).toThrow(/stopped/);
  });

  it('resets a position below the log start (DeleteRecords) to the earliest, or the LSO without fromBeginning', async () => {
    const client = cluster.client();
    const admin = client.admin();
    await admin.connect();
    cluster.createTopic({ name: 'in', partitions: 1 });
    await produce(client, 'in', 0, 'a', 'b', 'c', 'd');
    await admin.deleteRecordsBefore('in', [{ partition: 0, offset: '2' }]);
    expect(await admin.topicOffsets('in')).toEqual([{ partition: 0, low: '2', high: '4' }]);
    await expect(admin.deleteRecordsBefore('in', [{ partition: 0, offset: '9' }])).rejects.toThrow(/OFFSET_OUT_OF_RANGE/);
    const tx = client.transactionalProducer({ transactionalId: 'offsets', transactionTimeoutMs: 60_000 });
    await tx.connect();
    const t = await tx.begin();
    await t.sendOffsets('early', [{ topic: 'in', partition: 0, offset: '1' }]);
    await t.commit();
    const early = await member(client, ['in'], { groupId: 'early' });
    const latest = await member(client, ['in'], { groupId: 'latest', fromBeginning: false });
    await cluster.settle();
    expect(early.received('in', 0)).toEqual(['c', 'd']);
    expect(latest.received('in', 0)).toEqual([]);
    await produce(client, 'in', 0, 'e');
    await cluster.settle();
    expect(latest.received('in', 0)).toEqual(['e']);
    await expect(client.partitionReader().read({ topic: 'in', partition: 0, fromOffset: '0', toOffset: '4' }, () => {})).rejects.toThrow(/OFFSET_OUT_OF_RANGE/);
    await Promise.all([early.consumer.disconnect(), latest.consumer.disconnect(), admin.disconnect()]);
  });
});

describe('transactions', () => {
  it('fence(id) aborts the open transaction at once (the LSO moves past it) and fences the producer', async () => {
    const client = cluster.client();
    cluster.createTopic({ name: 'out', partitions: 1 });
    const p = client.transactionalProducer({ transactionalId: 't', transactionTimeoutMs: 60_000 });
    await p.connect();
    const tx = await p.begin();
    await tx.send([record('out', 'zombie')]);
    expect(cluster.log('out', 0)?.lastStableOffset).toBe(0);
    cluster.fence('t');
    expect(cluster.log('out', 0)?.lastStableOffset).toBe(2);
    await expect(tx.send([record('out', 'more')])).rejects.toThrow(/fenced/);
    expect(cluster.readCommitted('out')).toEqual([]);
  });

  it('aborts a transaction open longer than its timeout and fences its producer, as the coordinator does', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const client = cluster.client();
    cluster.createTopic({ name: 'out', partitions: 1 });
    const p = client.transactionalProducer({ transactionalId: 't', transactionTimeoutMs: 5_000 });
    await p.connect();
    const tx = await p.begin();
    await tx.send([record('out', 'slow')]);
    await vi.advanceTimersByTimeAsync(4_999);
    expect(cluster.log('out', 0)?.lastStableOffset).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(cluster.log('out', 0)?.lastStableOffset).toBe(2);
    await expect(tx.commit()).rejects.toThrow(/fenced/);
    expect(cluster.readCommitted('out')).toEqual([]);
  });

  it('stamps LogAppendTime topics with the broker clock', async () => {
    const timed = new MemoryKafka({ nowMs: () => 42 });
    timed.createTopic({ name: 'dlq', partitions: 1, config: { 'message.timestamp.type': 'LogAppendTime' } });
    timed.createTopic({ name: 'plain', partitions: 1 });
    const producer = timed.client().producer();
    await producer.connect();
    await producer.send([record('dlq', 'a'), record('plain', 'b')]);
    expect(timed.readCommitted('dlq')[0]?.timestampMs).toBe(42);
    expect(timed.readCommitted('plain')[0]?.timestampMs).toBe(RECORD_TIME_MS);
    timed.close();
  });

  it('places keyless records round-robin and keyed ones by murmur2, and copies what it stores', async () => {
    const client = cluster.client();
    cluster.createTopic({ name: 'out', partitions: 3 });
    const producer = client.producer();
    await producer.connect();
    const value = Buffer.from('mutable');
    await producer.send([0, 1, 2, 3].map((i) => ({ topic: 'out', key: null, value, timestampMs: i })));
    value.write('changed');
    expect([0, 1, 2].map((p) => cluster.readCommitted('out', p).length)).toEqual([2, 1, 1]);
    expect(cluster.readCommitted('out', 0)[0]?.value?.toString()).toBe('mutable');
    await expect(producer.send([record('missing', 'x')])).rejects.toSatisfy(
      (e: unknown) => e instanceof Error && /UNKNOWN_TOPIC_OR_PARTITION/.test(e.message) && (e as { retriable?: boolean }).retriable === true,
    );
  });
});
