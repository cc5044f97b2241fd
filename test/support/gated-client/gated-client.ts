/**
 * A KafkaClient whose partition readers hold chosen reads at a gate until the test opens it, so a "loading"
 * state (a global table, a table restored from its source topic) is observed without racing a clock. Works on
 * any adapter (the memory cluster in unit tests, kafkajs against the broker in integration tests).
 */
import type { ConsumedRecord, KafkaClient, PartitionReader } from '../../../src/kafka/index.ts';

export interface Gate {
  readonly client: KafkaClient;
  open(): void;
  /** Reads (or fetches) that reached the gate and wait there. */
  waiting(): number;
}

export interface GateOptions {
  /** Which fetches wait at the gate: by partition, the fetch's offset and its number on that partition (1, 2, ...). */
  readonly holdFetch?: (fetch: { partition: number; offset: bigint; nth: number }) => boolean;
  /** A topic whose first range read of two or more records is handed over in two halves, waiting at the gate between them. */
  readonly splitRead?: string;
}

export function gatedClient(base: KafkaClient, options: GateOptions): Gate {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let waiting = 0;
  let split = false;
  const fetches = new Map<number, number>();
  const wait = async () => {
    waiting++;
    await gate;
    waiting--;
  };
  const client: KafkaClient = {
    admin: () => base.admin(),
    consumer: (o) => base.consumer(o),
    producer: () => base.producer(),
    transactionalProducer: (o) => base.transactionalProducer(o),
    partitionReader: (): PartitionReader => {
      const inner = base.partitionReader();
      return {
        read: (range, onRecords) => {
          if (range.topic !== options.splitRead) return inner.read(range, onRecords);
          return inner.read(range, async (records: readonly ConsumedRecord[]) => {
            if (split || records.length < 2) return onRecords(records);
            split = true;
            const half = Math.floor(records.length / 2);
            await onRecords(records.slice(0, half));
            await wait();
            await onRecords(records.slice(half));
          });
        },
        fetch: async (position, fetchOptions) => {
          const nth = (fetches.get(position.partition) ?? 0) + 1;
          fetches.set(position.partition, nth);
          if (options.holdFetch?.({ partition: position.partition, offset: BigInt(position.offset), nth }) === true) await wait();
          return inner.fetch(position, fetchOptions);
        },
        disconnect: () => inner.disconnect(),
      };
    },
  };
  return { client, open, waiting: () => waiting };
}
