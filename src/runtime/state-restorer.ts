import type { KafkaClient, PartitionReader } from '../kafka/types.ts';
import type { Logger } from '../logging/logger.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { Plan } from '../planner/plan.ts';
import { deleteSnapshot, loadSnapshot, readSnapshot, writeSnapshot, type SnapshottableStore } from '../state/snapshot.ts';
import { CHECKPOINT_KEY, decodeCheckpoint, LEGACY_WATERMARK_KEY, type Checkpoint } from '../eos/checkpoint.ts';
import { TaskCorruptedError } from '../errors/index.ts';
import type { StateStore } from '../state/state-store.ts';
import type { Task } from './task.ts';

/** Pseudo-offset keys under which a snapshot carries the task watermark and checkpoint. */
const SNAPSHOT_WATERMARK = '\u0000watermark';
const SNAPSHOT_INPUTS = '\u0000inputs';
const SNAPSHOT_CHECKPOINT = '\u0000checkpoint';
/** How many times a restore reads a changelog tail that appeared after its end offsets were read. */
const MAX_TAIL_ROUNDS = 5;

/** What a restore found. */
export interface RestoreResult {
  /** The last checkpoint in the changelog (or snapshot): watermark and the positions its commit made durable. */
  readonly checkpoint: Checkpoint | undefined;
  /** The changelog end offset (read_committed) each store was restored up to, by changelog topic. */
  readonly changelogEnds: ReadonlyMap<string, bigint>;
}

/** Thrown out of a restore when `shouldStop` turned true (the task was revoked or dropped meanwhile). */
export class RestoreCancelled extends Error {
  constructor(taskId: string) {
    super(`restore of task ${taskId} cancelled`);
  }
}

/**
 * Restores a task's stores by reading each store's changelog partition (read_committed) from the start to
 * its end offset; reports progress in metrics, the task status and logs. Returns the last checkpoint.
 */
export class StateRestorer {
  private reader: PartitionReader | undefined;

  constructor(
    private readonly client: KafkaClient,
    private readonly plan: Plan,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    /** `<stateDir>/<applicationId>`, or null when local snapshots are off. */
    private readonly snapshotDir: string | null,
  ) {}

  private async changelogEnds(task: Task): Promise<{ store: string; topic: string; low: bigint; high: bigint }[]> {
    const admin = this.client.admin();
    await admin.connect();
    const ranges: { store: string; topic: string; low: bigint; high: bigint }[] = [];
    try {
      for (const store of task.stores.values()) {
        const topic = this.plan.changelogTopics.get(store.name);
        if (topic === undefined) continue; // a table's store: restored from its source topic (restoreTables)
        const offsets = (await admin.topicOffsets(topic)).find((p) => p.partition === task.partition);
        if (offsets === undefined) continue;
        ranges.push({ store: store.name, topic, low: BigInt(offsets.low), high: BigInt(offsets.high) });
      }
    } finally {
      await admin.disconnect();
    }
    return ranges;
  }

  /**
   * After a clean close: writes the task's stores with the changelog offsets they cover, so the next start
   * replays only the tail. The offsets are read after the last commit; they may lag it (markers land a moment
   * later), which only makes the replayed tail longer: changelog records hold whole values, so replaying one
   * already in the snapshot changes nothing.
   */
  async snapshot(task: Task): Promise<void> {
    const stores = this.changelogged(task);
    if (this.snapshotDir === null || stores.length === 0) return;
    const ranges = await this.changelogEnds(task);
    const offsets: Record<string, string> = {};
    for (const range of ranges) offsets[range.store] = range.high.toString();
    offsets[SNAPSHOT_WATERMARK] = String(task.watermark.current());
    offsets[SNAPSHOT_INPUTS] = JSON.stringify(task.watermark.inputMaxima());
    const checkpoint: Record<string, string> = {};
    for (const topic of task.inputTopics) {
      const position = task.committedPosition(topic);
      if (position !== undefined) checkpoint[topic] = position;
    }
    offsets[SNAPSHOT_CHECKPOINT] = JSON.stringify(checkpoint);
    const path = await writeSnapshot(this.snapshotDir, task.id, stores as SnapshottableStore[], offsets);
    this.logger.info({ task: task.id, path, entries: stores.map((s) => `${s.name}=${s.size()}`) }, 'state snapshot written');
  }

  /** The task's stores with a changelog topic of their own (not tables read from a topic): what snapshots hold. */
  private changelogged(task: Task): StateStore[] {
    return [...task.stores.values()].filter((s) => this.plan.changelogTopics.has(s.name));
  }

  /**
   * Restores the stores of tables read from a topic (`t.table(...)`): their changelog is the source topic,
   * read (read_committed) from its start up to the task's committed position in it, where processing then
   * resumes. Call after `restore`, once the positions are final (a checkpoint may have moved them).
   */
  async restoreTables(task: Task, shouldStop: () => boolean): Promise<void> {
    const tables = [...task.stores.values()].filter((s) => this.plan.sourceChangelogs.has(s.name));
    if (tables.length === 0) return;
    const ranges: { store: StateStore; topic: string; low: bigint; high: bigint }[] = [];
    const admin = this.client.admin();
    await admin.connect();
    try {
      for (const store of tables) {
        const topic = this.plan.sourceChangelogs.get(store.name) as string;
        const position = task.committedPosition(topic);
        const low = (await admin.topicOffsets(topic)).find((p) => p.partition === task.partition)?.low;
        if (position === undefined || low === undefined) continue;
        ranges.push({ store, topic, low: BigInt(low), high: BigInt(position) });
      }
    } finally {
      await admin.disconnect();
    }
    const total = ranges.reduce((sum, r) => sum + Math.max(0, Number(r.high - r.low)), 0);
    if (total === 0) return;
    this.reader ??= this.client.partitionReader();
    const started = Date.now();
    this.logger.info({ task: task.id, records: total, tables: ranges.map((r) => `${r.store.name}<-${r.topic}`) }, 'restoring tables from their source topics');
    // Progress of this phase, for the task status (/readyz, the dashboard) and the restore metrics.
    const progress = task.restore;
    progress.begin('source-topics', ranges.map((r) => ({ store: r.store.name, topic: r.topic, partition: task.partition, fromOffset: r.low, toOffset: r.high })), started);
    task.restoreProgress = 0;
    let lastLog = started;
    for (const range of ranges) {
      if (range.high <= range.low) continue;
      const { store } = range;
      let remaining = Number(range.high - range.low);
      this.metrics.restoreRemaining.set({ store: store.name, task: task.id }, remaining);
      await this.reader.read({ topic: range.topic, partition: task.partition, fromOffset: range.low.toString(), toOffset: range.high.toString() }, (records) => {
        if (shouldStop()) throw new RestoreCancelled(task.id);
        for (const record of records) {
          if (record.key !== null) store.restore({ key: record.key, value: record.value });
        }
        const last = records[records.length - 1];
        if (last !== undefined) remaining = Math.max(0, Number(range.high - BigInt(last.offset) - 1n));
        this.metrics.restoreRecords.inc({ store: store.name }, records.length);
        this.metrics.restoreRemaining.set({ store: store.name, task: task.id }, remaining);
        const now = Date.now();
        if (last !== undefined) progress.advance(store.name, BigInt(last.offset) + 1n, records.length, now);
        task.restoreProgress = progress.fraction();
        if (now - lastLog > 2000) {
          lastLog = now;
          this.logger.info({ task: task.id, store: store.name, topic: range.topic, progress: `${Math.round(task.restoreProgress * 100)}%` }, 'restoring table');
        }
      });
      this.metrics.restoreRemaining.set({ store: store.name, task: task.id }, 0);
      progress.complete(store.name, Date.now());
      task.restoreProgress = progress.fraction();
    }
    progress.end();
    task.restoreProgress = 1;
    this.logger.info({ task: task.id, ms: Date.now() - started, entries: ranges.map((r) => `${r.store.name}=${r.store.size()}`) }, 'tables restored');
  }

  /**
   * Restores a task's stores: from the local snapshot plus the changelog tail when a snapshot exists and is
   * consistent with the changelogs, otherwise from each changelog's start. The snapshot is deleted once read:
   * it is only trusted right after the clean shutdown that wrote it.
   */
  async restore(task: Task, shouldStop: () => boolean): Promise<RestoreResult> {
    task.restoreProgress = 0;
    const ranges = await this.changelogEnds(task);
    const changelogEnds = new Map(ranges.map((r) => [r.topic, r.high]));
    let fromSnapshot: Checkpoint | undefined;
    if (this.snapshotDir !== null) {
      const snapshot = await readSnapshot(this.snapshotDir, task.id);
      await deleteSnapshot(this.snapshotDir, task.id);
      if (snapshot !== undefined) {
        const consistent = ranges.every((r) => {
          const from = snapshot.changelogOffsets[r.store];
          return from !== undefined && BigInt(from) >= r.low && BigInt(from) <= r.high;
        });
        if (consistent && loadSnapshot(snapshot, this.changelogged(task))) {
          for (const r of ranges) r.low = BigInt(snapshot.changelogOffsets[r.store] as string);
          const wm = snapshot.changelogOffsets[SNAPSHOT_WATERMARK];
          const positions = snapshot.changelogOffsets[SNAPSHOT_CHECKPOINT];
          const inputs = snapshot.changelogOffsets[SNAPSHOT_INPUTS];
          if (wm !== undefined) {
            fromSnapshot = {
              watermarkMs: Number(wm),
              offsets: positions === undefined ? {} : (JSON.parse(positions) as Record<string, string>),
              ...(inputs === undefined ? {} : { inputs: JSON.parse(inputs) as Record<string, number> }),
            };
          }
          this.logger.info({ task: task.id, tail: ranges.map((r) => `${r.store}=${r.high - r.low}`) }, 'state loaded from the local snapshot; replaying the changelog tail');
        } else {
          this.logger.warn({ task: task.id }, 'local snapshot does not match the changelogs; restoring fully');
          for (const store of task.stores.values()) store.clear();
        }
      }
    }
    let fromChangelog = await this.replay(task, ranges, shouldStop);
    // The end offsets are read once more after the replay. Nobody else writes this task's changelogs (its
    // fresh producer fenced any older one), so they must not have moved: if they did, the first answer was
    // stale (a broker recovering reports early ends) and the stores lack committed transactions. The tail is
    // read, and the ends read again, until they hold still.
    for (let round = 1; ; round++) {
      const again = await this.changelogEnds(task);
      const tails: typeof ranges = [];
      for (const now of again) {
        const before = ranges.find((r) => r.store === now.store);
        if (before === undefined || now.high === before.high) continue;
        if (now.high < before.high || round > MAX_TAIL_ROUNDS) {
          throw new TaskCorruptedError(
            `task ${task.id}: changelog ${now.topic} partition ${task.partition} ended at ${before.high} when restored and at ${now.high} just after; its end offsets do not hold still, so the restored state cannot be trusted; building the task again`,
            { retriable: true, context: { taskId: task.id, topic: now.topic, partition: task.partition } },
          );
        }
        tails.push({ ...now, low: before.high });
        before.high = now.high;
      }
      if (tails.length === 0) break;
      this.logger.warn({ task: task.id, tails: tails.map((t) => `${t.topic}: ${t.low}..${t.high}`) }, 'changelog end offsets were stale when the restore began; reading the rest');
      fromChangelog = (await this.replay(task, tails, shouldStop)) ?? fromChangelog;
      for (const t of tails) changelogEnds.set(t.topic, t.high);
    }
    return { checkpoint: fromChangelog ?? fromSnapshot, changelogEnds };
  }

  private async replay(task: Task, ranges: { store: string; topic: string; low: bigint; high: bigint }[], shouldStop: () => boolean): Promise<Checkpoint | undefined> {
    const total = ranges.reduce((sum, r) => sum + Number(r.high - r.low), 0);
    if (total === 0) {
      task.restoreProgress = 1;
      return undefined;
    }
    this.reader ??= this.client.partitionReader();
    let done = 0;
    let checkpoint: Checkpoint | undefined;
    let lastLog = Date.now();
    const started = Date.now();
    task.restoreProgress = 0;
    this.logger.info({ task: task.id, records: total }, 'restoring state from changelogs');
    // Progress of this phase, for the task status (/readyz, the dashboard); the metrics are set below.
    const progress = task.restore;
    progress.begin('changelogs', ranges.map((r) => ({ store: r.store, topic: r.topic, partition: task.partition, fromOffset: r.low, toOffset: r.high })), started);
    for (const range of ranges) {
      const store = task.stores.get(range.store);
      if (store === undefined || range.high <= range.low) continue;
      let remaining = Number(range.high - range.low);
      this.metrics.restoreRemaining.set({ store: range.store, task: task.id }, remaining);
      await this.reader.read({ topic: range.topic, partition: task.partition, fromOffset: range.low.toString(), toOffset: range.high.toString() }, async (records) => {
        if (shouldStop()) throw new RestoreCancelled(task.id);
        for (let i = 0; i < records.length; i++) {
          const record = records[i] as (typeof records)[number];
          const key = record.key;
          if (key === null) continue;
          if (key.length > 0 && key[0] === 0) {
            if (key.equals(CHECKPOINT_KEY)) {
              checkpoint = decodeCheckpoint(record.value) ?? checkpoint;
              continue;
            }
            if (key.equals(LEGACY_WATERMARK_KEY)) {
              if (record.value !== null) checkpoint = { watermarkMs: Number(record.value.toString()), offsets: checkpoint?.offsets ?? {} };
              continue;
            }
          }
          store.restore({ key, value: record.value });
        }
        const last = records[records.length - 1];
        const reached = last === undefined ? 0 : Number(BigInt(last.offset) + 1n - range.low);
        const before = Number(range.high - range.low) - remaining;
        const advanced = Math.max(0, reached - before);
        remaining -= advanced;
        done += advanced;
        this.metrics.restoreRecords.inc({ store: range.store }, records.length);
        this.metrics.restoreRemaining.set({ store: range.store, task: task.id }, Math.max(0, remaining));
        task.restoreProgress = Math.min(1, done / total);
        const now = Date.now();
        if (last !== undefined) progress.advance(range.store, BigInt(last.offset) + 1n, records.length, now);
        if (now - lastLog > 2000) {
          lastLog = now;
          this.logger.info({ task: task.id, progress: `${Math.round(task.restoreProgress * 100)}%` }, 'restoring');
        }
      });
      this.metrics.restoreRemaining.set({ store: range.store, task: task.id }, 0);
      progress.complete(range.store, Date.now());
    }
    progress.end();
    task.restoreProgress = 1;
    this.logger.info({ task: task.id, records: total, ms: Date.now() - started, entries: [...task.stores.values()].map((s) => `${s.name}=${s.size()}`) }, 'state restored');
    return checkpoint;
  }

  async close(): Promise<void> {
    await this.reader?.disconnect().catch(() => undefined);
    this.reader = undefined;
  }
}
