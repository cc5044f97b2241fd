import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_FUTURE_SKEW_MS, defineTopology } from '../../../src/dsl/define-topology.ts';
import { TopologyError } from '../../../src/errors/index.ts';
import { serdes } from '../../../src/serde/index.ts';

const build = (options: Parameters<typeof defineTopology>[0]) =>
  defineTopology(options, (t) => {
    t.stream('in', { key: serdes.string(), value: serdes.string() }).to('out', { key: serdes.string(), value: serdes.string() });
  });

describe('topology options', () => {
  it('compiles durations once, with defaults', () => {
    expect(build({ applicationId: 'a' }).options).toEqual({
      applicationId: 'a',
      onError: 'fail',
      maxOutOfOrdernessMs: 0,
      idleTimeoutMs: null,
      maxFutureSkewMs: DEFAULT_MAX_FUTURE_SKEW_MS,
    });
    expect(build({ applicationId: 'a', maxFutureSkew: '6h', idleTimeout: '30s', maxOutOfOrderness: 500 }).options).toMatchObject({
      maxFutureSkewMs: 21_600_000,
      idleTimeoutMs: 30_000,
      maxOutOfOrdernessMs: 500,
    });
  });

  it('names the option that is not a duration', () => {
    expect(() => build({ applicationId: 'a', maxFutureSkew: 'soon' as '1s' })).toThrow(TopologyError);
    expect(() => build({ applicationId: 'a', maxFutureSkew: 'soon' as '1s' })).toThrow(/maxFutureSkew "soon" is not a duration/);
  });
});
