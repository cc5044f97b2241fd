import { describe, expect, it } from 'vitest';
import { RecoveryBackoff } from '../../../src/eos/recovery-backoff.ts';

describe('RecoveryBackoff', () => {
  it('retries the first failure at once, then doubles from 200 ms up to 30 s; a success ends the streak', () => {
    const backoff = new RecoveryBackoff();
    const delays = Array.from({ length: 10 }, () => backoff.failed('0_1', new Error('coordinator not available'), 0).delayMs);
    expect(delays).toEqual([0, 200, 400, 800, 1_600, 3_200, 6_400, 12_800, 25_600, 30_000]);
    expect(backoff.succeeded('0_1')).toEqual({ failures: 10, sinceMs: 0 });
    expect(backoff.failed('0_1', new Error('x'), 5).delayMs).toBe(0);
  });

  it('tracks tasks separately and says when the cause changes', () => {
    const backoff = new RecoveryBackoff();
    expect(backoff.failed('0_1', new Error('a'), 0)).toMatchObject({ attempt: 1, newCause: true });
    expect(backoff.failed('0_1', new Error('a'), 0)).toMatchObject({ attempt: 2, newCause: false });
    expect(backoff.failed('0_1', new Error('b'), 0)).toMatchObject({ attempt: 3, newCause: true });
    expect(backoff.failed('0_2', new Error('a'), 0)).toMatchObject({ attempt: 1, delayMs: 0 });
    backoff.forget('0_1');
    expect(backoff.succeeded('0_1')).toBeUndefined();
  });
});
