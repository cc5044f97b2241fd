import { describe, expect, it } from 'vitest';
import { defineTopology, serdes, tumbling } from '../../../src/index.ts';
import { TopologyTestDriver } from '../../../src/testing/index.ts';

const str = { key: serdes.string(), value: serdes.string() };
const num = { key: serdes.string(), value: serdes.json<number>() };

function run(build: Parameters<typeof defineTopology>[1], inputs: [string, string][], onError: 'fail' | 'skip' | 'dead-letter' = 'fail') {
  const driver = new TopologyTestDriver(defineTopology({ applicationId: 'ops', onError }, build));
  for (const [k, v] of inputs) driver.input<string, string>('in').pipe(k, v, { timestampMs: 100 });
  return driver;
}

describe('stateless operators', () => {
  it('map, mapValues, filter, flatMap, flatMapValues and peek', () => {
    const seen: string[] = [];
    const driver = run(
      (t) => {
        t.stream('in', str)
          .peek((k) => seen.push(k))
          .filter((_, v) => v !== 'skip')
          .map((k, v) => ({ key: v, value: k }))
          .mapValues((v) => v.toUpperCase())
          .flatMap((k, v) => [{ key: k, value: v }, { key: `${k}!`, value: `${v}!` }])
          .flatMapValues((v) => [v.length])
          .to('out', num);
      },
      [['a', 'x'], ['b', 'skip'], ['c', 'yy']],
    );
    expect(seen).toEqual(['a', 'b', 'c']);
    expect(driver.readOutput<string, number>('out').map((r) => [r.key, r.value])).toEqual([
      ['x', 1],
      ['x!', 2],
      ['yy', 1],
      ['yy!', 2],
    ]);
  });

  it('branch sends each record to the first matching branch, the rest to otherwise', () => {
    const driver = run(
      (t) => {
        const b = t.stream('in', str).branch({ short: (_, v) => v.length < 3, medium: (_, v) => v.length < 6 }, { otherwise: 'long' });
        b.short.to('short', str);
        b.medium.to('medium', str);
        b.long?.to('long', str);
      },
      [['1', 'ab'], ['2', 'abcd'], ['3', 'abcdefgh'], ['4', 'a']],
    );
    expect(driver.readOutput<string, string>('short').map((r) => r.key)).toEqual(['1', '4']);
    expect(driver.readOutput<string, string>('medium').map((r) => r.key)).toEqual(['2']);
    expect(driver.readOutput<string, string>('long').map((r) => r.key)).toEqual(['3']);
  });

  it('merge interleaves streams', () => {
    const driver = new TopologyTestDriver(
      defineTopology({ applicationId: 'm' }, (t) => {
        t.stream('a', str).merge(t.stream('b', str)).to('out', str);
      }),
    );
    driver.input<string, string>('a').pipe('1', 'a1');
    driver.input<string, string>('b').pipe('2', 'b1');
    driver.input<string, string>('a').pipe('3', 'a2');
    expect(driver.readOutput<string, string>('out').map((r) => r.value)).toEqual(['a1', 'b1', 'a2']);
  });

  it('keeps the typed value flowing (compile-time) and the event time from the extractor', () => {
    const driver = new TopologyTestDriver(
      defineTopology({ applicationId: 'ts' }, (t) => {
        t.stream('in', { key: serdes.string(), value: serdes.json<{ at: number }>(), timestamp: (v) => v.at })
          .mapValues((v) => v.at * 2)
          .to('out', num);
      }),
    );
    driver.input<string, { at: number }>('in').pipe('k', { at: 42 }, { timestampMs: 1 });
    const [r] = driver.readOutput<string, number>('out');
    expect(r?.value).toBe(84);
    expect(r?.timestampMs).toBe(42);
  });

  it('onError fail stops with the record coordinates; skip drops and continues', () => {
    const throwing = (t: Parameters<Parameters<typeof defineTopology>[1]>[0]) => {
      t.stream('in', str)
        .mapValues((v) => {
          if (v === 'boom') throw new Error('bad value');
          return v;
        })
        .to('out', str);
    };
    expect(() => run(throwing, [['a', 'ok'], ['b', 'boom']])).toThrow(/an operator threw: bad value \(topic=in partition=0 offset=1 task=0_0\)/);
    const skipped = run(throwing, [['a', 'ok'], ['b', 'boom'], ['c', 'fine']], 'skip');
    expect(skipped.readOutput<string, string>('out').map((r) => r.value)).toEqual(['ok', 'fine']);
  });

  it('a record that fails midway leaves no partial output', () => {
    const driver = run(
      (t) => {
        t.stream('in', str)
          .flatMapValues((v) => [v, v])
          .mapValues((v, k) => {
            if (k === 'bad') throw new Error('no');
            return v;
          })
          .to('out', str);
      },
      [['bad', 'x'], ['good', 'y']],
      'dead-letter',
    );
    expect(driver.readOutput<string, string>('out').map((r) => r.value)).toEqual(['y', 'y']);
    expect(driver.rawOutput('ops-dlq')).toHaveLength(1);
  });
});

describe('results emitted when a window closes', () => {
  const failing = {
    name: 'failing',
    serialize: () => {
      throw new Error('does not fit the schema');
    },
    deserialize: () => ({ value: 0, final: true }),
  };
  const build = (onError: 'fail' | 'skip' | 'dead-letter') =>
    new TopologyTestDriver(
      defineTopology({ applicationId: 'emit', onError }, (t) => {
        t.stream('in', { key: serdes.string(), value: serdes.string() })
          .groupByKey()
          .windowedBy(tumbling('1m'))
          .count()
          .to('out', { key: serdes.windowed<string>(), value: failing });
      }),
    );

  it('dead-letter writes a result that does not serialize to the DLQ as JSON, and processing goes on', () => {
    const driver = build('dead-letter');
    driver.input<string, string>('in').pipe('a', 'x', { timestampMs: 1000 });
    driver.input<string, string>('in').pipe('a', 'x', { timestampMs: 120_000 });
    const dlq = driver.rawOutput('emit-dlq');
    expect(dlq).toHaveLength(1);
    expect(JSON.parse(dlq[0]?.value?.toString() ?? '')).toEqual({ value: 1, final: true });
    expect(dlq[0]?.headers?.['sluice.emit.topic']).toBe('out');
  });

  it('fail stops with the reason', () => {
    const driver = build('fail');
    driver.input<string, string>('in').pipe('a', 'x', { timestampMs: 1000 });
    expect(() => driver.input<string, string>('in').pipe('a', 'x', { timestampMs: 120_000 })).toThrow(/does not fit the schema/);
  });
});
