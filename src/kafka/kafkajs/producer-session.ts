/**
 * What KafkajsTransactionalProducer needs from the producer underneath it: one initialised transactional producer
 * and its transactions. Two implementations: wire-producer-session.ts (the default: record batches encoded by
 * src/kafka/wire/, one Produce request per broker per send) and kafkajs-producer-session.ts (kafkajs's own
 * producer, kept behind the `producePath: 'kafkajs'` client option).
 */
import type { GroupMember, OutputRecord, TransactionScope } from '../types.ts';

export interface OffsetsOfTopic {
  readonly topic: string;
  readonly partitions: { readonly partition: number; readonly offset: string }[];
}

export interface TransactionSession {
  send(records: readonly OutputRecord[]): Promise<void>;
  /**
   * AddOffsetsToTxn + TxnOffsetCommit; errors as kafkajs raises them (the caller retries CONCURRENT_TRANSACTIONS).
   * With `member`, TxnOffsetCommit carries its generation (v3; the wire path only).
   */
  sendOffsets(groupId: string, topics: readonly OffsetsOfTopic[], member?: GroupMember): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

export interface ProducerSession {
  /**
   * Connects and initialises the transactional id: fences older producers with that id and ends their transaction.
   * With a scope, it then ends what earlier producers of the id left open there where the coordinator no longer
   * knows of it (leftover-abort.ts).
   */
  connect(scope?: TransactionScope): Promise<void>;
  begin(): Promise<TransactionSession>;
  disconnect(): Promise<void>;
}

export type ProducePath = 'wire' | 'kafkajs';
