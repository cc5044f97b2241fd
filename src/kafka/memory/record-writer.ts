/**
 * Appends a send's records to their partitions, as a broker answers a Produce request: each partition's records
 * are written or refused together. Placement follows the Java client: an explicit partition, else murmur2 of
 * the key, else round-robin for keyless records. A partition is refused when it does not exist, when a record
 * is larger than the max message size (the topic's max.message.bytes, else the cluster's), or when an injected
 * send fault hits it; the other partitions are still written (inside a transaction they end up aborted).
 */
import { murmur2Partition } from '../murmur2.ts';
import type { OutputRecord } from '../types.ts';
import { MemoryBrokerError } from './broker-error.ts';
import type { FaultInjector } from './faults.ts';
import { recordBytes, type PartitionLog, type TransactionMark } from './partition-log.ts';

/** What the writer needs from the cluster. */
export interface WriteTarget {
  readonly faults: FaultInjector;
  /** The topic's partitions and settings, undefined when it does not exist. */
  topic(name: string): { readonly partitions: readonly PartitionLog[]; readonly maxMessageBytes: number; readonly logAppendTime: boolean } | undefined;
  nowMs(): number;
  changed(): void;
}

export interface WriteContext {
  readonly clientId: string;
  readonly transactionalId: string | null;
  /** The open transaction the records belong to; null outside transactions. */
  readonly txn: { readonly mark: TransactionMark; readonly partitions: Set<PartitionLog> } | null;
  /** Keyless round-robin position of the producer (mutated). */
  readonly keyless: { next: number };
}

export interface WriteFailure {
  readonly error: MemoryBrokerError;
  readonly topic: string;
  readonly partition: number;
}

export interface WriteResult {
  readonly appended: number;
  /** The first partition refused, if any. */
  readonly failure: WriteFailure | undefined;
}

export function writeRecords(target: WriteTarget, records: readonly OutputRecord[], context: WriteContext): WriteResult {
  const groups = new Map<string, { topic: string; partition: number; records: OutputRecord[] }>();
  let failure: WriteFailure | undefined;
  for (const record of records) {
    const topic = target.topic(record.topic);
    let partition = record.partition;
    if (partition === undefined && topic !== undefined) {
      const count = topic.partitions.length;
      partition = record.key !== null ? murmur2Partition(record.key, count) : context.keyless.next++ % count;
    }
    const key = `${record.topic}\u0000${partition ?? -1}`;
    let group = groups.get(key);
    if (group === undefined) {
      group = { topic: record.topic, partition: partition ?? -1, records: [] };
      groups.set(key, group);
    }
    group.records.push(record);
  }
  let appended = 0;
  for (const group of groups.values()) {
    const error = refusal(target, group.topic, group.partition, group.records, context);
    if (error !== undefined) {
      failure ??= { error, topic: group.topic, partition: group.partition };
      continue;
    }
    const topic = target.topic(group.topic);
    const log = topic?.partitions[group.partition] as PartitionLog;
    const mark = context.txn?.mark ?? null;
    for (const record of group.records) {
      if (topic?.logAppendTime === true) log.appendData({ ...record, timestampMs: target.nowMs() }, mark);
      else log.appendData(record, mark);
    }
    context.txn?.partitions.add(log);
    appended += group.records.length;
  }
  if (appended > 0) target.changed();
  return { appended, failure };
}

function refusal(target: WriteTarget, topicName: string, partition: number, records: readonly OutputRecord[], context: WriteContext): MemoryBrokerError | undefined {
  const topic = target.topic(topicName);
  if (topic === undefined || !Number.isInteger(partition) || partition < 0 || partition >= topic.partitions.length) {
    return new MemoryBrokerError('UNKNOWN_TOPIC_OR_PARTITION', `${topicName}/${partition} does not exist`);
  }
  const hit = target.faults.take('send-fails', {
    api: 'send',
    clientId: context.clientId,
    transactionalId: context.transactionalId,
    topic: topicName,
    partition,
  });
  if (hit !== undefined) {
    const retriable = hit.retriable ?? true;
    return new MemoryBrokerError(
      retriable ? 'NOT_LEADER_OR_FOLLOWER' : 'INVALID_TXN_STATE',
      `the send to ${topicName}/${partition} failed (injected fault)`,
      { injected: true, retriable },
    );
  }
  for (const record of records) {
    const bytes = recordBytes(record);
    if (bytes > topic.maxMessageBytes) {
      return new MemoryBrokerError(
        'MESSAGE_TOO_LARGE',
        `a record of ${bytes} bytes for ${topicName}/${partition} is larger than the maximum message size of ${topic.maxMessageBytes} bytes (max.message.bytes)`,
      );
    }
  }
  return undefined;
}
