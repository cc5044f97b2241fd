import { describe, expect, it } from 'vitest';
import { retryRequest } from '../../../src/kafka/kafkajs/retry-request.ts';

const transient = Object.assign(new Error('coordinator busy'), { type: 'CONCURRENT_TRANSACTIONS' });
const fatal = Object.assign(new Error('fenced'), { type: 'INVALID_PRODUCER_EPOCH' });
const retriable = (error: unknown): boolean => (error as { type?: string }).type === 'CONCURRENT_TRANSACTIONS';

describe('retryRequest', () => {
  it('retries retriable errors until the call succeeds, running beforeRetry before each further attempt', async () => {
    let calls = 0;
    let prepared = 0;
    const result = await retryRequest({ attempts: 5, backoffMs: 1, retriable, beforeRetry: async () => prepared++ }, async () => {
      calls++;
      if (calls < 3) throw transient;
      return 'done';
    });
    expect(result).toBe('done');
    expect(calls).toBe(3);
    expect(prepared).toBe(2);
  });

  it('throws the last error once the attempts are spent', async () => {
    let calls = 0;
    const run = retryRequest({ attempts: 3, backoffMs: 1, retriable }, async () => {
      calls++;
      throw transient;
    });
    await expect(run).rejects.toBe(transient);
    expect(calls).toBe(3);
  });

  it('throws a non-retriable error at once', async () => {
    let calls = 0;
    const run = retryRequest({ attempts: 8, backoffMs: 1, retriable }, async () => {
      calls++;
      throw fatal;
    });
    await expect(run).rejects.toBe(fatal);
    expect(calls).toBe(1);
  });

  it('doubles the wait after each failure, up to maxBackoffMs, and ignores a failing beforeRetry', async () => {
    const waits: number[] = [];
    let last = Date.now();
    let calls = 0;
    await retryRequest({ attempts: 5, backoffMs: 20, maxBackoffMs: 50, retriable, beforeRetry: async () => Promise.reject(new Error('reconnect failed')) }, async () => {
      const now = Date.now();
      if (calls > 0) waits.push(now - last);
      last = now;
      calls++;
      if (calls < 5) throw transient;
    });
    expect(waits).toHaveLength(4);
    // 20, 40, 50 (capped), 50: timers fire no earlier than asked.
    expect(waits.map((w, i) => w >= [20, 40, 50, 50][i]! - 2)).toEqual([true, true, true, true]);
    expect(Math.max(...waits)).toBeLessThan(1_000);
  });
});
