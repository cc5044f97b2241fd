/**
 * Measures how late a repeating timer fires: the event-loop lag. Behind /healthz (liveness): a process whose
 * loop is blocked for seconds at a time (a user function spinning, a synchronous flood) is not alive in any
 * useful sense, even if it answers the probe in between.
 */
export class EventLoopMonitor {
  readonly #intervalMs: number;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | undefined;
  #expectedAtMs = 0;
  #lastLagMs = 0;
  #maxLagMs = 0;

  constructor(options: { intervalMs?: number; now?: () => number } = {}) {
    this.#intervalMs = options.intervalMs ?? 500;
    this.#now = options.now ?? (() => performance.now());
  }

  start(): void {
    if (this.#timer !== undefined) return;
    this.#schedule();
  }

  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /**
   * The current lag in milliseconds: how late the last tick fired, or, if the next tick is overdue right now
   * (the loop is only just coming back from a block), how overdue it is, whichever is larger.
   */
  lagMs(): number {
    if (this.#timer === undefined) return this.#lastLagMs;
    return Math.max(this.#lastLagMs, this.#now() - this.#expectedAtMs);
  }

  /** The largest lag measured since start. */
  maxLagMs(): number {
    return Math.max(this.#maxLagMs, this.lagMs());
  }

  #schedule(): void {
    this.#expectedAtMs = this.#now() + this.#intervalMs;
    this.#timer = setTimeout(() => this.#tick(), this.#intervalMs);
    // The monitor never keeps the process alive on its own.
    this.#timer.unref();
  }

  #tick(): void {
    this.#lastLagMs = Math.max(0, this.#now() - this.#expectedAtMs);
    if (this.#lastLagMs > this.#maxLagMs) this.#maxLagMs = this.#lastLagMs;
    this.#schedule();
  }
}
