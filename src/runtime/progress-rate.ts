/** How far back the rate looks: long enough to smooth fetch bursts, short enough to show a stalled read. */
const WINDOW_MS = 10_000;
/** A rate over less than this is noise: none is given. */
const MIN_SPAN_MS = 1_000;
/** Samples closer together than this replace each other (a read reports once per fetch). */
const SAMPLE_EVERY_MS = 250;

/**
 * The rate of a growing count (offsets read by a restore) over the last ten seconds, and the time left at that
 * rate. O(1) amortised per sample; a few dozen samples kept. Time comes from the caller, so it is testable
 * without a clock.
 */
export class ProgressRate {
  private readonly times: number[] = [];
  private readonly counts: number[] = [];

  /** Records that `count` was reached at `nowMs` (counts never decrease; a lower one restarts the series). */
  sample(count: number, nowMs: number): void {
    const last = this.counts.length - 1;
    if (last >= 0 && count < (this.counts[last] as number)) this.reset();
    const n = this.times.length;
    if (n >= 2 && nowMs - (this.times[n - 2] as number) < SAMPLE_EVERY_MS) {
      this.times[n - 1] = nowMs;
      this.counts[n - 1] = count;
    } else {
      this.times.push(nowMs);
      this.counts.push(count);
    }
    // Keep one sample older than the window, as the base of the rate over the whole window.
    while (this.times.length > 2 && (this.times[1] as number) <= nowMs - WINDOW_MS) {
      this.times.shift();
      this.counts.shift();
    }
  }

  reset(): void {
    this.times.length = 0;
    this.counts.length = 0;
  }

  /**
   * Counts per second from the oldest sample in the window (or the last one before it) up to `nowMs`, with the
   * latest count as the current one: a read that stopped moving decays towards 0. Null until it spans a second.
   */
  perSecond(nowMs: number): number | null {
    const n = this.times.length;
    if (n === 0) return null;
    let base = 0;
    while (base < n - 1 && (this.times[base + 1] as number) <= nowMs - WINDOW_MS) base++;
    const spanMs = nowMs - (this.times[base] as number);
    if (spanMs < MIN_SPAN_MS) return null;
    return Math.max(0, ((this.counts[n - 1] as number) - (this.counts[base] as number)) / (spanMs / 1000));
  }

  /** Milliseconds until `remaining` more are done at the current rate; null without a rate (or with 0). */
  etaMs(remaining: number, nowMs: number): number | null {
    if (remaining <= 0) return 0;
    const rate = this.perSecond(nowMs);
    if (rate === null || rate <= 0) return null;
    return Math.round((remaining / rate) * 1000);
  }
}
