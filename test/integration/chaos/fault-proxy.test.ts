/**
 * The fault proxy against a real broker of its own (kafka.sh start --proxy-port): clients that bootstrap at
 * the proxy send every request through it; a dropped EndTxn reply fails the client's commit although the
 * commit took effect; cuts break connections that clients then re-open.
 */
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChaosBroker } from '../../chaos/support/chaos-broker.ts';
import { ApiKey } from '../../support/fault-proxy/kafka-frames.ts';
import type { FaultProxy } from '../../support/fault-proxy/fault-proxy.ts';
import { freePort } from '../setup/local-broker.ts';
import { uniqueName } from '../support/kafka.ts';

let broker: ChaosBroker;
let proxy: FaultProxy;

const client = (brokers: string, id: string, retries = 5) => new Kafka({ clientId: id, brokers: [brokers], logLevel: logLevel.NOTHING, retry: { retries } });

async function createTopic(name: string): Promise<void> {
  const admin = client(broker.directBrokers, 'proxy-test-admin').admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: name, numPartitions: 1 }], waitForLeaders: true });
  await admin.disconnect();
}

/** Reads a topic straight from the broker, read_committed, until `expected` values arrived. */
async function readDirect(topic: string, expected: number): Promise<string[]> {
  const consumer = client(broker.directBrokers, 'proxy-test-reader').consumer({ groupId: uniqueName('proxy-reader'), maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const values: string[] = [];
  await consumer.run({ eachMessage: async ({ message }) => void values.push(message.value?.toString() ?? '') });
  const deadline = Date.now() + 60_000;
  while (values.length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 1000)); // anything beyond `expected` would show here
  await consumer.disconnect();
  return values;
}

beforeAll(async () => {
  broker = await ChaosBroker.start({ port: await freePort(Number(process.env.CHAOS_PORT ?? 29_192)) });
  proxy = broker.proxy as FaultProxy;
});

afterAll(async () => {
  await broker?.stop();
});

describe('fault proxy', () => {
  it('forwards a produce: every request of the client goes through it', async () => {
    const topic = uniqueName('proxy-produce');
    await createTopic(topic);
    const producesBefore = proxy.requestsSeen(ApiKey.Produce);
    const producer = client(proxy.address, 'proxy-test-producer').producer();
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: Array.from({ length: 50 }, (_, i) => ({ value: `v${i}` })) });
    await producer.disconnect();
    // The produce went to the broker the metadata named: the proxy, not the broker's own port.
    expect(proxy.requestsSeen(ApiKey.Produce) - producesBefore).toBeGreaterThanOrEqual(1);
    expect(proxy.requestsSeen(ApiKey.Metadata)).toBeGreaterThanOrEqual(1);
    expect((await readDirect(topic, 50)).length).toBe(50);
  });

  it('a dropped EndTxn reply fails the commit, and the commit still took effect', async () => {
    const topic = uniqueName('proxy-endtxn');
    await createTopic(topic);
    const producer = client(proxy.address, 'proxy-test-txn').producer({ transactionalId: uniqueName('proxy-txn'), idempotent: true, maxInFlightRequests: 1, retry: { retries: 3 } });
    await producer.connect();
    const txn = await producer.transaction();
    await txn.send({ topic, messages: Array.from({ length: 20 }, (_, i) => ({ value: `t${i}` })) });
    const fault = proxy.dropResponses(ApiKey.EndTxn);
    const outcome = await txn.commit().then(
      () => 'committed',
      (error: unknown) => `failed: ${String(error)}`,
    );
    const event = await fault.fired;
    expect(event.kind).toBe('response-dropped');
    expect(outcome).toMatch(/^failed/);
    // read_committed, straight from the broker: the transaction was committed.
    expect((await readDirect(topic, 20)).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `t${i}`).sort());
    await producer.disconnect().catch(() => undefined);
  });

  it('a swallowed EndTxn (cut before forwarding) leaves the transaction open; a new producer aborts it', async () => {
    const topic = uniqueName('proxy-cut');
    await createTopic(topic);
    const transactionalId = uniqueName('proxy-txn-cut');
    const producer = client(proxy.address, 'proxy-test-cut').producer({ transactionalId, idempotent: true, maxInFlightRequests: 1, retry: { retries: 3 } });
    await producer.connect();
    const txn = await producer.transaction();
    await txn.send({ topic, messages: [{ value: 'never-committed' }] });
    const fault = proxy.cutAfter(ApiKey.EndTxn, { forward: false });
    await expect(txn.commit()).rejects.toThrow();
    expect((await fault.fired).kind).toBe('cut');
    await producer.disconnect().catch(() => undefined);
    // Initialising the same transactional id fences the old producer and aborts its open transaction.
    const next = client(proxy.address, 'proxy-test-cut-2').producer({ transactionalId, idempotent: true, maxInFlightRequests: 1, retry: { retries: 3 } });
    await next.connect();
    const txn2 = await next.transaction();
    await txn2.send({ topic, messages: [{ value: 'committed' }] });
    await txn2.commit();
    await next.disconnect();
    expect(await readDirect(topic, 1)).toEqual(['committed']);
  });

  it('after cutting every connection, clients reconnect through it', async () => {
    const topic = uniqueName('proxy-reconnect');
    await createTopic(topic);
    const producer = client(proxy.address, 'proxy-test-reconnect').producer({ retry: { retries: 5 } });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ value: 'before' }] });
    const opened = proxy.connectionsOpened;
    expect(proxy.cutAll()).toBeGreaterThanOrEqual(1);
    proxy.delay(50);
    await producer.send({ topic, acks: -1, messages: [{ value: 'after' }] }).catch(async () => {
      // kafkajs may see the cut on this send; the next one must go through again.
      await producer.send({ topic, acks: -1, messages: [{ value: 'after' }] });
    });
    proxy.delay(0);
    await producer.disconnect();
    expect(proxy.connectionsOpened).toBeGreaterThan(opened);
    expect((await readDirect(topic, 2)).filter((v) => v === 'after').length).toBeGreaterThanOrEqual(1);
  });
});
