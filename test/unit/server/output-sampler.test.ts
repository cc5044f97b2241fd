import { describe, expect, it } from 'vitest';
import { defineTopology, serdes, tumbling, type WindowResult } from '../../../src/index.ts';
import type { OutputRecord } from '../../../src/kafka/types.ts';
import { describePlan } from '../../../src/planner/describe.ts';
import { plan } from '../../../src/planner/plan.ts';
import type { CommittedOutputListener, StatusSource } from '../../../src/runtime/status.ts';
import type { Serde } from '../../../src/serde/serde.ts';
import { OutputSampler } from '../../../src/server/output-sampler.ts';

const text = (s: string): Buffer => Buffer.from(s, 'utf8');
const record = (topic: string, key: string | null, value: string | Buffer | null, extra: Partial<OutputRecord> = {}): OutputRecord => ({
  topic,
  key: key === null ? null : text(key),
  value: value === null ? null : typeof value === 'string' ? text(value) : value,
  timestampMs: 1_700_000_000_000,
  ...extra,
});

const pageViews = defineTopology({ applicationId: 'pv', onError: 'dead-letter' }, (t) => {
  t.stream('clicks', { key: serdes.nullableString(), value: serdes.json<{ url: string }>() })
    .groupBy((_, v) => v.url, { name: 'by-url', key: serdes.string(), value: serdes.json<{ url: string }>() })
    .windowedBy(tumbling('1m'))
    .count({ name: 'views', lateTopic: 'views-late' })
    .to('views', { key: serdes.windowed<string>(), value: serdes.json<WindowResult<number>>() });
});

/** A StatusSource with a real plan and a committed-output subscription, as an Application has. */
function sourceWithPlan(): StatusSource & { listeners: Set<CommittedOutputListener> } {
  const p = plan(pageViews);
  const listeners = new Set<CommittedOutputListener>();
  return {
    plan: p,
    listeners,
    status: () => ({ applicationId: 'pv', instanceId: 'pv-1', state: 'running', inGroup: true, ready: true, startedAtMs: 0, tasks: [] }),
    topology: () => describePlan(p),
    onCommittedOutput: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

describe('OutputSampler', () => {
  it('keeps the last records per topic, newest first, and counts every committed record', () => {
    const sampler = new OutputSampler({ recordsPerTopic: 3 });
    sampler.listener([record('a', 'k1', 'v1'), record('b', 'x', 'y'), record('a', 'k2', 'v2')]);
    sampler.listener(['k3', 'k4', 'k5', 'k6'].map((k) => record('a', k, `v${k.slice(1)}`)));
    const topics = sampler.snapshot().topics;
    expect(topics.map((t) => [t.topic, t.committed, t.records.map((r) => r.key.text)])).toEqual([
      ['a', 6, ['k6', 'k5', 'k4']],
      ['b', 1, ['x']],
    ]);
    const seqs = topics[0]?.records.map((r) => r.seq) ?? [];
    expect([...seqs].sort((x, y) => y - x)).toEqual(seqs);
  });

  it('copies what it keeps: a commit reusing its buffers does not change the sample', () => {
    const sampler = new OutputSampler();
    const value = text('before');
    sampler.listener([record('out', 'k', value)]);
    value.write('AFTER!');
    expect(sampler.snapshot().topics[0]?.records[0]?.value.text).toBe('before');
  });

  it('lists the output topics of the description before any record, sinks first, never sources or changelogs', () => {
    const source = sourceWithPlan();
    const sampler = OutputSampler.forSource(source);
    expect(sampler.snapshot()).toEqual({
      sampling: true,
      recordsPerTopic: 5,
      topics: [
        { topic: 'views', role: 'sink', committed: 0, records: [] },
        { topic: 'views-late', role: 'late', committed: 0, records: [] },
        { topic: 'pv-by-url-repartition', role: 'repartition', committed: 0, records: [] },
        { topic: 'pv-dlq', role: 'dlq', committed: 0, records: [] },
      ],
    });
  });

  it('decodes with the plan\'s sink serdes: a windowed key shows its key and window', () => {
    const source = sourceWithPlan();
    const sampler = OutputSampler.forSource(source);
    expect(source.listeners.size).toBe(1);
    const key = serdes.windowed<string>().serialize({ key: '/home', startMs: Date.UTC(2026, 0, 1, 12, 1), endMs: Date.UTC(2026, 0, 1, 12, 2) }, { topic: 'views', isKey: true });
    for (const listener of source.listeners) listener([{ topic: 'views', key, value: text('{"value":42,"final":true}'), timestampMs: 5 }]);
    const shown = sampler.snapshot().topics.find((t) => t.topic === 'views')?.records[0];
    expect(shown?.key).toEqual({
      format: 'serde',
      text: '/home [2026-01-01T12:01:00.000Z → 2026-01-01T12:02:00.000Z)',
      bytes: key?.length,
      truncated: false,
      window: { key: '/home', startMs: Date.UTC(2026, 0, 1, 12, 1), endMs: Date.UTC(2026, 0, 1, 12, 2) },
    });
    expect(shown?.value).toMatchObject({ format: 'serde', text: '{"value":42,"final":true}' });
    expect(shown?.timestampMs).toBe(5);
    sampler.close();
    expect(source.listeners.size).toBe(0);
  });

  it('shows a payload its serde does not decode as text', () => {
    const sampler = OutputSampler.forSource(sourceWithPlan());
    sampler.listener([record('views', 'not a windowed key', 'not json')]);
    const shown = sampler.snapshot().topics[0]?.records[0];
    expect([shown?.key.format, shown?.key.text, shown?.value.format, shown?.value.text]).toEqual(['text', 'not a windowed key', 'text', 'not json']);
  });

  it.each<[string, Buffer | null, { format: string; text: string; truncated?: boolean }]>([
    ['printable UTF-8 as text', text('héllo\tworld\n'), { format: 'text', text: 'héllo\tworld\n' }],
    ['binary as hex', Buffer.from([0x00, 0x01, 0xfe, 0xff]), { format: 'hex', text: '0001feff' }],
    ['invalid UTF-8 as hex', Buffer.from([0xc3, 0x28]), { format: 'hex', text: 'c328' }],
    ['text with control characters as hex', text('a\u0007b'), { format: 'hex', text: '610762' }],
    ['null as null', null, { format: 'null', text: 'null' }],
    ['an empty payload as empty text', Buffer.alloc(0), { format: 'text', text: '' }],
  ])('without serdes shows %s', (_name, value, expected) => {
    const sampler = new OutputSampler();
    sampler.listener([record('raw', 'k', value)]);
    expect(sampler.snapshot().topics[0]?.records[0]?.value).toMatchObject(expected);
  });

  it('recognises a windowed JSON key without serdes', () => {
    const sampler = new OutputSampler();
    sampler.listener([record('raw', '{"key":"u1","startMs":60000,"endMs":120000}', '3')]);
    expect(sampler.snapshot().topics[0]?.records[0]?.key.window).toEqual({ key: 'u1', startMs: 60_000, endMs: 120_000 });
  });

  it('keeps only maxBytes of a large payload and says it is cut, without decoding the cut bytes', () => {
    const sampler = OutputSampler.forSource(sourceWithPlan(), { maxBytes: 64 });
    const big = JSON.stringify({ value: 'x'.repeat(500), final: true });
    sampler.listener([record('views', 'k', big)]);
    const value = sampler.snapshot().topics[0]?.records[0]?.value;
    expect(value).toMatchObject({ format: 'text', bytes: big.length, truncated: true });
    expect(value?.text).toBe(big.slice(0, 64));
  });

  it('cuts long text to maxChars', () => {
    const sampler = new OutputSampler({ maxChars: 20 });
    sampler.listener([record('raw', 'k', 'y'.repeat(100))]);
    expect(sampler.snapshot().topics[0]?.records[0]?.value).toMatchObject({ text: `${'y'.repeat(19)}…`, truncated: true, bytes: 100 });
  });

  it('prints decoded bytes, bigints and nested buffers of a serde', () => {
    const odd: Serde<unknown> = { name: 'odd', serialize: () => null, deserialize: () => ({ n: 12n, raw: Buffer.from([0xff, 0x00]), s: 'ok' }) };
    const sampler = new OutputSampler({ serdes: new Map([['t', { key: serdes.bytes() as Serde<unknown>, value: odd }]]) });
    sampler.listener([{ topic: 't', key: Buffer.from([0x00, 0xab]), value: text('whatever'), timestampMs: 1 }]);
    const shown = sampler.snapshot().topics[0]?.records[0];
    expect(shown?.key).toMatchObject({ format: 'serde', text: '00ab' });
    expect(shown?.value).toMatchObject({ format: 'serde', text: '{"n":"12","raw":"ff00","s":"ok"}' });
  });

  it('falls back to text when the serde throws', () => {
    const failing: Serde<unknown> = { name: 'failing', serialize: () => null, deserialize: () => { throw new Error('unknown schema id'); } };
    const sampler = new OutputSampler({ serdes: new Map([['t', { key: failing, value: failing }]]) });
    sampler.listener([record('t', 'k', 'v')]);
    expect(sampler.snapshot().topics[0]?.records[0]?.value).toMatchObject({ format: 'text', text: 'v' });
  });

  it('notes why late and dead-letter records were written', () => {
    const sampler = OutputSampler.forSource(sourceWithPlan());
    sampler.listener([
      record('views-late', '"/home"', '{}', { headers: { 'sluice.late.lateness.ms': '1500', 'sluice.late.operator': 'views' } }),
      record('pv-dlq', null, Buffer.from([0xde, 0xad]), { headers: { 'sluice.error.code': 'DESERIALIZATION', 'sluice.error.message': Buffer.from('not JSON') } }),
    ]);
    const byTopic = new Map(sampler.snapshot().topics.map((t) => [t.topic, t.records[0]?.note]));
    expect(byTopic.get('views-late')).toBe('late by 1.5 s for views');
    expect(byTopic.get('pv-dlq')).toBe('DESERIALIZATION: not JSON');
  });

  it('samples at most maxTopics topics and ignores records of source and changelog topics', () => {
    const sampler = new OutputSampler({ maxTopics: 2, topics: [{ name: 'in', role: 'source' }, { name: 'app-s-changelog', role: 'changelog' }] });
    sampler.listener([record('in', 'k', 'v'), record('app-s-changelog', 'k', 'v'), record('t1', 'k', 'v'), record('t2', 'k', 'v'), record('t3', 'k', 'v')]);
    expect(sampler.snapshot().topics.map((t) => t.topic)).toEqual(['t2', 't3']);
  });

  it('reports no sampling for a source without committed output', () => {
    const source: StatusSource = { status: () => sourceWithPlan().status(), topology: () => describePlan(plan(pageViews)) };
    expect(OutputSampler.forSource(source).snapshot()).toMatchObject({ sampling: false });
  });
});
