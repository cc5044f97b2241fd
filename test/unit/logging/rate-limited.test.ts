import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logging/logger.ts';
import { RateLimitedLog } from '../../../src/logging/rate-limited.ts';

function setup(options: { intervalMs: number; maxKeys?: number }): {
  limiter: RateLimitedLog;
  lines: () => Array<Record<string, unknown>>;
  advance: (ms: number) => void;
} {
  const raw: string[] = [];
  const logger = createLogger({ level: 'trace', destination: { write: (line: string) => void raw.push(line) } });
  let nowMs = 1_000;
  const limiter = new RateLimitedLog(logger, { ...options, now: () => nowMs });
  return {
    limiter,
    lines: () => raw.map((l) => JSON.parse(l) as Record<string, unknown>),
    advance: (ms) => {
      nowMs += ms;
    },
  };
}

describe('RateLimitedLog', () => {
  it('logs the first line per key, holds back the rest within the interval, then reports how many', () => {
    const { limiter, lines, advance } = setup({ intervalMs: 10_000 });
    expect(limiter.warn('deser:clicks:0', { topic: 'clicks', partition: 0, offset: '10' }, 'bad record')).toBe(true);
    for (let offset = 11; offset < 111; offset++) {
      expect(limiter.warn('deser:clicks:0', { topic: 'clicks', partition: 0, offset: String(offset) }, 'bad record')).toBe(false);
      advance(10);
    }
    expect(limiter.suppressedFor('deser:clicks:0')).toBe(100);
    expect(lines()).toHaveLength(1);
    advance(10_000);
    expect(limiter.warn('deser:clicks:0', { topic: 'clicks', partition: 0, offset: '500' }, 'bad record')).toBe(true);
    const [first, second] = lines();
    expect(first).toMatchObject({ level: 'warn', offset: '10', msg: 'bad record' });
    expect(first).not.toHaveProperty('suppressed');
    expect(second).toMatchObject({ level: 'warn', offset: '500', suppressed: 100 });
    expect(limiter.suppressedTotal).toBe(100);
    expect(limiter.suppressedFor('deser:clicks:0')).toBe(0);
  });

  it('keeps keys independent', () => {
    const { limiter, lines } = setup({ intervalMs: 10_000 });
    limiter.error('a', { n: 1 }, 'x');
    limiter.error('b', { n: 2 }, 'x');
    limiter.error('a', { n: 3 }, 'x');
    expect(lines().map((l) => l['n'])).toEqual([1, 2]);
  });

  it('logs the first line after exactly one interval', () => {
    const { limiter, advance } = setup({ intervalMs: 1_000 });
    expect(limiter.info('k', {}, 'm')).toBe(true);
    advance(999);
    expect(limiter.info('k', {}, 'm')).toBe(false);
    advance(1);
    expect(limiter.info('k', {}, 'm')).toBe(true);
  });

  it('flush writes one summary line per key with held-back lines, at the key\'s level', () => {
    const { limiter, lines } = setup({ intervalMs: 60_000 });
    limiter.warn('a', {}, 'record failed to deserialize');
    limiter.warn('a', {}, 'record failed to deserialize');
    limiter.warn('a', {}, 'record failed to deserialize');
    limiter.error('b', {}, 'only once');
    limiter.flush();
    const all = lines();
    expect(all).toHaveLength(3);
    expect(all[2]).toMatchObject({ level: 'warn', rateLimitKey: 'a', suppressed: 2, msg: 'record failed to deserialize (2 similar lines suppressed)' });
    limiter.flush();
    expect(lines()).toHaveLength(3);
  });

  it('forgets the least recently logged key beyond maxKeys, summarising it first', () => {
    const { limiter, lines, advance } = setup({ intervalMs: 60_000, maxKeys: 2 });
    limiter.warn('a', {}, 'm');
    limiter.warn('a', {}, 'm');
    advance(1);
    limiter.warn('b', {}, 'm');
    limiter.warn('c', {}, 'm');
    expect(lines().map((l) => l['rateLimitKey'] ?? null)).toEqual([null, null, 'a', null]);
    // 'a' was forgotten: its next line is logged again.
    expect(limiter.warn('a', {}, 'm')).toBe(true);
  });

  it('rejects invalid options', () => {
    const logger = createLogger({ level: 'silent' });
    expect(() => new RateLimitedLog(logger, { intervalMs: Number.NaN })).toThrow(RangeError);
    expect(() => new RateLimitedLog(logger, { intervalMs: 1, maxKeys: 0 })).toThrow(RangeError);
  });
});
