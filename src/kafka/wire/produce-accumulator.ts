/**
 * Collects the records of one send into record batches per topic-partition, in arrival order, with no object per
 * record: each record is encoded into its partition's current batch at once. A batch is closed when the next record
 * would take it past `maxBatchBytes` (a Produce request carries one batch per partition, so a partition with more
 * data is sent over several consecutive requests, `rounds`).
 */
import type { RecordHeaders } from '../types.ts';
import { RecordBatchBuilder, type CompressionCodec } from './record-batch-encoder.ts';

/** Below the broker's default message.max.bytes (1,048,588), with room for the batch and request overhead. */
export const DEFAULT_MAX_BATCH_BYTES = 1_000_000;

export class PartitionBatches {
  readonly batches: RecordBatchBuilder[] = [];
  recordCount = 0;

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}
}

export class ProduceAccumulator {
  /** topic → partition → its batches. */
  private readonly byTopic = new Map<string, (PartitionBatches | undefined)[]>();
  private lastTopic: string | undefined;
  private lastTopicPartitions: (PartitionBatches | undefined)[] = [];
  /** Every partition written, in first-write order. */
  readonly partitions: PartitionBatches[] = [];

  constructor(
    private readonly compression: CompressionCodec = 'none',
    private readonly maxBatchBytes = DEFAULT_MAX_BATCH_BYTES,
  ) {}

  add(topic: string, partition: number, key: Buffer | null, value: Buffer | null, timestampMs: number, headers: RecordHeaders | undefined): void {
    let perPartition = this.lastTopicPartitions;
    if (topic !== this.lastTopic) {
      perPartition = this.byTopic.get(topic) ?? [];
      this.byTopic.set(topic, perPartition);
      this.lastTopic = topic;
      this.lastTopicPartitions = perPartition;
    }
    let target = perPartition[partition];
    if (target === undefined) {
      target = new PartitionBatches(topic, partition);
      perPartition[partition] = target;
      this.partitions.push(target);
    }
    let batch = target.batches[target.batches.length - 1];
    if (batch === undefined || !batch.append(key, value, timestampMs, headers, this.maxBatchBytes)) {
      batch = new RecordBatchBuilder(this.compression);
      target.batches.push(batch);
      batch.append(key, value, timestampMs, headers, Infinity);
    }
    target.recordCount++;
  }

  /** Most batches any partition has: the number of Produce requests needed per broker. */
  get rounds(): number {
    let rounds = 0;
    for (const partition of this.partitions) rounds = Math.max(rounds, partition.batches.length);
    return rounds;
  }
}
