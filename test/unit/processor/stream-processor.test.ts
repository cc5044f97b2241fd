import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  defineTopology, serdes, stores, tumbling, type Stream, type StreamProcessor, type StreamProcessorContext, type StreamRecord, TopologyError,
} from '../../../src/index.ts';
import { TopologyTestDriver } from '../../../src/testing/index.ts';
import { plan } from '../../../src/planner/plan.ts';

const str = serdes.string();

interface Order {
  readonly customer: string;
  readonly amount: number;
}

interface Seen {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly timestampMs: number;
  readonly source: string | undefined;
  readonly amount: number;
}

describe('stream.process', () => {
  it('gives the record with its metadata and headers, and forwards typed output (K2, V2)', () => {
    const topology = defineTopology({ applicationId: 'meta' }, (t) => {
      const out = t.stream('orders', { key: str, value: serdes.json<Order>(), timestamp: (o) => o.amount * 1000 })
        .process((): StreamProcessor<string, Order, number, Seen> => {
          let context: StreamProcessorContext<string, number, Seen>;
          return {
            init(c) {
              context = c;
            },
            process(r: StreamRecord<string, Order>) {
              const source = r.headers.source;
              context.forward({
                key: r.value.amount,
                value: { topic: r.topic, partition: r.partition, offset: r.offset, timestampMs: r.timestampMs, source: source === undefined ? undefined : String(source), amount: r.value.amount },
              });
            },
          };
        });
      expectTypeOf(out).toEqualTypeOf<Stream<number, Seen>>();
      out.to('seen', { key: serdes.json<number>(), value: serdes.json<Seen>() });
    });
    const driver = new TopologyTestDriver(topology, { partitions: 2 });
    const input = driver.input<string, Order>('orders');
    input.pipe('c1', { customer: 'c1', amount: 3 }, { partition: 1, headers: { source: 'web' } });
    input.pipe('c1', { customer: 'c1', amount: 4 }, { partition: 1 });
    const out = driver.readOutput<number, Seen>('seen');
    expect(out.map((r) => [r.key, r.value, r.timestampMs])).toEqual([
      [3, { topic: 'orders', partition: 1, offset: '0', timestampMs: 3000, source: 'web', amount: 3 }, 3000],
      [4, { topic: 'orders', partition: 1, offset: '1', timestampMs: 4000, amount: 4 }, 4000],
    ]);
  });

  it('runs a built-in aggregation written on the processor API with the same output as groupByKey().count()', () => {
    const counts = stores.keyValue<string, number>('my-counts', { key: str, value: serdes.json<number>() });
    class Count implements StreamProcessor<string, string, string, number, typeof counts> {
      private context!: StreamProcessorContext<string, string, number, typeof counts>;
      init(context: StreamProcessorContext<string, string, number, typeof counts>): void {
        this.context = context;
      }
      process(record: StreamRecord<string, string>): void {
        const store = this.context.store(counts);
        const n = (store.get(record.key) ?? 0) + 1;
        store.put(record.key, n);
        this.context.forward({ key: record.key, value: n });
      }
    }
    const topology = defineTopology({ applicationId: 'counts' }, (t) => {
      const words = t.stream('words', { key: str, value: str });
      words.process(() => new Count(), { stores: [counts] }).to('custom', { key: str, value: serdes.json<number>() });
      words.groupByKey().count({ name: 'builtin' }).toStream().to('builtin', { key: str, value: serdes.json<number>() });
    });
    const driver = new TopologyTestDriver(topology, { partitions: 3 });
    const input = driver.input<string, string>('words');
    for (const w of ['a', 'b', 'a', 'c', 'a', 'b']) input.pipe(w, w);
    const custom = driver.readOutput<string, number>('custom').map((r) => [r.key, r.value, r.partition]);
    expect(custom).toEqual(driver.readOutput<string, number>('builtin').map((r) => [r.key, r.value, r.partition]));
    expect(custom).toHaveLength(6);
    // Both stores are readable from the driver, with the same content.
    expect(driver.store(counts).get('a')).toBe(3);
    expect(driver.store<string, number>('builtin-store').get('a')).toBe(3);
    expect(new Map(driver.store(counts).entries())).toEqual(new Map(driver.store<string, number>('builtin-store').entries()));
    // Every declared store is changelogged like the built-in ones.
    expect(driver.rawOutput('counts-my-counts-changelog').some((r) => r.key?.toString() === 'a' && r.value?.toString() === '3')).toBe(true);
  });

  it('gives window stores, readable in the driver like a windowed aggregate store', () => {
    const perMinute = stores.window<string, number>('per-minute');
    const topology = defineTopology({ applicationId: 'win' }, (t) => {
      const s = t.stream('in', { key: str, value: serdes.json<number>(), timestamp: (v) => v });
      s.process((): StreamProcessor<string, number, string, number, typeof perMinute> => {
        let context: StreamProcessorContext<string, string, number, typeof perMinute>;
        return {
          init(c) {
            context = c;
          },
          process(r) {
            const store = context.store(perMinute);
            const start = Math.floor(r.timestampMs / 60_000) * 60_000;
            store.put(r.key, start, start + 60_000, (store.get(r.key, start, start + 60_000) ?? 0) + 1);
          },
        };
      }, { stores: [perMinute] });
      s.groupByKey().windowedBy(tumbling('1m')).count({ name: 'builtin' }).to('out', { key: serdes.json(), value: serdes.json() });
    });
    const driver = new TopologyTestDriver(topology);
    const input = driver.input<string, number>('in');
    for (const ts of [1000, 2000, 61_000]) input.pipe('k', ts);
    expect(driver.windowStore(perMinute).entries()).toEqual([
      { key: 'k', startMs: 0, endMs: 60_000, value: 2 },
      { key: 'k', startMs: 60_000, endMs: 120_000, value: 1 },
    ]);
    expect(driver.windowStore(perMinute).get('k', 0, 60_000)).toBe(2);
    expect(driver.windowStore<string, unknown>('builtin-store').entries().map((e) => [e.key, e.startMs])).toEqual([['k', 60_000]]);
    expect(() => driver.store('builtin-store')).toThrow(/window or session store/);
    expect(() => driver.store('nope')).toThrow(TopologyError);
  });

  it('runs init after the restore, so a rebuilt processor can read its stores there', () => {
    const names = stores.keyValue<string, string>('names');
    const topology = defineTopology({ applicationId: 'init-after-restore' }, (t) => {
      t.stream('in', { key: str, value: str })
        .process((): StreamProcessor<string, string, string, number, typeof names> => {
          let context: StreamProcessorContext<string, string, number, typeof names>;
          let known = -1;
          return {
            init(c) {
              context = c;
              known = c.store(names).size();
            },
            process(r) {
              context.store(names).put(r.key, r.value);
              context.forward({ key: r.key, value: known });
            },
          };
        }, { stores: [names] })
        .to('out', { key: str, value: serdes.json<number>() });
    });
    const first = new TopologyTestDriver(topology);
    for (const k of ['a', 'b', 'c']) first.input<string, string>('in').pipe(k, k);
    expect(first.readOutput<string, number>('out').map((r) => r.value)).toEqual([0, 0, 0]);
    const rebuilt = new TopologyTestDriver(topology, { changelog: first.changelogRecords() });
    rebuilt.input<string, string>('in').pipe('d', 'd');
    expect(rebuilt.readOutput<string, number>('out').map((r) => r.value)).toEqual([3]);
  });

  it('refuses a store the processor did not declare, at init', () => {
    const declared = stores.keyValue<string, number>('declared');
    const other = stores.keyValue<string, number>('other');
    const topology = defineTopology({ applicationId: 'undeclared' }, (t) => {
      t.stream('in', { key: str, value: str }).process((): StreamProcessor<string, string, string, string> => ({
        init(context) {
          context.store(other);
        },
        process() {},
      }), { name: 'p', stores: [declared] });
      t.stream('in2', { key: str, value: str }).process((): StreamProcessor<string, string, string, string> => ({ process() {} }), { stores: [other] });
    });
    expect(() => new TopologyTestDriver(topology)).toThrow(/processor "p" uses store "other" that it did not declare/);
  });

  it('a re-keying processor makes a later grouping repartition', () => {
    const topology = defineTopology({ applicationId: 'rekey' }, (t) => {
      t.stream('in', { key: str, value: str })
        .process((): StreamProcessor<string, string, string, string> => {
          let context: StreamProcessorContext<string, string, string>;
          return { init: (c) => void (context = c), process: (r) => context.forward({ key: r.value, value: r.key }) };
        })
        .groupByKey({ name: 'by-value' })
        .count()
        .toStream()
        .to('out', { key: str, value: serdes.json<number>() });
    });
    const p = plan(topology);
    expect(p.subtopologies).toHaveLength(2);
    expect(p.internalTopics.map((t) => t.name)).toContain('rekey-by-value-repartition');
  });

  it('rejects store definitions that are reused by two operators or badly named', () => {
    const shared = stores.keyValue<string, number>('shared');
    const twice = defineTopology({ applicationId: 'twice' }, (t) => {
      const s = t.stream('in', { key: str, value: str });
      s.process((): StreamProcessor<string, string, string, string> => ({ process() {} }), { stores: [shared] });
      s.process((): StreamProcessor<string, string, string, string> => ({ process() {} }), { stores: [shared] });
    });
    expect(() => plan(twice)).toThrow(/state store "shared" is defined twice/);
    expect(() => stores.keyValue('has space')).toThrow(/store name "has space" is invalid/);
  });
});
