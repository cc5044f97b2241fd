/** First and longest wait before a task that failed to commit (or to be built) is built again. */
export const RECOVERY_BACKOFF_INITIAL_MS = 200;
export const RECOVERY_BACKOFF_MAX_MS = 30_000;

interface Streak {
  failures: number;
  firstAtMs: number;
  lastMessage: string;
}

/**
 * Exponential, capped backoff per task id across rebuilds: 0 ms before the first rebuild (a single failure is
 * retried at once), then 200 ms, 400 ms, ... up to 30 s while failures repeat. A successful commit ends the
 * streak. The streak also decides what is worth a log line: its start, a change of cause, and its end.
 */
export class RecoveryBackoff {
  private readonly streaks = new Map<string, Streak>();

  /** Records a failure of `taskId`; returns the wait before the next build and whether the cause is new. */
  failed(taskId: string, error: unknown, nowMs: number): { delayMs: number; attempt: number; newCause: boolean } {
    const message = error instanceof Error ? error.message : String(error);
    const streak = this.streaks.get(taskId) ?? { failures: 0, firstAtMs: nowMs, lastMessage: '' };
    streak.failures += 1;
    const newCause = streak.lastMessage !== message;
    streak.lastMessage = message;
    this.streaks.set(taskId, streak);
    const delayMs = streak.failures <= 1 ? 0 : Math.min(RECOVERY_BACKOFF_MAX_MS, RECOVERY_BACKOFF_INITIAL_MS * 2 ** (streak.failures - 2));
    return { delayMs, attempt: streak.failures, newCause };
  }

  /** Ends the streak of `taskId` (it committed); returns how many failures it had and since when, if any. */
  succeeded(taskId: string): { failures: number; sinceMs: number } | undefined {
    const streak = this.streaks.get(taskId);
    if (streak === undefined) return undefined;
    this.streaks.delete(taskId);
    return { failures: streak.failures, sinceMs: streak.firstAtMs };
  }

  /** Forgets a task no longer assigned. */
  forget(taskId: string): void {
    this.streaks.delete(taskId);
  }
}
