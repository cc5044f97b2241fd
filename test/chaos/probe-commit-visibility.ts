/**
 * Diagnostic probe (not part of `npm test`): are transactions the broker acknowledged just before a clean restart
 * visible right after it, to the reads a rebuilt task makes? Several transactional producers commit small
 * transactions (records to an output and a changelog partition, offsets of an input partition for one group) as
 * fast as they can; the broker is restarted (clean stop, data kept) at a random moment; then, per producer, a fresh
 * producer with the same transactional id is initialised (InitProducerId: it must resolve the old one's
 * transaction) and the group's committed offset and the changelog's end offset are read at once, as
 * src/runtime/task-manager.ts build() does. A committed offset below the last acknowledged commit means the
 * read missed a commit the broker had acknowledged ("behind"); the probe then polls for 20 s to tell a stale read
 * (it catches up) from a lost commit (it never does).
 *
 *   npx tsx test/chaos/probe-commit-visibility.ts --port 29614 --rounds 10 [--path wire|kafkajs]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createKafkajsClient } from '../../src/kafka/index.ts';
import type { KafkaClient, TransactionalProducer } from '../../src/kafka/index.ts';
import { ChaosBroker } from './support/chaos-broker.ts';
import { createTopics, uniqueName } from './support/direct-kafka.ts';

const { values } = parseArgs({ options: { port: { type: 'string' }, rounds: { type: 'string' }, path: { type: 'string' }, producers: { type: 'string' } } });
const port = Number(values.port ?? 29614);
const rounds = Number(values.rounds ?? 10);
const path = values.path === 'kafkajs' ? 'kafkajs' : 'wire';
const producers = Number(values.producers ?? 4);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Worker {
  readonly index: number;
  readonly transactionalId: string;
  /** Offset of the last commit whose EndTxn was acknowledged, and when. */
  acked: { offset: number; atMs: number } | undefined;
  next: number;
  stop: boolean;
  done: Promise<void>;
}

/** Set by the round: the first commit acknowledged after it SIGTERMs the broker at once (its markers are then in flight). */
let onAck: (() => void) | undefined;

async function work(client: KafkaClient, w: Worker, topics: { input: string; output: string; changelog: string }, group: string): Promise<void> {
  let producer: TransactionalProducer | undefined;
  while (!w.stop) {
    try {
      if (producer === undefined) {
        producer = client.transactionalProducer({ transactionalId: w.transactionalId, transactionTimeoutMs: 60_000 });
        await producer.connect();
      }
      const offset = w.next;
      const tx = await producer.begin();
      const value = Buffer.from(`r${offset}`);
      const records = Array.from({ length: 20 }, (_, i) => [
        { topic: topics.output, partition: w.index, key: Buffer.from(`k${i}`), value, timestampMs: Date.now() },
        { topic: topics.changelog, partition: w.index, key: Buffer.from(`k${i}`), value, timestampMs: Date.now() },
      ]).flat();
      try {
        await tx.send(records);
        await tx.sendOffsets(group, [{ topic: topics.input, partition: w.index, offset: String(offset) }]);
        await tx.commit();
      } catch (error) {
        await tx.abort().catch(() => undefined);
        throw error;
      }
      if (!w.stop) w.acked = { offset, atMs: Date.now() };
      const trigger = onAck;
      if (trigger !== undefined && !w.stop) {
        onAck = undefined;
        trigger();
      }
      w.next = offset + 1;
    } catch {
      await producer?.disconnect().catch(() => undefined);
      producer = undefined;
      await sleep(200);
    }
  }
  void producer?.disconnect().catch(() => undefined);
}

async function main(): Promise<void> {
  const broker = await ChaosBroker.start({ port });
  const brokers = broker.directBrokers.split(',');
  const client = createKafkajsClient({ brokers, clientId: 'probe' }, undefined, { produce: { path } });
  const topics = { input: uniqueName('probe-in'), output: uniqueName('probe-out'), changelog: uniqueName('probe-cl') };
  await createTopics(broker.directBrokers, [
    { name: topics.input, partitions: producers },
    { name: topics.output, partitions: producers },
    { name: topics.changelog, partitions: producers },
  ]);
  const group = uniqueName('probe-group');
  let behind = 0;
  let lost = 0;
  let checks = 0;
  try {
    for (let round = 0; round < rounds; round++) {
      const workers: Worker[] = Array.from({ length: producers }, (_, index) => ({
        index,
        transactionalId: `${group}-p${index}`,
        acked: undefined,
        next: 1 + round * 1_000_000,
        stop: false,
        done: Promise.resolve(),
      }));
      for (const w of workers) w.done = work(client, w, topics, group);
      await sleep(1500 + Math.random() * 1500);
      const brokerPid = Number(readFileSync(join(process.env.SLUICE_KAFKA_CACHE ?? '.cache/kafka', 'run', String(port), 'pid'), 'utf8').trim());
      let killedAtMs = 0;
      await new Promise<void>((resolve) => {
        onAck = () => {
          killedAtMs = Date.now();
          process.kill(brokerPid, 'SIGTERM');
          resolve();
        };
      });
      // Commits acknowledged up to the broker's exit count; the old producers stop before it is back.
      await broker.stopKeepingData();
      const acked = workers.map((w) => {
        w.stop = true;
        return w.acked;
      });
      await broker.resume();
      // As a rebuilt task: per transactional id a fresh producer's InitProducerId, then at once the group offset
      // and the changelog end.
      const admin = client.admin();
      await admin.connect();
      for (const w of workers) {
        const want = acked[w.index];
        if (want === undefined) continue;
        const fresh = client.transactionalProducer({ transactionalId: w.transactionalId, transactionTimeoutMs: 60_000 });
        for (let attempt = 0; ; attempt++) {
          try {
            await fresh.connect();
            break;
          } catch (error) {
            if (attempt > 20) throw error;
            await sleep(500);
          }
        }
        const readAt = Date.now();
        const committed = Number((await admin.committedOffsets(group, topics.input)).get(w.index) ?? '-1');
        const end = (await admin.topicOffsets(topics.changelog)).find((p) => p.partition === w.index)?.high;
        checks++;
        const line = `round ${round} p${w.index}: last acknowledged commit ${want.offset} (${killedAtMs - want.atMs} ms before the SIGTERM, ${readAt - want.atMs} ms before the read), group offset read ${committed}, changelog end ${end}`;
        if (committed < want.offset) {
          behind++;
          let caughtUp: number | undefined;
          for (const until = Date.now() + 20_000; Date.now() < until; ) {
            await sleep(500);
            const now = Number((await admin.committedOffsets(group, topics.input)).get(w.index) ?? '-1');
            if (now >= want.offset) {
              caughtUp = Date.now() - readAt;
              break;
            }
          }
          if (caughtUp === undefined) lost++;
          console.log(`BEHIND ${line}; ${caughtUp === undefined ? 'still behind after 20 s (commit lost?)' : `caught up ${caughtUp} ms later (stale read)`}`);
        } else {
          console.log(`ok     ${line}`);
        }
        await fresh.disconnect();
      }
      await admin.disconnect();
      await Promise.race([Promise.all(workers.map((w) => w.done)), sleep(30_000)]);
    }
  } finally {
    await broker.stop();
  }
  console.log(`[probe ${path}] ${checks} checks after ${rounds} restarts: ${behind} behind, ${lost} of them never caught up`);
}

await main();
