/** Helpers of the memory cluster's unit tests: a group member that records what it gets, and small producers. */
import type { Assignment, BatchControls, GroupConsumer, InputBatch, KafkaClient } from '../../../../src/kafka/index.ts';
import { record, values } from '../../../support/kafka-conformance/helpers.ts';

export interface Member {
  readonly consumer: GroupConsumer;
  readonly batches: InputBatch[];
  readonly assignments: Assignment[];
  readonly crashes: Error[];
  /** Values received from topic/partition, in order. */
  received(topic: string, partition: number): string[];
  owned(): string[];
}

export async function member(
  client: KafkaClient,
  topics: string[],
  hooks: { onBatch?: (batch: InputBatch, controls: BatchControls) => Promise<void>; onAssignment?: (a: Assignment) => void; groupId?: string; fromBeginning?: boolean } = {},
): Promise<Member> {
  const consumer = client.consumer({
    groupId: hooks.groupId ?? 'group',
    topics,
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 30_000,
    heartbeatIntervalMs: 1_000,
    maxWaitMs: 100,
    fromBeginning: hooks.fromBeginning ?? true,
  });
  const m: Member = {
    consumer,
    batches: [],
    assignments: [],
    crashes: [],
    received: (topic, partition) => m.batches.filter((b) => b.topic === topic && b.partition === partition).flatMap((b) => values(b.records)),
    owned: () => (m.assignments.at(-1)?.partitions ?? []).map((p) => `${p.topic}/${p.partition}`),
  };
  consumer.onAssignment((a) => {
    m.assignments.push(a);
    hooks.onAssignment?.(a);
  });
  consumer.onCrash((e) => m.crashes.push(e));
  await consumer.connect();
  await consumer.run(async (batch, controls) => {
    m.batches.push(batch);
    await hooks.onBatch?.(batch, controls);
  });
  return m;
}

export async function produce(client: KafkaClient, topic: string, partition: number, ...vals: string[]): Promise<void> {
  const producer = client.producer();
  await producer.connect();
  await producer.send(vals.map((v) => record(topic, v, { partition })));
  await producer.disconnect();
}

export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
