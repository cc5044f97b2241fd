/**
 * The Produce request and response, version 7 (the highest kafkajs speaks; Kafka 4.x accepts 3 to 12 and gives v7
 * the same semantics: transactional id, one record batch per partition, per-partition error codes).
 *
 *   Produce Request (v7) => transactional_id acks timeout [topic [partition records]]
 *   Produce Response (v7) => [topic [partition error_code base_offset log_append_time log_start_offset]] throttle_time_ms
 *
 * The request body is written into one Buffer; the record batches are copied in as they are.
 */
export const PRODUCE_API_KEY = 0;
export const PRODUCE_API_VERSION = 7;

export interface ProducePartitionData {
  readonly partition: number;
  readonly batch: Buffer;
}

export interface ProduceTopicData {
  readonly topic: string;
  readonly partitions: readonly ProducePartitionData[];
}

export interface ProduceRequestFields {
  readonly transactionalId: string | null;
  /** -1 (all in-sync replicas) for idempotent and transactional producers. */
  readonly acks: number;
  readonly timeoutMs: number;
  readonly topics: readonly ProduceTopicData[];
}

/** The request body (what follows the request header). */
export function encodeProduceRequest(fields: ProduceRequestFields): Buffer {
  const transactionalIdBytes = fields.transactionalId === null ? -1 : Buffer.byteLength(fields.transactionalId, 'utf8');
  let size = 2 + Math.max(transactionalIdBytes, 0) + 2 + 4 + 4;
  for (const topic of fields.topics) {
    size += 2 + Buffer.byteLength(topic.topic, 'utf8') + 4;
    for (const partition of topic.partitions) size += 4 + 4 + partition.batch.length;
  }
  const buffer = Buffer.allocUnsafe(size);
  let at = buffer.writeInt16BE(transactionalIdBytes, 0);
  if (fields.transactionalId !== null) at += buffer.write(fields.transactionalId, at, 'utf8');
  at = buffer.writeInt16BE(fields.acks, at);
  at = buffer.writeInt32BE(fields.timeoutMs, at);
  at = buffer.writeInt32BE(fields.topics.length, at);
  for (const topic of fields.topics) {
    at = buffer.writeInt16BE(Buffer.byteLength(topic.topic, 'utf8'), at);
    at += buffer.write(topic.topic, at, 'utf8');
    at = buffer.writeInt32BE(topic.partitions.length, at);
    for (const partition of topic.partitions) {
      at = buffer.writeInt32BE(partition.partition, at);
      at = buffer.writeInt32BE(partition.batch.length, at);
      at += partition.batch.copy(buffer, at);
    }
  }
  return buffer;
}

export interface ProducePartitionResponse {
  readonly topic: string;
  readonly partition: number;
  readonly errorCode: number;
  readonly baseOffset: bigint;
}

export interface ProduceResponse {
  readonly partitions: readonly ProducePartitionResponse[];
  readonly throttleTimeMs: number;
}

/** Decodes the response body (what follows the correlation id). Throws RangeError on a truncated body. */
export function decodeProduceResponse(body: Buffer): ProduceResponse {
  let at = 0;
  const partitions: ProducePartitionResponse[] = [];
  const topicCount = body.readInt32BE(at);
  at += 4;
  for (let t = 0; t < topicCount; t++) {
    const nameLength = body.readInt16BE(at);
    at += 2;
    const topic = body.toString('utf8', at, at + nameLength);
    at += nameLength;
    const partitionCount = body.readInt32BE(at);
    at += 4;
    for (let p = 0; p < partitionCount; p++) {
      const partition = body.readInt32BE(at);
      const errorCode = body.readInt16BE(at + 4);
      const baseOffset = body.readBigInt64BE(at + 6);
      at += 4 + 2 + 8 + 8 + 8;
      partitions.push({ topic, partition, errorCode, baseOffset });
    }
  }
  const throttleTimeMs = body.readInt32BE(at);
  return { partitions, throttleTimeMs };
}
