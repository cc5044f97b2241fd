import { describe, expect, it } from 'vitest';
import { demoRecords, dueRecords, isDemoFeed, sourceSerdes, startDemoFeed, type DemoFeed } from '../../../src/dev/demo-feed.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import type { OutputRecord, Producer } from '../../../src/kafka/types.ts';
import { plan } from '../../../src/planner/plan.ts';
import { TopologyError } from '../../../src/index.ts';
import quickstart, { demo } from '../../../topologies/quickstart.ts';

describe('demo feed', () => {
  it.each([
    [0, 20, 0, 0],
    [100, 20, 0, 2],
    [1000, 20, 2, 18],
    [1000, 20, 20, 0],
    [60_000, 20, 0, 20], // far behind: at most one second's worth per tick
    [500, 3, 0, 1],
  ])('after %d ms at %d/s with %d sent, %d are due', (elapsedMs, rate, sent, due) => {
    expect(dueRecords(elapsedMs, rate, sent)).toBe(due);
  });

  it('serializes records with the serdes of the source that reads the topic', () => {
    const serdes = sourceSerdes(plan(quickstart), demo.topic);
    const records = demoRecords(demo as DemoFeed, serdes, 40, 3, 1_000);
    expect(records.map((r) => [r.topic, r.key?.toString(), r.timestampMs])).toEqual([
      ['clicks', 'session-1', 1_000],
      ['clicks', 'session-2', 1_000],
      ['clicks', 'session-3', 1_000],
    ]);
    expect(JSON.parse(records[0]?.value?.toString() ?? '')).toEqual({ url: 'https://shop.example/', userAgent: 'Googlebot/2.1', ts: 1_000 });
  });

  it('refuses a topic the topology does not read', () => {
    expect(() => sourceSerdes(plan(quickstart), 'nope')).toThrow(TopologyError);
    expect(() => sourceSerdes(plan(quickstart), 'nope')).toThrow(/writes to "nope", which the topology does not read \(expected one of: clicks\)/);
  });

  it('recognises demo feeds', () => {
    expect(isDemoFeed(demo)).toBe(true);
    expect(isDemoFeed({ topic: 'x', record: () => ({ key: 1, value: 2 }), ratePerSec: 0 })).toBe(false);
    expect(isDemoFeed({ topic: 'x' })).toBe(false);
  });

  it('produces at its rate on a clock and stops', async () => {
    let nowMs = 0;
    const sent: OutputRecord[][] = [];
    let connected = false;
    const producer: Producer = {
      connect: async () => {
        connected = true;
      },
      send: async (records) => {
        sent.push([...records]);
      },
      disconnect: async () => {
        connected = false;
      },
    };
    const running = await startDemoFeed({ feed: { ...demo, ratePerSec: 10 } as DemoFeed, plan: plan(quickstart), producer, logger: createLogger({ level: 'silent' }), now: () => nowMs });
    expect(connected).toBe(true);
    nowMs = 1_000;
    const deadline = Date.now() + 10_000;
    while (running.sent() < 10 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await running.stop();
    expect(running.sent()).toBe(10);
    expect(sent.flat()).toHaveLength(10);
    expect(connected).toBe(false);
  });
});
