import { describe, expect, it } from 'vitest';
import { OutputConsole } from '../../../src/dev/output-console.ts';
import { defineTopology, serdes, tumbling, type WindowResult } from '../../../src/index.ts';
import type { OutputRecord } from '../../../src/kafka/types.ts';
import { plan } from '../../../src/planner/plan.ts';

const T = Date.UTC(2026, 11, 1, 12, 0, 0);

const topology = defineTopology({ applicationId: 'console' }, (t) => {
  const s = t.stream('in', { key: serdes.string(), value: serdes.json<{ n: number }>() });
  s.groupByKey()
    .windowedBy(tumbling('10s'))
    .count({ name: 'counts', lateTopic: 'late' })
    .to('counts', { key: serdes.windowed<string>(), value: serdes.json<WindowResult<number>>() });
});

const windowKey = serdes.windowed<string>();
const windowValue = serdes.json<WindowResult<number>>();
function result(key: string, startMs: number, value: number): OutputRecord {
  return {
    topic: 'counts',
    key: windowKey.serialize({ key, startMs, endMs: startMs + 10_000 }, { topic: 'counts', isKey: true }),
    value: windowValue.serialize({ value, final: true }, { topic: 'counts', isKey: false }),
    timestampMs: startMs,
  };
}

function setup(maxLinesPerSecond = 3) {
  const lines: string[] = [];
  let now = T;
  const output = new OutputConsole({ plan: plan(topology), write: (l) => lines.push(l), maxLinesPerSecond, now: () => now, timeZone: 'utc' });
  return { output, lines, tick: (ms: number) => (now += ms) };
}

describe('dev output console', () => {
  it('decodes sink records with the sink serdes and prints windowed keys with their window', async () => {
    const { output, lines } = setup();
    await output.accept([result('/a', T, 3), result('/products', T, 12)]);
    // Keys line up in a column of at least 12 characters.
    expect(lines).toEqual(['/a            [12:00:00 → 12:00:10)  3', '/products     [12:00:00 → 12:00:10)  12']);
    expect(output.topics()).toEqual(['counts']);
  });

  it('ignores repartition and changelog topics and shows late records', async () => {
    const { output, lines } = setup();
    await output.accept([
      { topic: 'console-counts-repartition', key: Buffer.from('x'), value: Buffer.from('y'), timestampMs: T },
      {
        topic: 'late',
        key: Buffer.from('"/a"'),
        value: Buffer.from('{"n":1}'),
        timestampMs: T,
        headers: { 'sluice.late.window.start': String(T), 'sluice.late.window.end': String(T + 10_000) },
      },
    ]);
    expect(lines).toEqual(['late record → late  key "/a", its window [12:00:00 → 12:00:10) had closed']);
  });

  it('prints at most the limit per second and summarises the rest when the second is over', async () => {
    const { output, lines, tick } = setup(3);
    await output.accept(Array.from({ length: 10 }, (_, i) => result(`k${i}`, T, i)));
    expect(lines).toHaveLength(3);
    tick(1000);
    await output.accept([result('next', T, 1)]);
    expect(lines.slice(3)).toEqual(['… 7 more records in that second not shown; at most 3 lines per second', 'next          [12:00:00 → 12:00:10)  1']);
    output.flush();
    expect(lines).toHaveLength(5);
    expect(output.summary()).toBe('11 records on counts');
  });

  it('shows bytes that do not decode instead of failing', async () => {
    const { output, lines } = setup();
    await output.accept([{ topic: 'counts', key: Buffer.from('not json'), value: Buffer.from('{"value":1,"final":true}'), timestampMs: T }]);
    expect(lines[0]).toMatch(/^not json \(not decodable with windowed-json: .*\) +1$/);
  });
});
