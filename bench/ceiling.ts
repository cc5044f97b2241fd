/**
 * The ceiling: the least a kafkajs application can do for exactly-once consume → produce, run as its own process
 * the way sluice runs. One group consumer (eachBatch, read_committed, no auto-commit) on the input; per batch,
 * one transaction on the producer of that partition (one transactional producer per partition, like sluice's
 * tasks): send the batch's records unchanged to the same partition of the output, sendOffsets, commit.
 * No deserialization and no user code. Sends are cut into 1,000-record sendBatch calls, as sluice does, because
 * kafkajs groups a send's messages per partition in quadratic time.
 *
 * Settings from the environment: BENCH_BROKERS, BENCH_INPUT, BENCH_OUTPUT, BENCH_GROUP, BENCH_PARTITIONS,
 * BENCH_CEILING_CONCURRENCY (kafkajs partitionsConsumedConcurrently, default 1 like sluice). Runs until SIGTERM.
 */
import { Kafka, logLevel, type Message, type Producer } from 'kafkajs';

function env(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`ceiling: ${name} is not set`);
  return value;
}

const brokers = env('BENCH_BROKERS').split(',');
const input = env('BENCH_INPUT');
const output = env('BENCH_OUTPUT');
const groupId = env('BENCH_GROUP');
const partitions = Number(env('BENCH_PARTITIONS'));
const concurrency = Number(process.env.BENCH_CEILING_CONCURRENCY ?? '1');
const SEND_SIZE = 1_000;

const kafka = new Kafka({ clientId: 'bench-ceiling', brokers, logLevel: logLevel.ERROR });
const producers: Producer[] = [];
for (let p = 0; p < partitions; p++) {
  producers.push(kafka.producer({ transactionalId: `${groupId}-${p}`, idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false }));
}
await Promise.all(producers.map((p) => p.connect()));

const consumer = kafka.consumer({ groupId, readUncommitted: false, maxWaitTimeInMs: 100, sessionTimeout: 10_000, heartbeatInterval: 1_000, allowAutoTopicCreation: false });
await consumer.connect();
await consumer.subscribe({ topic: input, fromBeginning: true });

let batches = 0;
let records = 0;
let firstSeen = false;
await consumer.run({
  autoCommit: false,
  eachBatchAutoResolve: false,
  partitionsConsumedConcurrently: concurrency,
  eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
    if (batch.messages.length === 0) return;
    if (batches === 0 && records === 0 && !firstSeen) {
      firstSeen = true;
      console.log(JSON.stringify({ msg: 'ceiling first batch', time: Date.now() }));
    }
    const producer = producers[batch.partition];
    if (producer === undefined) throw new Error(`ceiling: no producer for partition ${batch.partition}`);
    const tx = await producer.transaction();
    try {
      for (let start = 0; start < batch.messages.length; start += SEND_SIZE) {
        const messages: Message[] = [];
        const end = Math.min(batch.messages.length, start + SEND_SIZE);
        for (let i = start; i < end; i++) {
          const m = batch.messages[i] as (typeof batch.messages)[number];
          messages.push({ key: m.key, value: m.value, timestamp: m.timestamp, partition: batch.partition });
        }
        await tx.send({ topic: output, acks: -1, messages });
      }
      const next = (BigInt(batch.lastOffset()) + 1n).toString();
      await tx.sendOffsets({ consumerGroupId: groupId, topics: [{ topic: input, partitions: [{ partition: batch.partition, offset: next }] }] });
      await tx.commit();
    } catch (error) {
      await tx.abort().catch(() => undefined);
      throw error;
    }
    resolveOffset(batch.lastOffset());
    batches++;
    records += batch.messages.length;
    await heartbeat();
  },
});
console.log(JSON.stringify({ msg: 'ceiling running', time: Date.now() }));

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  console.log(JSON.stringify({ msg: 'ceiling stopping', time: Date.now(), batches, records }));
  await consumer.disconnect().catch(() => undefined);
  await Promise.all(producers.map((p) => p.disconnect().catch(() => undefined)));
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
