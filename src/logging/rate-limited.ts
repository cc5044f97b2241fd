import type { Logger } from './logger.ts';

export type RateLimitedLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

export interface RateLimitedLogOptions {
  /** At most one line per key per this many milliseconds. */
  readonly intervalMs: number;
  /** Keys remembered at once; the least recently logged key is forgotten (and its count flushed) beyond this. Default 10,000. */
  readonly maxKeys?: number;
  /** Monotonic clock in milliseconds; `performance.now` by default. Tests pass a fake. */
  readonly now?: () => number;
}

interface KeyState {
  lastLoggedMs: number;
  suppressed: number;
  level: RateLimitedLevel;
  msg: string;
}

/**
 * Logs a message at most once per key per interval and counts the ones it holds back, for floods of bad
 * records: the first record that fails is logged with its coordinates (topic, partition, offset); the next
 * line for the same key, once the interval has passed, says how many were suppressed in between. Metrics
 * are never rate-limited: count every record in its counter before calling this.
 *
 * Keys must stay low-cardinality, e.g. `deserialization:clicks:3` (reason, topic, partition), never an
 * offset or a record key. Call `flush()` on shutdown so the last counts are not lost.
 */
export class RateLimitedLog {
  readonly #logger: Logger;
  readonly #intervalMs: number;
  readonly #maxKeys: number;
  readonly #now: () => number;
  readonly #keys = new Map<string, KeyState>();
  #suppressedTotal = 0;

  constructor(logger: Logger, options: RateLimitedLogOptions) {
    if (!(options.intervalMs >= 0)) throw new RangeError(`intervalMs must be a number >= 0, got ${options.intervalMs}`);
    const maxKeys = options.maxKeys ?? 10_000;
    if (!(maxKeys >= 1)) throw new RangeError(`maxKeys must be >= 1, got ${maxKeys}`);
    this.#logger = logger;
    this.#intervalMs = options.intervalMs;
    this.#maxKeys = maxKeys;
    this.#now = options.now ?? (() => performance.now());
  }

  /**
   * Logs `msg` with `fields` unless a line for `key` was logged less than `intervalMs` ago. A line logged after
   * some were held back carries `suppressed: <count>`. Returns whether the line was written.
   */
  log(level: RateLimitedLevel, key: string, fields: object, msg: string): boolean {
    const nowMs = this.#now();
    const state = this.#keys.get(key);
    if (state !== undefined && nowMs - state.lastLoggedMs < this.#intervalMs) {
      state.suppressed += 1;
      this.#suppressedTotal += 1;
      return false;
    }
    if (state === undefined) {
      this.#keys.set(key, { lastLoggedMs: nowMs, suppressed: 0, level, msg });
      if (this.#keys.size > this.#maxKeys) this.#evictOldest();
      this.#logger[level](fields, msg);
      return true;
    }
    const suppressed = state.suppressed;
    state.lastLoggedMs = nowMs;
    state.suppressed = 0;
    state.level = level;
    state.msg = msg;
    // Move to the end of the map's insertion order: the map stays ordered by last logged line.
    this.#keys.delete(key);
    this.#keys.set(key, state);
    this.#logger[level](suppressed > 0 ? { ...fields, suppressed } : fields, msg);
    return true;
  }

  error(key: string, fields: object, msg: string): boolean {
    return this.log('error', key, fields, msg);
  }

  warn(key: string, fields: object, msg: string): boolean {
    return this.log('warn', key, fields, msg);
  }

  info(key: string, fields: object, msg: string): boolean {
    return this.log('info', key, fields, msg);
  }

  /** Lines held back since this instance was created, over all keys. */
  get suppressedTotal(): number {
    return this.#suppressedTotal;
  }

  /** Lines held back for `key` since its last written line. */
  suppressedFor(key: string): number {
    return this.#keys.get(key)?.suppressed ?? 0;
  }

  /** Writes one summary line per key that has held-back lines, and forgets every key. */
  flush(): void {
    for (const [key, state] of this.#keys) this.#summarise(key, state);
    this.#keys.clear();
  }

  #evictOldest(): void {
    const oldest = this.#keys.entries().next();
    if (oldest.done === true) return;
    const [key, state] = oldest.value;
    this.#keys.delete(key);
    this.#summarise(key, state);
  }

  #summarise(key: string, state: KeyState): void {
    if (state.suppressed === 0) return;
    this.#logger[state.level]({ rateLimitKey: key, suppressed: state.suppressed }, `${state.msg} (${state.suppressed} similar lines suppressed)`);
    state.suppressed = 0;
  }
}
