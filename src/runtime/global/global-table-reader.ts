import type { ErrorPolicy } from '../../dsl/define-topology.ts';
import { DeserializationError, OffsetOutOfRangeError, SluiceError } from '../../errors/index.ts';
import type { Admin, ConsumedRecord, KafkaClient, PartitionReader } from '../../kafka/types.ts';
import type { Logger } from '../../logging/logger.ts';
import { RateLimitedLog } from '../../logging/rate-limited.ts';
import type { Metrics } from '../../metrics/metrics.ts';
import type { GlobalTableStore } from './global-table-store.ts';
import { ProgressRate } from '../progress-rate.ts';
import type { GlobalTableStatus } from '../status.ts';

/**
 * Lifecycle of one global table's reader:
 *
 *   created ──start──▶ restoring ──every partition at its start-time end──▶ following
 *                          │                                                   │
 *                          └──────────── stop ──▶ stopped ◀──── stop ──────────┘
 *   any ──fatal error──▶ failed
 */
export type GlobalReaderState = GlobalTableStatus['state'];

const TRANSITIONS: Readonly<Record<GlobalReaderState, readonly GlobalReaderState[]>> = {
  created: ['restoring', 'stopped', 'failed'],
  restoring: ['following', 'stopped', 'failed'],
  following: ['stopped', 'failed'],
  stopped: [],
  failed: [],
};

export interface GlobalTableReaderOptions {
  readonly client: KafkaClient;
  readonly store: GlobalTableStore;
  readonly logger: Logger;
  readonly metrics?: Metrics;
  /** The topology's policy for a record that does not deserialize: 'fail' stops, otherwise it is skipped and counted. */
  readonly onError: ErrorPolicy;
  /** How long one fetch waits on the broker for new data (bounds how late an update is seen when traffic is light). */
  readonly maxWaitMs: number;
  /** A fatal error after the restore finished (during it, `start()` rejects instead). */
  readonly onFatal: (error: Error) => void;
}

/** Where one partition's reader stands. */
interface PartitionProgress {
  readonly partition: number;
  position: bigint;
  /** The log start when the reader started: where the restore began. */
  readonly restoreStart: bigint;
  /** The read_committed end when the reader started: restoring ends when every partition reached it. */
  readonly restoreEnd: bigint;
  restored: boolean;
  /** The partition's last stable offset as of its latest fetch (null before the first answer). */
  lastStable: bigint | null;
  reader: PartitionReader;
}

/** How far the restore of one global table got, and whether it is still behind its topic. */
export interface GlobalTableProgress {
  readonly restored: number;
  readonly partitions: number;
  /** Null before the end offsets were read. */
  readonly restore: NonNullable<GlobalTableStatus['restore']> | null;
  readonly lag: number | null;
}

const MAX_BACKOFF_MS = 5_000;

/**
 * Keeps one global table up to date on this instance: reads every partition of its topic, read_committed and
 * outside any consumer group, with its own positions (nothing is committed). `start()` reads the end offsets
 * (the last stable offsets), reads each partition from its log start and resolves once every partition reached
 * the end it had then; the same loops then go on applying new records in the background.
 *
 * Failures: a retriable broker error retries that partition with backoff (logged, rate-limited); an offset out
 * of range (retention removed records under the reader, or the topic was recreated) drops that partition's
 * entries and reads it again from its log start; anything else is fatal.
 */
export class GlobalTableReader {
  private state: GlobalReaderState = 'created';
  private partitions: PartitionProgress[] = [];
  private admin: Admin | undefined;
  private readonly retryLog: RateLimitedLog;
  private readonly skipLog: RateLimitedLog;
  private restoredCount = 0;
  private settleRestore: { resolve: () => void; reject: (error: Error) => void } | undefined;
  private loops: Promise<void>[] = [];
  /** Records applied while restoring, and when the restore began and ended (for status and logs). */
  private restoreRecords = 0;
  private restoreStartedMs: number | undefined;
  private restoreDurationMs: number | null = null;
  private readonly restoreRate = new ProgressRate();

  constructor(private readonly options: GlobalTableReaderOptions) {
    this.retryLog = new RateLimitedLog(options.logger, { intervalMs: 10_000 });
    this.skipLog = new RateLimitedLog(options.logger, { intervalMs: 10_000 });
  }

  get name(): string {
    return this.options.store.name;
  }

  get currentState(): GlobalReaderState {
    return this.state;
  }

  /** Partitions that reached their restore end, of all; offsets read of those to read; the lag behind the topic. */
  progress(nowMs = Date.now()): GlobalTableProgress {
    const partitions = this.partitions.length;
    if (this.restoreStartedMs === undefined) return { restored: this.restoredCount, partitions, restore: null, lag: null };
    const totalOffsets = this.partitions.reduce((sum, p) => sum + Number(p.restoreEnd - p.restoreStart), 0);
    const readOffsets = this.restoredOffsets();
    let lag: number | null = 0;
    for (const p of this.partitions) {
      if (p.lastStable === null) {
        // Not fetched yet: only a partition with nothing to read is known to be current.
        if (p.restoreEnd > p.restoreStart) lag = null;
        continue;
      }
      if (lag !== null) lag += Math.max(0, Number(p.lastStable - p.position));
    }
    const done = this.restoreDurationMs !== null;
    return {
      restored: this.restoredCount,
      partitions,
      restore: {
        totalOffsets,
        readOffsets,
        records: this.restoreRecords,
        offsetsPerSec: done ? null : this.restoreRate.perSecond(nowMs),
        etaMs: done ? 0 : this.restoreRate.etaMs(totalOffsets - readOffsets, nowMs),
        durationMs: this.restoreDurationMs,
      },
      lag,
    };
  }

  /** Offsets the restore passed, over every partition, each counted up to its restore end. */
  private restoredOffsets(): number {
    let read = 0;
    for (const p of this.partitions) {
      const upTo = p.restored || p.position >= p.restoreEnd ? p.restoreEnd : p.position;
      read += Math.max(0, Number(upTo - p.restoreStart));
    }
    return read;
  }

  private transitionTo(next: GlobalReaderState): void {
    if (!TRANSITIONS[this.state].includes(next)) throw new Error(`global table reader ${this.name}: illegal transition ${this.state} -> ${next}`);
    this.state = next;
  }

  /**
   * Restores the table to the topic's current end and keeps following it. Resolves when restored (or when
   * stopped first); rejects on a fatal error during the restore.
   */
  async start(): Promise<void> {
    this.transitionTo('restoring');
    const { client, store, logger } = this.options;
    const admin = client.admin();
    this.admin = admin;
    const offsets = await this.retrying('reading the end offsets of the global table topic', async () => {
      await admin.connect();
      return admin.topicOffsets(store.topic);
    });
    await store.spec.keySerde.prepare?.({ topic: store.topic, isKey: true });
    if (this.state !== 'restoring' || offsets === undefined) return;
    this.partitions = offsets.map((o) => ({
      partition: o.partition,
      position: BigInt(o.low),
      restoreStart: BigInt(o.low),
      restoreEnd: BigInt(o.high),
      restored: BigInt(o.low) >= BigInt(o.high),
      lastStable: null,
      reader: client.partitionReader(),
    }));
    this.restoredCount = this.partitions.filter((p) => p.restored).length;
    const total = this.partitions.reduce((sum, p) => sum + Number(p.restoreEnd - p.position), 0);
    logger.info({ globalTable: store.name, topic: store.topic, partitions: this.partitions.length, offsets: total }, 'restoring global table');
    const started = Date.now();
    this.restoreStartedMs = started;
    this.restoreRate.sample(0, started);
    for (const p of this.partitions) {
      this.options.metrics?.restoreRemaining.set({ store: store.name, task: `global-${p.partition}` }, Number(p.restoreEnd - p.position));
    }
    const restored = new Promise<void>((resolve, reject) => {
      this.settleRestore = { resolve, reject };
    });
    this.checkRestored();
    this.loops = this.partitions.map((p) => this.follow(p));
    await restored;
    if (this.state === 'restoring') {
      this.restoreDurationMs = Date.now() - started;
      this.transitionTo('following');
      logger.info({ globalTable: store.name, entries: store.size, ms: Date.now() - started }, 'global table restored; following its topic');
    }
  }

  /** Runs `step` until it succeeds, retrying retriable errors with backoff; undefined when stopped meanwhile. */
  private async retrying<T>(what: string, step: () => Promise<T>): Promise<T | undefined> {
    for (let failures = 1; ; failures++) {
      try {
        return await step();
      } catch (error) {
        if (this.state !== 'restoring' && this.state !== 'following') return undefined;
        if (!(error instanceof SluiceError) || !error.retriable) throw error;
        const delayMs = Math.min(MAX_BACKOFF_MS, 100 * 2 ** Math.min(failures, 10));
        this.retryLog.warn(`${this.options.store.topic}:offsets`, { globalTable: this.name, err: error, retryInMs: delayMs }, `${what} failed; retrying`);
        await sleep(delayMs);
      }
    }
  }

  private checkRestored(): void {
    if (this.state !== 'restoring' || this.restoredCount < this.partitions.length) return;
    this.settleRestore?.resolve();
  }

  private async follow(p: PartitionProgress): Promise<void> {
    const { store, maxWaitMs, metrics } = this.options;
    let failures = 0;
    while (this.state === 'restoring' || this.state === 'following') {
      try {
        const fetched = await p.reader.fetch({ topic: store.topic, partition: p.partition, offset: p.position.toString() }, { maxWaitMs });
        if (this.state !== 'restoring' && this.state !== 'following') return;
        if (fetched.records.length > 0) await this.apply(p.partition, fetched.records);
        p.position = BigInt(fetched.nextOffset);
        p.lastStable = BigInt(fetched.lastStableOffset);
        failures = 0;
        metrics?.globalTableLag.set({ store: store.name, partition: String(p.partition) }, Math.max(0, Number(p.lastStable - p.position)));
        if (!p.restored) {
          this.restoreRecords += fetched.records.length;
          this.restoreRate.sample(this.restoredOffsets(), Date.now());
          metrics?.restoreRecords.inc({ store: store.name }, fetched.records.length);
          metrics?.restoreRemaining.set({ store: store.name, task: `global-${p.partition}` }, Math.max(0, Number(p.restoreEnd - p.position)));
          if (p.position >= p.restoreEnd) {
            p.restored = true;
            this.restoredCount++;
            this.checkRestored();
          }
        }
      } catch (error) {
        if (this.state !== 'restoring' && this.state !== 'following') return;
        if (error instanceof OffsetOutOfRangeError) {
          await this.restartPartition(p, error).catch((e: unknown) => this.fatal(e as Error));
          continue;
        }
        if (error instanceof SluiceError && error.retriable) {
          failures++;
          const delayMs = Math.min(MAX_BACKOFF_MS, 100 * 2 ** Math.min(failures, 10));
          this.retryLog.warn(`${store.topic}:${p.partition}`, { globalTable: store.name, topic: store.topic, partition: p.partition, err: error, retryInMs: delayMs }, 'reading the global table failed; retrying');
          await sleep(delayMs);
          continue;
        }
        this.fatal(error as Error);
        return;
      }
    }
  }

  /** Applies fetched records in order; a record that does not deserialize follows the topology's onError policy. */
  private async apply(partition: number, records: readonly ConsumedRecord[]): Promise<void> {
    const { store, metrics, onError } = this.options;
    const valueSerde = store.spec.valueSerde;
    if (valueSerde.prepare !== undefined) await valueSerde.prepare({ topic: store.topic, isKey: false, payloads: records.map((r) => r.value) });
    for (let i = 0; i < records.length; i++) {
      const record = records[i] as ConsumedRecord;
      try {
        store.apply(partition, record);
      } catch (error) {
        if (!(error instanceof DeserializationError) || onError === 'fail') throw new GlobalTableFatal(error as Error);
        metrics?.droppedRecords.inc({ reason: 'deserialization' });
        this.skipLog.warn(
          `${store.topic}:${partition}`,
          { globalTable: store.name, topic: store.topic, partition, offset: record.offset, err: error },
          'global table record skipped: it does not deserialize',
        );
      }
    }
    metrics?.storeEntries.set({ store: store.name, task: 'global' }, store.size);
  }

  /** The position fell outside the log: this partition's entries are dropped and it is read again from its start. */
  private async restartPartition(p: PartitionProgress, error: OffsetOutOfRangeError): Promise<void> {
    const { store, logger } = this.options;
    const offsets = await this.retrying('reading the log start of a global table partition', () => (this.admin as Admin).topicOffsets(store.topic));
    if (offsets === undefined) return;
    const low = BigInt(offsets.find((o) => o.partition === p.partition)?.low ?? '0');
    logger.warn({ globalTable: store.name, topic: store.topic, partition: p.partition, position: p.position.toString(), logStart: low.toString(), err: error }, 'global table position is out of range; reading the partition again from its start');
    store.clearPartition(p.partition);
    p.position = low;
  }

  private fatal(error: Error): void {
    if (this.state !== 'restoring' && this.state !== 'following') return;
    const cause = error instanceof GlobalTableFatal ? error.error : error;
    const wasRestoring = this.state === 'restoring';
    this.transitionTo('failed');
    this.options.logger.error({ globalTable: this.name, err: cause }, `global table ${this.name} failed: ${cause.message}`);
    void this.release();
    if (wasRestoring) this.settleRestore?.reject(cause);
    else this.options.onFatal(cause);
  }

  /** Stops reading; waits for the partition loops to end. */
  async stop(): Promise<void> {
    if (this.state === 'stopped' || this.state === 'failed') return;
    this.transitionTo('stopped');
    this.settleRestore?.resolve();
    await this.release();
    await Promise.allSettled(this.loops);
  }

  private async release(): Promise<void> {
    await Promise.allSettled(this.partitions.map((p) => p.reader.disconnect()));
    await this.admin?.disconnect().catch(() => undefined);
    this.admin = undefined;
  }
}

/** Marks an error in applying records as fatal whatever its retriable flag. */
class GlobalTableFatal extends Error {
  constructor(readonly error: Error) {
    super(error.message);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref?.());
}
