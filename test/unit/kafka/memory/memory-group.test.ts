/**
 * Consumer groups on the memory cluster: rebalances and stale batches, rebalance timeouts, killed clients and
 * session expiry, expelled members.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryKafka } from '../../../../src/kafka/memory/index.ts';
import { record } from '../../../support/kafka-conformance/helpers.ts';
import { deferred, member, produce } from './support.ts';

let cluster: MemoryKafka;

beforeEach(() => {
  cluster = new MemoryKafka();
});

afterEach(() => {
  vi.useRealTimers();
  cluster.close();
});

describe('rebalances', () => {
  it('deals partition numbers of all topics to members, bumps the generation, and re-reads positions from the group', async () => {
    const a = cluster.client({ clientId: 'a' });
    const b = cluster.client({ clientId: 'b' });
    cluster.createTopic({ name: 'left', partitions: 3 });
    cluster.createTopic({ name: 'right', partitions: 3 });
    for (const p of [0, 1, 2]) await produce(a, 'left', p, `l${p}-0`, `l${p}-1`);
    const first = await member(a, ['left', 'right']);
    await cluster.settle();
    expect(first.assignments.map((x) => x.generationId)).toEqual([1]);
    expect(first.owned()).toEqual(['left/0', 'left/1', 'left/2', 'right/0', 'right/1', 'right/2']);
    // The group committed offset 1 of left/2 only.
    await first.consumer.commitOffsets([{ topic: 'left', partition: 2, offset: '1' }]);

    const second = await member(b, ['left', 'right']);
    await cluster.settle();
    expect(first.assignments.at(-1)?.generationId).toBe(2);
    expect(second.assignments.at(-1)?.generationId).toBe(2);
    // Sticky and co-partitioned: the first member keeps 0 and 1 of both topics.
    expect(first.owned()).toEqual(['left/0', 'left/1', 'right/0', 'right/1']);
    expect(second.owned()).toEqual(['left/2', 'right/2']);
    // The new owner of left/2 starts at the group's committed offset, not where the old owner was.
    expect(second.received('left', 2)).toEqual(['l2-1']);
    // A member's positions are re-read too: it gets left/0 again from the start (nothing committed there).
    expect(first.received('left', 0)).toEqual(['l0-0', 'l0-1', 'l0-0', 'l0-1']);

    await second.consumer.disconnect();
    await cluster.settle();
    expect(first.assignments.at(-1)?.generationId).toBe(3);
    expect(first.owned().length).toBe(6);
    await first.consumer.disconnect();
  });

  it('makes the running batch stale: isRunning() turns false, heartbeat() says so, commits are refused, the position does not move', async () => {
    const a = cluster.client({ clientId: 'a' });
    cluster.createTopic({ name: 'in', partitions: 1 });
    await produce(a, 'in', 0, 'x', 'y');
    const gate = deferred();
    const seen: boolean[] = [];
    let calls = 0;
    const m = await member(a, ['in'], {
      onBatch: async (_batch, controls) => {
        calls += 1;
        if (calls > 1) return;
        seen.push(controls.isRunning());
        await gate.promise;
        seen.push(controls.isRunning());
        await controls.heartbeat();
        seen.push(controls.isRunning());
      },
    });
    await vi.waitFor(() => expect(calls).toBe(1));
    // A second member joins while the first batch runs; its run() resolves once the first member rejoined.
    const joining = member(cluster.client({ clientId: 'b' }), ['in']);
    await vi.waitFor(() => expect(cluster.group('group').state).toBe('rebalancing'));
    expect(seen).toEqual([true]);
    // The old generation may not commit any more.
    await expect(m.consumer.commitOffsets([{ topic: 'in', partition: 0, offset: '2' }])).rejects.toSatisfy(
      (e: unknown) => e instanceof Error && /REBALANCE_IN_PROGRESS/.test(e.message) && (e as { retriable?: boolean }).retriable === true,
    );
    gate.resolve();
    const other = await joining;
    await cluster.settle();
    expect(seen).toEqual([true, false, false]);
    // Partition 0 went to one of them; whoever has it reads from the group's (absent) committed offset again.
    const owner = m.owned().includes('in/0') ? m : other;
    expect(owner.received('in', 0).slice(-2)).toEqual(['x', 'y']);
    await Promise.all([m.consumer.disconnect(), other.consumer.disconnect()]);
  });

  it('gives a subscribed topic created later to the group', async () => {
    const client = cluster.client();
    cluster.createTopic({ name: 'a', partitions: 1 });
    const m = await member(client, ['a', 'b']);
    expect(m.owned()).toEqual(['a/0']);
    cluster.createTopic({ name: 'b', partitions: 2 });
    await cluster.settle();
    expect(m.owned()).toEqual(['a/0', 'b/0', 'b/1']);
    await m.consumer.disconnect();
  });

  it('drops a member that does not rejoin within its rebalance timeout; it joins again when its batch ends', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const a = cluster.client({ clientId: 'a' });
    cluster.createTopic({ name: 'in', partitions: 2 });
    await produce(a, 'in', 0, 'x');
    const gate = deferred();
    const stuck = await member(a, ['in'], { onBatch: () => gate.promise });
    await vi.waitFor(() => expect(stuck.batches.length).toBe(1));
    const joining = member(cluster.client({ clientId: 'b' }), ['in']);
    await new Promise((r) => setImmediate(r));
    await vi.advanceTimersByTimeAsync(30_000);
    const other = await joining;
    expect(other.owned()).toEqual(['in/0', 'in/1']);
    gate.resolve();
    await cluster.settle();
    expect(stuck.owned().length + other.owned().length).toBe(2);
    expect(stuck.owned().length).toBe(1);
    await Promise.all([stuck.consumer.disconnect(), other.consumer.disconnect()]);
  });

  it('reports a throwing assignment listener through onCrash and leaves the group', async () => {
    const client = cluster.client();
    cluster.createTopic({ name: 'in', partitions: 1 });
    const boom = new Error('listener failed');
    const m = await member(client, ['in'], {
      onAssignment: () => {
        throw boom;
      },
    });
    await cluster.settle();
    expect(m.crashes).toEqual([boom]);
    expect(cluster.group('group').memberIds).toEqual([]);
    await m.consumer.disconnect();
  });
});

describe('a killed client', () => {
  it('goes silent without leaving its group, which drops it when its session expires; its open transaction waits for the fence', async () => {
    const a = cluster.client({ clientId: 'a' });
    const b = cluster.client({ clientId: 'b' });
    cluster.createTopic({ name: 'in', partitions: 2 });
    cluster.createTopic({ name: 'out', partitions: 1 });
    const first = await member(a, ['in']);
    const second = await member(b, ['in']);
    await cluster.settle();
    expect(first.owned()).toEqual(['in/0']);
    expect(second.owned()).toEqual(['in/1']);
    const zombie = a.transactionalProducer({ transactionalId: 'app-0_0', transactionTimeoutMs: 60_000 });
    await zombie.connect();
    const open = await zombie.begin();
    await open.send([record('out', 'zombie')]);

    a.kill();
    expect(a.killed).toBe(true);
    await produce(b, 'in', 0, 'after-kill');
    await cluster.settle();
    expect(first.received('in', 0)).toEqual([]);
    expect(cluster.group('group').memberIds).toEqual(['a-member-001', 'b-member-001']);
    await expect(open.commit()).rejects.toSatisfy((e: unknown) => e instanceof Error && /CONNECTION_BROKEN/.test(e.message) && (e as { retriable?: boolean }).retriable === true);
    await expect(a.producer().connect()).rejects.toThrow(/killed/);
    // The zombie's transaction still holds the LSO.
    expect(cluster.log('out', 0)?.lastStableOffset).toBe(0);

    cluster.expireSessions();
    await cluster.settle();
    expect(second.owned()).toEqual(['in/0', 'in/1']);
    expect(second.received('in', 0)).toEqual(['after-kill']);
    const successor = b.transactionalProducer({ transactionalId: 'app-0_0', transactionTimeoutMs: 60_000 });
    await successor.connect();
    expect(cluster.log('out', 0)?.lastStableOffset).toBe(2);
    expect(cluster.readCommitted('out')).toEqual([]);
    await first.consumer.disconnect();
    await second.consumer.disconnect();
  });

  it('is dropped by the group after its session timeout without expireSessions()', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const a = cluster.client({ clientId: 'a' });
    const b = cluster.client({ clientId: 'b' });
    cluster.createTopic({ name: 'in', partitions: 2 });
    await member(a, ['in']);
    const survivor = await member(b, ['in']);
    await cluster.settle();
    a.kill();
    await vi.advanceTimersByTimeAsync(9_999);
    expect(survivor.owned()).toEqual(['in/1']);
    await vi.advanceTimersByTimeAsync(1);
    await cluster.settle();
    expect(survivor.owned()).toEqual(['in/0', 'in/1']);
    await survivor.consumer.disconnect();
  });
});

describe('an expelled member (its session expired during a pause)', () => {
  it('turns its batch stale, may not commit, and joins again; the others cover its partitions meanwhile', async () => {
    const a = cluster.client({ clientId: 'a' });
    const b = cluster.client({ clientId: 'b' });
    cluster.createTopic({ name: 'in', partitions: 2 });
    const gate = deferred();
    let seen: boolean[] = [];
    let holding = true;
    const paused = await member(a, ['in'], {
      onBatch: async (_batch, controls) => {
        if (!holding) return;
        seen.push(controls.isRunning());
        await gate.promise;
        seen.push(controls.isRunning());
      },
    });
    const other = await member(b, ['in']);
    await cluster.settle();
    expect(paused.owned()).toEqual(['in/0']);
    await produce(a, 'in', 0, 'x');
    await vi.waitFor(() => expect(seen).toEqual([true]));

    cluster.group('group').expel('a-member-001');
    // The paused member's handler still runs, so the cluster cannot settle: wait for the other member instead.
    await vi.waitFor(() => expect(other.received('in', 0)).toEqual(['x']));
    expect(other.owned()).toEqual(['in/0', 'in/1']);
    await expect(paused.consumer.commitOffsets([{ topic: 'in', partition: 0, offset: '1' }])).rejects.toThrow(/REBALANCE_IN_PROGRESS/);
    holding = false;
    gate.resolve();
    await cluster.settle();
    expect(seen).toEqual([true, false]);
    seen = [];
    expect(paused.owned()).toEqual(['in/0']);
    expect(other.owned()).toEqual(['in/1']);
    expect(cluster.group('group').memberIds).toEqual(['a-member-001', 'b-member-001']);
    await Promise.all([paused.consumer.disconnect(), other.consumer.disconnect()]);
  });
});
