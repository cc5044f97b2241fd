/**
 * PartitionReader on the memory cluster: read_committed, no group. Hands over committed records of
 * [fromOffset, toOffset) in calls of up to maxFetchBytes; ends as soon as the position reaches toOffset (markers
 * and aborted records are passed over), and waits, without timers, while the last stable offset (an open
 * transaction) or the end of the log is below toOffset.
 */
import { KafkaError, OffsetOutOfRangeError } from '../../errors/index.ts';
import { toKafkaError } from '../client-errors.ts';
import type { ConsumedRecord, PartitionFetch, PartitionReader, TopicPartitionOffset } from '../types.ts';
import { MemoryBrokerError } from './broker-error.ts';
import type { ClientLink } from './client-link.ts';
import type { MemoryKafka } from './memory-kafka.ts';
import { nextTurn, Signal } from './signal.ts';

export class MemoryPartitionReader implements PartitionReader {
  private readonly wake = new Signal();
  private disconnected = false;

  constructor(
    private readonly cluster: MemoryKafka,
    private readonly link: ClientLink,
  ) {}

  async read(
    range: { topic: string; partition: number; fromOffset: string; toOffset: string },
    onRecords: (records: readonly ConsumedRecord[]) => void | Promise<void>,
  ): Promise<void> {
    const { topic, partition } = range;
    const to = Number(range.toOffset);
    let position = Number(range.fromOffset);
    if (position >= to) return;
    this.disconnected = false;
    let waiting = false;
    const untrack = this.cluster.track({
      get idle() {
        return waiting;
      },
      describe: () => `partition reader of ${this.link.clientId} on ${topic}/${partition} at ${position} (to ${to})`,
    });
    const unwatch = this.cluster.watch(() => this.wake.notify());
    this.link.onCut(() => this.wake.notify());
    try {
      while (position < to) {
        await nextTurn();
        if (this.disconnected) throw new KafkaError(`reading ${topic}/${partition} failed: the reader was disconnected`, { context: { topic, partition } });
        this.link.check();
        const log = this.cluster.log(topic, partition);
        if (log === undefined) throw new MemoryBrokerError('UNKNOWN_TOPIC_OR_PARTITION', `${topic}/${partition} does not exist`);
        if (position < log.logStartOffset || position > log.endOffset) {
          throw new MemoryBrokerError(
            'OFFSET_OUT_OF_RANGE',
            `offset ${position} is outside ${topic}/${partition}'s log [${log.logStartOffset}, ${log.endOffset}]`,
          );
        }
        if (position >= log.lastStableOffset) {
          // An open transaction (or the end of the log) lies below toOffset: wait until it moves.
          waiting = true;
          this.cluster.noteIdle();
          await this.wake.wait();
          waiting = false;
          continue;
        }
        const { records, next } = log.readCommitted(position, to, this.cluster.maxFetchBytes);
        position = next;
        if (records.length > 0) await onRecords(records);
      }
    } catch (error) {
      throw toKafkaError(error, `reading ${topic}/${partition}`, { topic, partition, offset: String(position) });
    } finally {
      unwatch();
      untrack();
    }
  }

  /**
   * One fetch for a follower (see PartitionReader.fetch): the committed records from the offset up to the LSO
   * (up to maxFetchBytes). With nothing readable there, waits for a change in the cluster or for maxWaitMs
   * (Kafka's fetch.max.wait, the one timer here), then looks once more.
   */
  async fetch(position: TopicPartitionOffset, options: { readonly maxWaitMs: number }): Promise<PartitionFetch> {
    const { topic, partition } = position;
    const from = Number(position.offset);
    this.disconnected = false;
    let waiting = false;
    const untrack = this.cluster.track({
      get idle() {
        return waiting;
      },
      describe: () => `partition reader of ${this.link.clientId} fetching ${topic}/${partition} at ${from}`,
    });
    const unwatch = this.cluster.watch(() => this.wake.notify());
    // A killed client fails at the next check; a wait ends by maxWaitMs at the latest.
    try {
      for (let attempt = 0; ; attempt++) {
        await nextTurn();
        if (this.disconnected) throw new KafkaError(`reading ${topic}/${partition} failed: the reader was disconnected`, { context: { topic, partition } });
        this.link.check();
        const log = this.cluster.log(topic, partition);
        if (log === undefined) throw new MemoryBrokerError('UNKNOWN_TOPIC_OR_PARTITION', `${topic}/${partition} does not exist`);
        if (from < log.logStartOffset || from > log.endOffset) {
          throw new OffsetOutOfRangeError(`reading ${topic}/${partition} at offset ${from} failed: the offset is outside the partition's log [${log.logStartOffset}, ${log.endOffset}]`, {
            context: { topic, partition, offset: String(from) },
          });
        }
        const lastStableOffset = String(log.lastStableOffset);
        if (from < log.lastStableOffset) {
          const { records, next } = log.readCommitted(from, log.lastStableOffset, this.cluster.maxFetchBytes);
          return { records, nextOffset: String(next), lastStableOffset };
        }
        if (attempt > 0 || options.maxWaitMs <= 0) return { records: [], nextOffset: String(from), lastStableOffset };
        waiting = true;
        this.cluster.noteIdle();
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([this.wake.wait(), new Promise<void>((resolve) => (timer = setTimeout(resolve, options.maxWaitMs)))]);
        clearTimeout(timer);
        waiting = false;
      }
    } catch (error) {
      throw toKafkaError(error, `reading ${topic}/${partition}`, { topic, partition, offset: String(from) });
    } finally {
      unwatch();
      untrack();
    }
  }

  async disconnect(): Promise<void> {
    this.disconnected = true;
    this.wake.notify();
  }
}
