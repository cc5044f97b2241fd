import { TopologyError } from '../errors/index.ts';
import type { OutputRecord, Producer } from '../kafka/types.ts';
import type { Logger } from '../logging/logger.ts';
import type { Plan } from '../planner/plan.ts';
import type { Serde } from '../serde/serde.ts';

/**
 * Sample input for `sluice dev --demo`. A topology module that exports one as `demo` gets it fed to its source
 * topic at a steady rate while it runs, so windows fill and close without a second terminal:
 *
 *   export const demo: DemoFeed<string | null, Click> = {
 *     topic: 'clicks',
 *     record: (i, nowMs) => ({ key: `session-${i % 13}`, value: { url: '/cart', ts: nowMs } }),
 *   };
 *
 * Records are serialized with the source's own serdes; their Kafka timestamp is the wall clock.
 */
export interface DemoFeed<K = unknown, V = unknown> {
  /** The source topic to write to (one the topology reads with `t.stream(...)`). */
  readonly topic: string;
  /** Records per second; default 20. */
  readonly ratePerSec?: number;
  /** The i-th record (i counts from 0); `nowMs` is the wall clock when it is produced. */
  record(i: number, nowMs: number): { readonly key: K; readonly value: V };
}

export function isDemoFeed(value: unknown): value is DemoFeed {
  if (typeof value !== 'object' || value === null) return false;
  const { topic, record, ratePerSec } = value as { topic?: unknown; record?: unknown; ratePerSec?: unknown };
  return typeof topic === 'string' && typeof record === 'function' && (ratePerSec === undefined || (typeof ratePerSec === 'number' && ratePerSec > 0));
}

/** How many records are due after `elapsedMs` at `ratePerSec` when `sent` were sent already (a steady rate, no bursts to catch up more than 1 s). */
export function dueRecords(elapsedMs: number, ratePerSec: number, sent: number): number {
  const target = Math.floor((elapsedMs * ratePerSec) / 1000);
  return Math.max(0, Math.min(target - sent, Math.ceil(ratePerSec)));
}

interface SourceSerdes {
  readonly key: Serde<unknown>;
  readonly value: Serde<unknown>;
}

/** The serdes of the source that reads `topic`; a TopologyError when no source does. */
export function sourceSerdes(plan: Plan, topic: string): SourceSerdes {
  for (const sub of plan.subtopologies) {
    for (const entry of sub.entries) {
      if (entry.kind === 'source' && entry.topic === topic) return { key: entry.node.keySerde, value: entry.node.valueSerde };
    }
  }
  throw new TopologyError(`the demo feed writes to "${topic}", which the topology does not read (expected one of: ${plan.sourceTopics.join(', ')})`);
}

/** Records [from, from + count) of the feed, serialized for `topic`. */
export function demoRecords(feed: DemoFeed, serdes: SourceSerdes, from: number, count: number, nowMs: number): OutputRecord[] {
  const records: OutputRecord[] = [];
  for (let i = from; i < from + count; i++) {
    const { key, value } = feed.record(i, nowMs);
    records.push({
      topic: feed.topic,
      key: serdes.key.serialize(key, { topic: feed.topic, isKey: true }),
      value: serdes.value.serialize(value, { topic: feed.topic, isKey: false }),
      timestampMs: nowMs,
    });
  }
  return records;
}

export interface RunningDemoFeed {
  /** Records sent so far. */
  sent(): number;
  /** Stops producing and disconnects the producer. */
  stop(): Promise<void>;
}

/** Produces the feed every 100 ms at its rate until stopped. A failed send is logged and retried on the next tick. */
export async function startDemoFeed(options: { feed: DemoFeed; plan: Plan; producer: Producer; logger: Logger; now?: () => number }): Promise<RunningDemoFeed> {
  const { feed, producer, logger } = options;
  const now = options.now ?? Date.now;
  const serdes = sourceSerdes(options.plan, feed.topic);
  const rate = feed.ratePerSec ?? 20;
  await serdes.key.prepare?.({ topic: feed.topic, isKey: true });
  await serdes.value.prepare?.({ topic: feed.topic, isKey: false });
  await producer.connect();
  const startedMs = now();
  let sent = 0;
  let busy: Promise<void> = Promise.resolve();
  let failures = 0;
  const tick = () => {
    busy = busy.then(async () => {
      const count = dueRecords(now() - startedMs, rate, sent);
      if (count === 0) return;
      try {
        await producer.send(demoRecords(feed, serdes, sent, count, now()));
        sent += count;
        failures = 0;
      } catch (error) {
        if (failures++ === 0) logger.warn({ err: error, topic: feed.topic }, 'demo feed: send failed; retrying');
      }
    });
  };
  const timer = setInterval(tick, 100);
  logger.info({ topic: feed.topic, ratePerSec: rate }, `demo feed: writing ${rate} records/s to ${feed.topic}`);
  return {
    sent: () => sent,
    async stop() {
      clearInterval(timer);
      await busy;
      await producer.disconnect().catch(() => undefined);
    },
  };
}
