/**
 * A transaction an earlier producer of a task left open where the coordinator does not know of it, against the
 * real broker.
 *
 * A broker in controlled shutdown can acknowledge a task's commit and record it complete without writing its
 * markers: after the restart the transaction's records stay open on their partitions, InitProducerId does not end
 * them, and the rebuilt task's next commit (same producer id, newer epoch) committed them together with its own
 * copy of the reprocessed output (the chaos suite's broker-restart case saw whole windows twice). Here the same
 * state is made on purpose: records written under the task's transactional id (its producer id and epoch) to the
 * output partition without AddPartitionsToTxn, while the broker's partition verification is off for that moment.
 * Then sluice runs the task: what its commits make visible must be its own output only, and the partition must not
 * stay blocked for read_committed readers.
 */
import { ConfigResourceTypes } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.ts';
import { defineTopology, serdes } from '../../../src/index.ts';
import { createKafkajsClient } from '../../../src/kafka/index.ts';
import { createInternalCluster } from '../../../src/kafka/kafkajs/internal-cluster.ts';
import { createEosManager, type EosManager, type KafkajsInternalLogger } from '../../../src/kafka/kafkajs/kafkajs-eos-internals.ts';
import { partitionsWithOpenTransaction } from '../../../src/kafka/kafkajs/open-transactions.ts';
import type { ProducePath } from '../../../src/kafka/kafkajs/producer-session.ts';
import { WireRecordSender } from '../../../src/kafka/kafkajs/wire-record-sender.ts';
import { silentKafkaLogger } from '../../../src/kafka/logger.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import { transactionalIdFor } from '../../../src/planner/names.ts';
import { Application } from '../../../src/runtime/application.ts';
import { brokers, createTopics, kafka, produce, readTopic, readTopicRaw, uniqueName } from '../support/kafka.ts';
import { waitForValue } from '../support/sluice-process.ts';

const VERIFICATION = 'transaction.partition.verification.enable';
const INPUTS = 20;

async function setVerification(enabled: boolean): Promise<void> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    // A dynamic setting, set on each broker.
    const { brokers: nodes } = await admin.describeCluster();
    await admin.alterConfigs({
      validateOnly: false,
      resources: nodes.map((node) => ({ type: ConfigResourceTypes.BROKER, name: String(node.nodeId), configEntries: [{ name: VERIFICATION, value: String(enabled) }] })),
    });
  } finally {
    await admin.disconnect();
  }
}

/** Writes `values` to output partition 0 under `transactionalId`, in a transaction the coordinator never hears of. */
async function leaveOpenTransaction(transactionalId: string, topic: string, values: string[]): Promise<void> {
  const client = kafka();
  const cluster = createInternalCluster(client, { allowAutoTopicCreation: false, maxInFlightRequests: 1 });
  await cluster.connect();
  try {
    const eos = createEosManager({ logger: (client.logger() as unknown as KafkajsInternalLogger).namespace('test'), cluster, transactionTimeout: 60_000, transactional: true, transactionalId });
    await eos.initProducerId();
    eos.beginTransaction();
    // The partition is never added to the transaction: the coordinator will not write a marker there.
    const unregistered = new Proxy(eos, { get: (target, name) => (name === 'addPartitionsToTransaction' ? () => Promise.resolve() : Reflect.get(target, name)) }) as EosManager;
    const sender = new WireRecordSender(cluster, unregistered, { transactionalId, compression: 'none', maxBatchBytes: 1_000_000, ackTimeoutMs: 30_000, retry: { initialRetryTime: 100, maxRetryTime: 500, retries: 2 } }, silentKafkaLogger);
    // The verification setting reaches the broker a moment after it is altered: retry until the write is taken.
    for (let attempt = 1; ; attempt++) {
      try {
        await sender.send(values.map((value) => ({ topic, partition: 0, key: Buffer.from('leftover'), value: Buffer.from(value), timestampMs: Date.now() })));
        return;
      } catch (error) {
        if (attempt >= 40) throw error;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  } finally {
    await cluster.disconnect();
  }
}

function startApp(applicationId: string, input: string, output: string, path: ProducePath): Application {
  const topology = defineTopology({ applicationId }, (t) => {
    t.stream(input, { key: serdes.string(), value: serdes.string() }).to(output, { key: serdes.string(), value: serdes.string() });
  });
  const config = loadConfig({ brokers: brokers(), 'http-port': 'off', 'commit-interval-ms': '100' }, {});
  const logger = createLogger({ level: (process.env.SLUICE_TEST_LOG_LEVEL ?? 'silent') as 'silent', format: 'json', name: `leftover-${path}` });
  const client = createKafkajsClient({ brokers: config.brokers, clientId: applicationId }, undefined, { produce: { path } });
  return new Application({ topology, config, client, logger });
}

async function outputEnd(topic: string): Promise<string> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    // The log end (not the stable end): an abort marker moves it even when no record becomes visible.
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.map((o) => o.high).join(',');
  } finally {
    await admin.disconnect();
  }
}

describe.each(['kafkajs', 'wire'] as const)('a transaction left open by an earlier producer of a task (%s produce path)', (path) => {
  it('is aborted when the task is built: its records never become visible, and the output is the task\'s own, exact', { timeout: 180_000 }, async () => {
    const input = uniqueName('leftover-in');
    const output = uniqueName('leftover-out');
    const applicationId = uniqueName('leftover');
    await createTopics([
      { name: input, partitions: 1 },
      { name: output, partitions: 1 },
    ]);
    const leftovers = ['leftover-1', 'leftover-2', 'leftover-3'];
    await setVerification(false);
    try {
      await leaveOpenTransaction(transactionalIdFor(applicationId, 0, 0), output, leftovers);
    } finally {
      await setVerification(true);
    }
    // The records are in the log, open: read_uncommitted sees them.
    const uncommitted = await readTopicRaw(output, { expected: leftovers.length, timeoutMs: 30_000, quietMs: 500, readUncommitted: true });
    expect(uncommitted.map((r) => r.value?.toString())).toEqual(leftovers);

    await produce(input, Array.from({ length: INPUTS }, (_, i) => ({ key: `k${i}`, value: `v${i}` })));
    const app = startApp(applicationId, input, output, path);
    try {
      await app.start();
      const seen = await readTopic(output, { expected: INPUTS, timeoutMs: 120_000, quietMs: 3000 });
      expect(seen.map((r) => r.value)).toEqual(Array.from({ length: INPUTS }, (_, i) => `v${i}`));
    } finally {
      await app.stop();
    }
  });

  it('a restart with nothing left open writes no abort marker (DescribeProducers finds no open transaction)', { timeout: 180_000 }, async () => {
    const input = uniqueName('leftover-clean-in');
    const output = uniqueName('leftover-clean-out');
    const applicationId = uniqueName('leftover-clean');
    await createTopics([
      { name: input, partitions: 1 },
      { name: output, partitions: 2 },
    ]);
    await produce(input, Array.from({ length: INPUTS }, (_, i) => ({ key: `k${i}`, value: `v${i}` })));
    const first = startApp(applicationId, input, output, path);
    try {
      await first.start();
      await readTopic(output, { expected: INPUTS, timeoutMs: 120_000, quietMs: 1500 });
    } finally {
      await first.stop();
    }
    const before = await outputEnd(output);
    // The second producer of the id (epoch 1) checks; an abort would add a marker on each output partition.
    const second = startApp(applicationId, input, output, path);
    try {
      await second.start();
      await new Promise((resolve) => setTimeout(resolve, 3_000));
    } finally {
      await second.stop();
    }
    expect(await outputEnd(output)).toBe(before);
    expect((await readTopic(output, { expected: INPUTS, timeoutMs: 30_000, quietMs: 1000 })).length).toBe(INPUTS);
  });
});

describe('partitionsWithOpenTransaction (DescribeProducers against the broker)', () => {
  it('names the partitions where a producer id has a transaction open, and no others', { timeout: 120_000 }, async () => {
    const topic = uniqueName('open-tx');
    await createTopics([{ name: topic, partitions: 3 }]);
    const transactionalId = uniqueName('open-tx-id');
    const client = kafka();
    const cluster = createInternalCluster(client, { allowAutoTopicCreation: false, maxInFlightRequests: 1 });
    await cluster.connect();
    try {
      const eos = createEosManager({ logger: (client.logger() as unknown as KafkajsInternalLogger).namespace('test'), cluster, transactionTimeout: 60_000, transactional: true, transactionalId });
      await eos.initProducerId();
      const producerId = BigInt(String(eos.getProducerId()));
      const sender = new WireRecordSender(cluster, eos, { transactionalId, compression: 'none', maxBatchBytes: 1_000_000, ackTimeoutMs: 30_000, retry: { initialRetryTime: 100, maxRetryTime: 500, retries: 2 } }, silentKafkaLogger);
      const all = [0, 1, 2].map((partition) => ({ topic, partition }));
      eos.beginTransaction();
      await sender.send([{ topic, partition: 1, key: null, value: Buffer.from('open'), timestampMs: Date.now() }]);
      expect(await partitionsWithOpenTransaction(cluster, producerId, all, silentKafkaLogger)).toEqual([{ topic, partition: 1 }]);
      // Another producer id sees nothing of it.
      expect(await partitionsWithOpenTransaction(cluster, producerId + 1n, all, silentKafkaLogger)).toEqual([]);
      await eos.commit();
      const closed = await waitForValue(async () => {
        const open = await partitionsWithOpenTransaction(cluster, producerId, all, silentKafkaLogger);
        return open.length === 0 ? open : undefined;
      });
      expect(closed).toEqual([]);
      // A partition that does not exist cannot be vouched for: it counts as open.
      expect(await partitionsWithOpenTransaction(cluster, producerId, [{ topic, partition: 7 }], silentKafkaLogger)).toEqual([{ topic, partition: 7 }]);
    } finally {
      await cluster.disconnect();
    }
  });
});
