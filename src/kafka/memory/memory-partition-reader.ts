/**
 * PartitionReader on the memory cluster: read_committed, no group. Hands over committed records of
 * [fromOffset, toOffset) in calls of up to maxFetchBytes; ends as soon as the position reaches toOffset (markers
 * and aborted records are passed over), and waits, without timers, while the last stable offset (an open
 * transaction) or the end of the log is below toOffset.
 */
import { KafkaError } from '../../errors/index.ts';
import { toKafkaError } from '../kafkajs/errors.ts';
import type { ConsumedRecord, PartitionReader } from '../types.ts';
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

  async disconnect(): Promise<void> {
    this.disconnected = true;
    this.wake.notify();
  }
}
