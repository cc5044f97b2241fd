import { describe, expect, it } from 'vitest';
import { InMemorySessionStore } from '../../../src/state/session-store.ts';
import { aggregate, count } from '../../../src/windows/aggregations.ts';
import { session } from '../../../src/windows/definitions.ts';
import { SessionAggregateProcessor } from '../../../src/windows/session-aggregate.ts';
import type { EmitMode } from '../../../src/windows/windowed.ts';
import { FakeContext, run, type Step } from './fake-context.ts';

function setup(emit: EmitMode = 'final', graceMs = 0) {
  const store = new InMemorySessionStore<string, number>({ name: 'sessions' });
  const context = new FakeContext(store);
  const processor = new SessionAggregateProcessor<string, unknown, number>({
    name: 'sessions', windows: session({ gap: 5 }).grace(graceMs), storeName: 'sessions', emit, ...count(),
  });
  processor.init(context);
  return { store, context, processor };
}

/** "key [first..last]=count" (final), "~..." (update), "key [first..last]=null" (retracted). */
function results(context: FakeContext): string[] {
  return context.take().map(({ key, value, timestampMs }) => {
    const { key: k, startMs, endMs } = key as { key: string; startMs: number; endMs: number };
    expect(timestampMs).toBe(endMs - 1);
    const window = `${k} [${startMs}..${endMs - 1}]`;
    if (value === null) return `${window}=null`;
    const { value: v, final } = value as { value: number; final: boolean };
    return `${final ? '' : '~'}${window}=${v}`;
  });
}

function sessions(store: InMemorySessionStore<string, number>): string[] {
  return [...store.byEndTime()].map((s) => `${s.key} [${s.startMs}..${s.endMs - 1}]=${s.value}`);
}

describe('session window aggregate (gap 5, Kafka Streams semantics)', () => {
  it.each<[string, Step[], string[]]>([
    ['records within the gap form one session', [['a', 1, 0], ['a', 1, 3]], ['a [0..3]=2']],
    ['exactly gap apart is still one session (inclusive)', [['a', 1, 0], ['a', 1, 5]], ['a [0..5]=2']],
    ['gap + 1 apart are two sessions', [['a', 1, 0], ['a', 1, 6]], ['a [0..0]=1', 'a [6..6]=1']],
    ['out of order records extend a session backwards', [['a', 1, 10], ['a', 1, 6]], ['a [6..10]=2']],
    ['a record inside a session keeps its bounds', [['a', 1, 0], ['a', 1, 8], ['a', 1, 4]], ['a [0..8]=3']],
    ['keys are separate', [['a', 1, 0], ['b', 1, 1]], ['a [0..0]=1', 'b [1..1]=1']],
    ['a bridging record merges two sessions into one', [['a', 1, 0], ['a', 1, 3], ['a', 1, 10], ['a', 1, 7]], ['a [0..10]=4']],
  ])('%s', (_name, steps, expected) => {
    const { store, context, processor } = setup();
    run(processor, context, steps);
    expect(sessions(store)).toEqual(expected);
  });

  it('a merge deletes the old sessions: tombstones for both, then the merged one', () => {
    const { store, context, processor } = setup();
    run(processor, context, [['a', 1, 0], ['a', 1, 3], ['a', 1, 10]]);
    store.drainChanges();
    run(processor, context, [['a', 1, 7]]);
    const changes = store.drainChanges().map((c) => {
      const start = c.key.readInt32BE(c.key.length - 12);
      const end = c.key.readInt32BE(c.key.length - 4);
      return `${c.key.subarray(0, c.key.length - 16).toString()} ${start}-${end}: ${c.value?.toString() ?? 'null'}`;
    });
    expect(changes).toEqual(['"a" 0-4: null', '"a" 10-11: null', '"a" 0-11: 4']);
  });

  it('closes when watermark >= last + 1 + gap + grace (Kafka: stream time > last + gap + grace)', () => {
    const { context, processor } = setup('final', 2);
    run(processor, context, [['a', 1, 0], ['a', 1, 5], { watermark: 12 }]);
    expect(results(context)).toEqual([]);
    run(processor, context, [['a', 1, 10], { watermark: 17 }]); // 10 - 5 <= gap: still merges at watermark 12
    expect(results(context)).toEqual([]);
    run(processor, context, [{ watermark: 18 }]);
    expect(results(context)).toEqual(['a [0..10]=3']);
  });

  it('a record whose merged session is closed is late; an emitted session is not re-created', () => {
    const { store, context, processor } = setup();
    run(processor, context, [['a', 1, 0], { watermark: 6 }, ['a', 1, 0]]);
    expect(results(context)).toEqual(['a [0..0]=1']);
    expect(context.late.map((r) => [r.timestampMs, r.windowStartMs, r.windowEndMs, r.watermarkMs])).toEqual([[0, 0, 1, 6]]);
    expect(store.size()).toBe(0);
  });

  it('documented edge (as Kafka Streams): a record within gap of an emitted session but with its own session open starts a new one', () => {
    const { context, processor } = setup();
    run(processor, context, [['a', 1, 0], { watermark: 6 }, ['a', 1, 2], { watermark: 100 }]);
    expect(results(context)).toEqual(['a [0..0]=1', 'a [2..2]=1']);
    expect(context.late).toEqual([]);
  });

  it('an out-of-order record is accepted while its merged session is open', () => {
    const { context, processor } = setup();
    run(processor, context, [['a', 1, 0], ['a', 1, 20], { watermark: 22 }, ['a', 1, 17], { watermark: 100 }]);
    expect(results(context)).toEqual(['a [0..0]=1', 'a [17..20]=2']);
    expect(context.late).toEqual([]);
  });

  it('emits closed sessions by end time, then insertion order', () => {
    const { context, processor } = setup();
    run(processor, context, [['b', 1, 3], ['a', 1, 3], ['c', 1, 1], ['a', 1, 20], { watermark: 100 }]);
    expect(results(context)).toEqual(['c [1..1]=1', 'b [3..3]=1', 'a [3..3]=1', 'a [20..20]=1']);
  });

  it("'update' forwards each change and retracts merged-away sessions with null", () => {
    const { context, processor } = setup('update');
    run(processor, context, [['a', 1, 0], ['a', 1, 10], ['a', 1, 5], ['a', 1, 7], { watermark: 100 }]);
    expect(results(context)).toEqual([
      '~a [0..0]=1',
      '~a [10..10]=1',
      'a [0..0]=null',
      'a [10..10]=null',
      '~a [0..10]=3',
      '~a [0..10]=4', // inside the session: no retraction, same window
      'a [0..10]=4',
    ]);
  });

  it('merges aggregates with the merger, starting from the initializer (Kafka order)', () => {
    const store = new InMemorySessionStore<string, string>({ name: 's' });
    const context = new FakeContext(store);
    const processor = new SessionAggregateProcessor<string, string, string>({
      name: 's', windows: session({ gap: 5 }), storeName: 's', emit: 'final',
      ...aggregate<string, string, string>(() => '', (_k, v, agg) => agg + v, (a, b) => `${a}(${b})`),
    });
    processor.init(context);
    run(processor, context, [['k', 'x', 0], ['k', 'y', 10], ['k', 'z', 5], { watermark: 100 }]);
    expect(context.take().map((f) => (f.value as { value: string }).value)).toEqual(['(x)(y)z']);
  });
});
