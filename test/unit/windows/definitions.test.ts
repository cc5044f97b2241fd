import { describe, expect, it } from 'vitest';
import { TopologyError } from '../../../src/errors/index.ts';
import { hopping, session, sliding, tumbling } from '../../../src/windows/definitions.ts';

describe('tumbling and hopping windowsFor (Kafka Streams TimeWindows)', () => {
  it.each([
    ['tumbling 10: start of a window', tumbling(10), 0, [[0, 10]]],
    ['tumbling 10: last ms of a window', tumbling(10), 9, [[0, 10]]],
    ['tumbling 10: exactly at the end belongs to the next window', tumbling(10), 10, [[10, 20]]],
    ['tumbling 10: aligned to the epoch', tumbling(10), 1_234, [[1_230, 1_240]]],
    ['tumbling 10: negative timestamp has no window', tumbling(10), -1, []],
    ['tumbling 1m from a string', tumbling('1m'), 90_000, [[60_000, 120_000]]],
    ['hopping 10/5: in two windows', hopping(10, { advance: 5 }), 7, [[0, 10], [5, 15]]],
    ['hopping 10/5: on a boundary', hopping(10, { advance: 5 }), 10, [[5, 15], [10, 20]]],
    ['hopping 10/5: no window starts before 0', hopping(10, { advance: 5 }), 3, [[0, 10]]],
    ['hopping 10/3: size not a multiple of advance', hopping(10, { advance: 3 }), 10, [[3, 13], [6, 16], [9, 19]]],
    ['hopping 10/1: ten windows', hopping(10, { advance: 1 }), 20, Array.from({ length: 10 }, (_, i) => [11 + i, 21 + i])],
    ['hopping with advance = size is tumbling', hopping(10, { advance: 10 }), 15, [[10, 20]]],
  ])('%s', (_name, windows, timestampMs, expected) => {
    expect(windows.windowsFor(timestampMs).map((w) => [w.startMs, w.endMs])).toEqual(expected);
  });

  it('hopping(10, 10) is tumbling', () => {
    expect(hopping(10, { advance: 10 }).kind).toBe('tumbling');
    expect(hopping(10, { advance: 5 }).kind).toBe('hopping');
  });
});

describe('window definitions are validated, immutable values', () => {
  it('grace returns a new value and leaves the original alone', () => {
    const base = tumbling('1m');
    const withGrace = base.grace('10s');
    expect([base.graceMs, withGrace.graceMs, withGrace.sizeMs]).toEqual([0, 10_000, 60_000]);
    expect(Object.isFrozen(withGrace)).toBe(true);
    expect(sliding('5s').grace('1s')).toMatchObject({ kind: 'sliding', sizeMs: 5_000, graceMs: 1_000 });
    expect(session({ gap: '30m' }).grace(0)).toMatchObject({ kind: 'session', gapMs: 1_800_000, graceMs: 0 });
  });

  it.each([
    ['zero size', () => tumbling(0), 'tumbling window size "0" must be greater than 0'],
    ['bad size', () => tumbling('1y' as '1s'), 'tumbling window size "1y" is not a duration (expected e.g. "30s")'],
    ['advance > size', () => hopping('1m', { advance: '2m' }), 'hopping window advance "2m" must not exceed the window size "1m"'],
    ['zero advance', () => hopping('1m', { advance: 0 }), 'hopping window advance "0" must be greater than 0'],
    // From plain JS the advance may come positionally; that must not build tumbling windows silently.
    ['advance not as an option', () => hopping('1m', '5m' as unknown as { advance: '5m' }), `hopping("1m", ...) needs its advance as an option, e.g. hopping('5m', { advance: '1m' }); got "5m"`],
    ['no options', () => hopping('1m', undefined as unknown as { advance: '5m' }), 'needs its advance as an option'],
    ['bad grace', () => tumbling('1m').grace('10x' as '10s'), 'tumbling window grace "10x" is not a duration (expected e.g. "30s")'],
    ['negative grace', () => hopping(10, { advance: 5 }).grace(-1), 'hopping window grace -1 is not a duration'],
    ['zero sliding size', () => sliding('0s'), 'sliding window size "0s" must be greater than 0'],
    ['zero gap', () => session({ gap: 0 }), 'session window gap "0" must be greater than 0'],
    ['bad session grace', () => session({ gap: '1m' }).grace('soon' as '1s'), 'session window grace "soon" is not a duration'],
  ])('rejects %s', (_name, build, message) => {
    expect(build).toThrow(TopologyError);
    expect(build).toThrow(message);
  });

  it.each([
    [tumbling('1m').grace('10s'), 'tumbling(1m, grace 10s)'],
    [hopping('5m', { advance: '1m' }), 'hopping(5m, advance 1m, grace 0ms)'],
    [sliding('10s'), 'sliding(10s, grace 0ms)'],
    [session({ gap: '30m' }).grace('1m'), 'session(gap 30m, grace 1m)'],
  ])('describes %s', (windows, text) => {
    expect(String(windows)).toBe(text);
  });
});
