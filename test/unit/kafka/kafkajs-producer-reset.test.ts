/**
 * The at-least-once producer replaces its idempotent kafkajs producer after an answer that makes the producer
 * id or its sequences unusable (seen in the chaos suite after a broker restart: OUT_OF_ORDER_SEQUENCE_NUMBER on
 * every later send, forever). The logic under test is the adapter's own; the broker behaviour is shown by the
 * chaos suite's at-least-once case.
 */
import type { Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { KafkajsProducer } from '../../../src/kafka/kafkajs/kafkajs-producer.ts';

class ProtocolError extends Error {
  constructor(readonly type: string) {
    super(`broker said ${type}`);
  }
}

/** A kafkajs stand-in: each producer it makes fails its sends with `failWith` until it is replaced. */
function fakeKafka(failWith: (producerIndex: number, sendIndex: number) => string | undefined) {
  const made: { connects: number; disconnects: number; sends: number }[] = [];
  const kafka = {
    producer: () => {
      const index = made.length;
      const stats = { connects: 0, disconnects: 0, sends: 0 };
      made.push(stats);
      return {
        connect: async () => void stats.connects++,
        disconnect: async () => void stats.disconnects++,
        sendBatch: async () => {
          const type = failWith(index, stats.sends++);
          if (type !== undefined) throw Object.assign(new Error('retries exhausted'), { cause: new ProtocolError(type) });
          return [];
        },
      };
    },
  } as unknown as Kafka;
  return { kafka, made };
}

const record = { topic: 't', partition: 0, key: Buffer.from('k'), value: Buffer.from('v'), timestampMs: 1 };

describe('KafkajsProducer (at-least-once)', () => {
  for (const type of ['OUT_OF_ORDER_SEQUENCE_NUMBER', 'UNKNOWN_PRODUCER_ID', 'INVALID_PRODUCER_EPOCH']) {
    it(`after ${type}, the failed send fails and the next one goes through a new, connected producer`, async () => {
      const { kafka, made } = fakeKafka((producer) => (producer === 0 ? type : undefined));
      const producer = new KafkajsProducer(kafka);
      await producer.connect();
      await expect(producer.send([record])).rejects.toThrow(type);
      await producer.send([record]);
      await producer.send([record]);
      expect(made).toHaveLength(2);
      expect(made[0]).toMatchObject({ connects: 1, disconnects: 1, sends: 1 });
      expect(made[1]).toMatchObject({ connects: 1, sends: 2 });
      await producer.disconnect();
      expect(made[1]?.disconnects).toBe(1);
    });
  }

  it('keeps its producer after other errors (a retriable broker error, a too-large record)', async () => {
    const { kafka, made } = fakeKafka((_, send) => (send === 0 ? 'NOT_LEADER_FOR_PARTITION' : send === 1 ? 'MESSAGE_TOO_LARGE' : undefined));
    const producer = new KafkajsProducer(kafka);
    await producer.connect();
    await expect(producer.send([record])).rejects.toThrow('NOT_LEADER_FOR_PARTITION');
    await expect(producer.send([record])).rejects.toThrow('MESSAGE_TOO_LARGE');
    await producer.send([record]);
    expect(made).toHaveLength(1);
    expect(made[0]).toMatchObject({ connects: 1, disconnects: 0, sends: 3 });
  });

  it('connects the new producer again on the next send when its first connect failed', async () => {
    let failConnect = true;
    const { kafka, made } = fakeKafka((producer) => (producer === 0 ? 'UNKNOWN_PRODUCER_ID' : undefined));
    const wrapped = kafka.producer.bind(kafka);
    (kafka as { producer: unknown }).producer = (...args: Parameters<Kafka['producer']>) => {
      const p = wrapped(...args);
      const connect = p.connect.bind(p);
      return Object.assign(p, {
        connect: async () => {
          if (made.length > 1 && failConnect) {
            failConnect = false;
            throw new Error('broker away');
          }
          await connect();
        },
      });
    };
    const producer = new KafkajsProducer(kafka);
    await producer.connect();
    await expect(producer.send([record])).rejects.toThrow('UNKNOWN_PRODUCER_ID');
    await expect(producer.send([record])).rejects.toThrow('broker away');
    await producer.send([record]);
    expect(made).toHaveLength(2);
    expect(made[1]).toMatchObject({ connects: 1, sends: 1 });
  });
});
