import { describe, expect, it } from 'vitest';
import { TopologyError } from '../../../src/errors/index.ts';
import { formatDuration, parseDuration } from '../../../src/time/duration.ts';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['10s', 10_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1d', 86_400_000],
    ['0s', 0],
    ['1.5s', 1_500],
    [' 30s ', 30_000],
    [0, 0],
    [250, 250],
  ] as const)('%j is %d ms', (input, expected) => {
    expect(parseDuration(input, 'window size')).toBe(expected);
  });

  it.each([
    ['10x', 'window grace "10x" is not a duration (expected e.g. "30s")'],
    ['', 'window grace "" is not a duration (expected e.g. "30s")'],
    ['s', 'window grace "s" is not a duration (expected e.g. "30s")'],
    ['-5s', 'window grace "-5s" is not a duration (expected e.g. "30s")'],
    ['10 s', 'window grace "10 s" is not a duration (expected e.g. "30s")'],
    ['1.5ms', 'window grace "1.5ms" is not a whole number of milliseconds (expected e.g. "30s")'],
    [-1, 'window grace -1 is not a duration (expected whole milliseconds >= 0 or e.g. "30s")'],
    [1.5, 'window grace 1.5 is not a duration (expected whole milliseconds >= 0 or e.g. "30s")'],
    [Number.NaN, 'window grace NaN is not a duration (expected whole milliseconds >= 0 or e.g. "30s")'],
    [Number.POSITIVE_INFINITY, 'window grace Infinity is not a duration (expected whole milliseconds >= 0 or e.g. "30s")'],
  ] as const)('rejects %j', (input, message) => {
    const attempt = (): number => parseDuration(input, 'window grace');
    expect(attempt).toThrow(TopologyError);
    expect(attempt).toThrow(message);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0ms'],
    [1_500, '1500ms'],
    [90_000, '90s'],
    [120_000, '2m'],
    [3_600_000, '1h'],
    [172_800_000, '2d'],
  ])('%d ms is %s', (ms, expected) => {
    expect(formatDuration(ms)).toBe(expected);
    expect(parseDuration(formatDuration(ms) as `${number}ms`, 'x')).toBe(ms);
  });
});
