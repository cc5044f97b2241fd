/**
 * One retry loop for the coordinator and broker requests sluice sends past kafkajs's own retries (AddOffsetsToTxn
 * after a commit, the leftover abort, the wire path's metadata and AddPartitionsToTxn): exponential backoff, a
 * fixed number of attempts, and the caller saying which errors are worth another attempt.
 */
export interface RetryPolicy {
  /** Attempts in all, the first included (at least 1). */
  readonly attempts: number;
  /** The wait after the first failure; it doubles after each further one. */
  readonly backoffMs: number;
  /** The longest wait between two attempts. */
  readonly maxBackoffMs?: number;
  /** Whether another attempt may succeed after this error. */
  readonly retriable: (error: unknown) => boolean;
  /** Runs before each further attempt (e.g. reconnects a cluster); its failure is ignored. */
  readonly beforeRetry?: () => Promise<unknown>;
}

/** Runs `fn` until it succeeds, throwing its last error once an error is not retriable or the attempts are spent. */
export async function retryRequest<T>(policy: RetryPolicy, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= policy.attempts || !policy.retriable(error)) throw error;
      const backoff = policy.backoffMs * 2 ** (attempt - 1);
      await sleep(policy.maxBackoffMs === undefined ? backoff : Math.min(policy.maxBackoffMs, backoff));
      await policy.beforeRetry?.().catch(() => undefined);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
