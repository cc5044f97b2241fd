import type { KafkaClient, PartitionReader } from '../kafka/types.ts';
import type { Logger } from '../logging/logger.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { Plan } from '../planner/plan.ts';
import type { Task } from './task.ts';

/** Reserved changelog key carrying the task watermark (in the changelog of the task's first store). */
export const WATERMARK_KEY = Buffer.from('\u0000sluice.watermark');

/**
 * Restores a task's stores by reading each store's changelog partition (read_committed) from the start to
 * its end offset; reports progress in metrics, the task status and logs. Returns the persisted watermark.
 */
export class StateRestorer {
  private reader: PartitionReader | undefined;

  constructor(
    private readonly client: KafkaClient,
    private readonly plan: Plan,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
  ) {}

  async restore(task: Task, heartbeat: () => Promise<void>): Promise<number | undefined> {
    const admin = this.client.admin();
    await admin.connect();
    const ranges: { store: string; topic: string; low: bigint; high: bigint }[] = [];
    try {
      for (const store of task.stores.values()) {
        const topic = this.plan.changelogTopics.get(store.name) as string;
        const offsets = (await admin.topicOffsets(topic)).find((p) => p.partition === task.partition);
        if (offsets === undefined) continue;
        ranges.push({ store: store.name, topic, low: BigInt(offsets.low), high: BigInt(offsets.high) });
      }
    } finally {
      await admin.disconnect();
    }
    const total = ranges.reduce((sum, r) => sum + Number(r.high - r.low), 0);
    if (total === 0) {
      task.restoreProgress = 1;
      return undefined;
    }
    this.reader ??= this.client.partitionReader();
    let done = 0;
    let watermarkMs: number | undefined;
    let lastLog = Date.now();
    let lastBeat = Date.now();
    const started = Date.now();
    task.restoreProgress = 0;
    this.logger.info({ task: task.id, records: total }, 'restoring state from changelogs');
    for (const range of ranges) {
      const store = task.stores.get(range.store);
      if (store === undefined || range.high <= range.low) continue;
      store.clear();
      let remaining = Number(range.high - range.low);
      this.metrics.restoreRemaining.set({ store: range.store, task: task.id }, remaining);
      await this.reader.read({ topic: range.topic, partition: task.partition, fromOffset: range.low.toString(), toOffset: range.high.toString() }, async (records) => {
        for (let i = 0; i < records.length; i++) {
          const record = records[i] as (typeof records)[number];
          const key = record.key;
          if (key !== null && key.equals(WATERMARK_KEY)) {
            if (record.value !== null) watermarkMs = Number(record.value.toString());
            continue;
          }
          if (key !== null) store.restore({ key, value: record.value });
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
        if (now - lastBeat > 1000) {
          lastBeat = now;
          await heartbeat();
        }
        if (now - lastLog > 2000) {
          lastLog = now;
          this.logger.info({ task: task.id, progress: `${Math.round(task.restoreProgress * 100)}%` }, 'restoring');
        }
      });
      this.metrics.restoreRemaining.set({ store: range.store, task: task.id }, 0);
    }
    task.restoreProgress = 1;
    this.logger.info({ task: task.id, records: total, ms: Date.now() - started, entries: [...task.stores.values()].map((s) => `${s.name}=${s.size()}`) }, 'state restored');
    return watermarkMs;
  }

  async close(): Promise<void> {
    await this.reader?.disconnect().catch(() => undefined);
    this.reader = undefined;
  }
}
